// imp status end to end: the built CLI, real pwsh, templates/status.ps1 and the simulated Management Shell.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { writeState } from '../../src/sim/state';
import { shellLab, type Lab } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';

describe('imp status', function () {
  this.timeout(120_000);
  let lab: Lab;
  let callsBefore = 0;
  before(async () => {
    lab = shellLab();
    const grant = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms']);
    assert.equal(grant.code, 0, grant.stderr);
    // The next step is a complete command: the account, the mailboxes the scope covers, the same Exchange.
    assert.ok(grant.stdout.includes(`  imp verify --account ${ACCOUNT} --rooms --wait 30m --exchange module --exchange-module ${lab.settings.exchangeModule}\n`), grant.stdout);
    // An old organisation-wide assignment to a security group of people: what the audit is for.
    const state = lab.state();
    const bookers = state.groups.find((g) => g.name === 'Room Bookers')!;
    state.assignments.push({
      guid: randomUUID(), name: 'Impersonation-Bookers', role: 'ApplicationImpersonation', roleAssignee: bookers.distinguishedName,
      roleAssigneeName: bookers.name, roleAssigneeType: 'SecurityGroup', roleAssignmentDelegationType: 'Regular',
      customRecipientWriteScope: null, recipientWriteScope: 'Organization', enabled: true, whenCreatedUTC: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    });
    writeState(lab.settings.stateDir, state);
    callsBefore = lab.calls().length;
  });
  after(() => lab.remove());

  it('lists every assignment (direct, through a group, delegating) with effective users, scope and age, and flags the group', async () => {
    const run = await lab.imp(['status', '--json']);
    assert.equal(run.code, 1, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'WARNING');
    assert.match(result.generatedAt, /^\d{4}-\d\d-\d\dT/);
    assert.equal(typeof result.impVersion, 'string');
    const byName = new Map(result.assignments.map((a: { name: string }) => [a.name, a]));
    const mine = byName.get('ApplicationImpersonation-svc-booking@contoso.com') as Record<string, any>;
    assert.equal(mine.state, 'propagating');
    assert.equal(mine.scope.kind, 'custom');
    assert.equal(mine.scope.filter, "(RecipientTypeDetails -eq 'RoomMailbox')");
    assert.deepEqual(mine.findings, []);
    assert.ok(Date.parse(mine.effectiveAt) > Date.now() + 25 * 60_000);
    const group = byName.get('Impersonation-Bookers') as Record<string, any>;
    assert.equal(group.state, 'effective');
    assert.deepEqual(group.effectiveUsers.map((u: { name: string }) => u.name).sort(), ['User 1', 'User 2', 'User 3']);
    assert.ok(group.effectiveUsers.every((u: { assignmentChain: string }) => u.assignmentChain === 'Room Bookers'));
    assert.match(group.findings.join(' '), /SecurityGroup "Room Bookers": its 3 member/);
    const delegating = byName.get('ApplicationImpersonation-Organization Management-Delegating') as Record<string, any>;
    assert.equal(delegating.state, 'delegating');
    // Read-only: nothing but Get- cmdlets ran.
    assert.deepEqual(new Set(lab.calls().slice(callsBefore).map((c) => c.cmdlet)), new Set(['Get-ManagementRoleAssignment', 'Get-ManagementScope']));
  });

  it('imp script status prints the same read as a script to run by hand', async () => {
    const run = await lab.imp(['script', 'status', '--account', ACCOUNT]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers/);
    assert.match(run.stdout, /"account":"svc-booking@contoso.com"/);
    assert.match(run.stdout, /function Get-ImpMailbox/);
  });

  it('--account resolves an alias to the primary address and narrows to what reaches it; --quiet prints one line', async () => {
    const run = await lab.imp(['status', '--account', 'booking@contoso.com']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /svc-booking@contoso.com is the primary SMTP address of Booking Service's mailbox; the address given is an alias/);
    assert.match(run.stdout, /ApplicationImpersonation-svc-booking/);
    assert.doesNotMatch(run.stdout, /Impersonation-Bookers|Delegating/);
    assert.match(run.stdout, /filter: \(RecipientTypeDetails -eq 'RoomMailbox'\)/);
    assert.match(run.stdout, /in effect by \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/);

    const quiet = await lab.imp(['status', '--account', ACCOUNT, '--quiet']);
    assert.equal(quiet.code, 1);
    assert.equal(quiet.stdout.trim().split('\n').length, 1, quiet.stdout);
    assert.match(quiet.stdout, /^WARNING: ApplicationImpersonation reaches svc-booking@contoso.com/);
  });
});
