// verify's Management Shell half against Exchange as organisations build it: every kind of group,
// nesting with loops, dynamic groups, OU and exclusive scopes, and a session without every cmdlet.
// The real verify template in real pwsh against the simulated Exchange, one PowerShell per session.
import { strict as assert } from 'node:assert';
import { exchangeSetup } from '../../src/exchange/connection';
import { verifyResultSchema, type VerifyResult } from '../../src/exchange/schemas';
import { PowerShellSession } from '../../src/powershell/session';
import { writeState, type SimGroup, type SimState } from '../../src/sim/state';
import { PWSH, shellLab, type Lab } from '../helpers/imp';
import { moduleWithCmdlets } from '../helpers/sim-state';

const ACCOUNT = 'svc-booking@contoso.com';
const USERS_OU = 'OU=Users,OU=Contoso,DC=contoso,DC=com';
const ROOMS_OU = 'OU=Rooms,OU=Contoso,DC=contoso,DC=com';

/** A group as the simulator stores it; 'UniversalSecurityGroup' is a security group that is not mail-enabled. */
function group(name: string, type: SimGroup['recipientTypeDetails'], members: string[], extra: Partial<SimGroup> = {}): SimGroup {
  const sam = name.toLowerCase().replace(/ /g, '-');
  return {
    guid: `00000000-0000-4000-8000-${sam.padEnd(12, '0').slice(0, 12).replace(/[^0-9a-f]/g, '0')}`,
    name,
    samAccountName: sam,
    distinguishedName: `CN=${name},${USERS_OU}`,
    recipientTypeDetails: type,
    primarySmtpAddress: type === 'UniversalSecurityGroup' ? null : `${sam}@contoso.com`,
    members,
    ...extra,
  };
}

function assignment(state: SimState, name: string, recipientWriteScope: string, customRecipientWriteScope: string | null) {
  const service = state.users.find((u) => u.samAccountName === 'svc-booking')!;
  state.assignments.push({
    guid: `10000000-0000-4000-8000-${String(state.assignments.length).padStart(12, '0')}`,
    name, role: 'ApplicationImpersonation', roleAssignee: service.distinguishedName, roleAssigneeName: service.name,
    roleAssigneeType: 'User', roleAssignmentDelegationType: 'Regular', customRecipientWriteScope,
    recipientWriteScope: recipientWriteScope as never, enabled: true, whenCreatedUTC: new Date(Date.now() - 86_400_000).toISOString(),
  });
}

describe('verify: groups and scopes as Exchange has them', function () {
  this.timeout(300_000);
  let lab: Lab;
  let session: PowerShellSession;
  const run = async (parameters: object): Promise<VerifyResult> => (await session.run('verify', { account: ACCOUNT, mailboxes: [], rooms: false, groups: [], ...parameters }, verifyResultSchema)).result;
  const dn = (state: SimState, sam: string) => state.users.find((u) => u.samAccountName === sam)!.distinguishedName;

  before(() => {
    lab = shellLab();
    const state = lab.state();
    const plain = group('Plain Bookers', 'UniversalSecurityGroup', [dn(state, 'user1')]);
    const nested = group('Nested Bookers', 'UniversalSecurityGroup', [dn(state, 'user2'), dn(state, 'user1'), plain.distinguishedName]);
    plain.members.push(nested.distinguishedName); // a loop, as admins make them
    const dynamic = group('Dynamic Rooms', 'DynamicDistributionGroup', [], { recipientFilter: "RecipientTypeDetails -eq 'RoomMailbox'", recipientContainer: ROOMS_OU });
    state.groups.push(plain, nested, dynamic);
    writeState(lab.settings.stateDir, state);
    session = new PowerShellSession({ executable: PWSH, setup: [exchangeSetup({ exchange: 'module', exchangeModule: lab.settings.exchangeModule })] });
  });
  after(async () => {
    await session.dispose();
    lab.remove();
  });

  it('takes security groups that are not mail-enabled, nested groups with loops, dynamic and mail-enabled groups; each booker once', async () => {
    const state = lab.state();
    assignment(state, 'Org-wide', 'Organization', null);
    writeState(lab.settings.stateDir, state);
    const result = await run({ groups: ['Plain Bookers', 'Dynamic Rooms', 'Room Bookers'] });
    assert.deepEqual(result.targetErrors, []);
    const addresses = result.targets.map((t) => t.address).sort();
    assert.deepEqual(addresses, ['room1@contoso.com', 'room2@contoso.com', 'room3@contoso.com', 'user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com']);
    assert.deepEqual(result.targets.find((t) => t.address === 'user2@contoso.com')!.groupPath, ['Plain Bookers', 'Nested Bookers']);
    assert.ok(result.targets.every((t) => t.inScope));
    assert.ok(!lab.calls().some((c) => c.cmdlet === 'Get-DistributionGroupMember'), 'no cmdlet that serves only mail-enabled groups');
  });

  it('a booker in the scope group only through nesting is outside the scope, with the nested group named', async () => {
    const state = lab.state();
    state.assignments = state.assignments.filter((a) => a.roleAssignmentDelegationType !== 'Regular');
    state.scopes.push({ guid: '20000000-0000-4000-8000-000000000001', name: 'Bookers-Scope', recipientFilter: `MemberOfGroup -eq 'CN=Plain Bookers,${USERS_OU}'`, recipientRoot: null, exclusive: false, whenCreatedUTC: new Date().toISOString() });
    assignment(state, 'Scoped', 'CustomRecipientScope', 'Bookers-Scope');
    writeState(lab.settings.stateDir, state);
    const result = await run({ groups: ['Plain Bookers'] });
    const user1 = result.targets.find((t) => t.address === 'user1@contoso.com')!;
    const user2 = result.targets.find((t) => t.address === 'user2@contoso.com')!;
    assert.equal(user1.inScope, true);
    assert.equal(user2.inScope, false);
    assert.deepEqual(user2.nestedVia, { scopeGroup: 'Plain Bookers', nestedGroup: 'Nested Bookers', path: ['Plain Bookers', 'Nested Bookers'] });
    assert.equal(result.scopes[0].type, 'custom');
  });

  it('OU scopes, RecipientRoot and exclusive scopes: Exchange decides, and the blocking exclusive scope is named', async () => {
    const state = lab.state();
    state.assignments = state.assignments.filter((a) => a.roleAssignmentDelegationType !== 'Regular');
    state.scopes = [
      { guid: '20000000-0000-4000-8000-000000000002', name: 'VIP Rooms', recipientFilter: "Alias -eq 'room1'", recipientRoot: null, exclusive: true, whenCreatedUTC: new Date().toISOString() },
      { guid: '20000000-0000-4000-8000-000000000003', name: 'Users-Under-Root', recipientFilter: "RecipientTypeDetails -eq 'UserMailbox'", recipientRoot: USERS_OU, exclusive: false, whenCreatedUTC: new Date().toISOString() },
    ];
    assignment(state, 'Rooms-OU', 'OU', ROOMS_OU);
    assignment(state, 'Users-Rooted', 'CustomRecipientScope', 'Users-Under-Root');
    writeState(lab.settings.stateDir, state);
    const callsBefore = lab.calls().length;
    const result = await run({ rooms: true, mailboxes: ['user3@contoso.com', 'administrator@contoso.com'] });
    const byAddress = new Map(result.targets.map((t) => [t.address, t]));
    assert.equal(byAddress.get('room1@contoso.com')!.inScope, false);
    assert.equal(byAddress.get('room1@contoso.com')!.blockedBy, 'VIP Rooms');
    assert.equal(byAddress.get('room2@contoso.com')!.inScope, true, 'the OU scope reaches the Rooms OU');
    assert.equal(byAddress.get('user3@contoso.com')!.inScope, true, 'the custom scope reaches user mailboxes under its root');
    assert.equal(byAddress.get('administrator@contoso.com')!.inScope, true);
    assert.deepEqual(result.scopes.map((s) => s.type).sort(), ['custom', 'ou']);
    const scopeCalls = lab.calls().slice(callsBefore).filter((c) => c.cmdlet === 'Get-Recipient' && c.parameters.Filter !== undefined);
    assert.equal(scopeCalls.length, 2, 'one Get-Recipient per filtered scope (Users-Under-Root, VIP Rooms), not per target');
  });

  it('without Get-WebServicesVirtualDirectory every other check still runs, and the missing cmdlet is named', async () => {
    // The session of an admin whose roles hold the recipient and RBAC reads but not the virtual directories.
    const module = moduleWithCmdlets(lab, 'NoVirtualDirectories', ['Get-Mailbox', 'Get-Recipient', 'Get-Group', 'Get-ManagementRoleAssignment', 'Get-ManagementScope']);
    const limited = new PowerShellSession({ executable: PWSH, setup: [exchangeSetup({ exchange: 'module', exchangeModule: module })] });
    try {
      const { result } = await limited.run('verify', { account: ACCOUNT, mailboxes: ['room2@contoso.com'], rooms: false, groups: [] }, verifyResultSchema);
      assert.deepEqual(result.vdirs, []);
      assert.match(result.vdirError!, /no Get-WebServicesVirtualDirectory \(role: Exchange Virtual Directories/);
      assert.equal(result.mailbox!.primarySmtpAddress, ACCOUNT);
      assert.equal(result.targets.length, 1);
    } finally {
      await limited.dispose();
    }
  });
});
