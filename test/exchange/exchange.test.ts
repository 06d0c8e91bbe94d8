// imp against Exchange as admins run it: accounts matched by identity, scopes compared by meaning and
// changed in place, concurrent grants, sessions without every cmdlet, and Exchange's own loader.
// Built CLI, real pwsh, the real templates and the simulated Exchange.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { exchangeSetup } from '../../src/exchange/connection';
import { defaultAssignmentName, scopeNameFor } from '../../src/exchange/names';
import { PowerShellCommandError } from '../../src/powershell/errors';
import { PowerShellSession } from '../../src/powershell/session';
import { writeState, type SimUser } from '../../src/sim/state';
import { PWSH, runImp, shellLab, type Lab } from '../helpers/imp';
import { moduleWithCmdlets, runSimShell } from '../helpers/sim-state';
import { impersonationAssignment } from '../ews/fixture';

const ACCOUNT = 'svc-booking@contoso.com';
const fixtures = join(__dirname, 'fixtures');

function regularAssignments(lab: Lab) {
  return lab.state().assignments.filter((a) => a.role === 'ApplicationImpersonation' && a.roleAssignmentDelegationType === 'Regular');
}

/** A copy of a seeded user under another OU, with its own address: same Name, different identity. */
function twinOf(user: SimUser, address: string, ou: string): SimUser {
  return {
    ...user,
    guid: '6f1c2d3e-0000-4000-8000-000000000001',
    samAccountName: `${user.samAccountName}-twin`,
    userPrincipalName: address,
    distinguishedName: `CN=${user.name},${ou}`,
    mailbox: { ...user.mailbox!, alias: `${user.mailbox!.alias}-twin`, primarySmtpAddress: address, emailAddresses: [`SMTP:${address}`] },
  };
}

describe('imp and Exchange as admins run it', function () {
  this.timeout(300_000);
  let lab: Lab;
  beforeEach(() => (lab = shellLab()));
  afterEach(() => lab.remove());

  it('finds the account by identity: a same-named user in another OU holding the role is not the account, and svc@a / svc@b get names of their own', async () => {
    const state = lab.state();
    const service = state.users.find((u) => u.samAccountName === 'svc-booking')!;
    const twin = twinOf(service, 'svc-booking@partner.example', 'OU=Partners,DC=contoso,DC=com');
    state.users.push(twin);
    // The twin holds the role, under the name imp would give it (were the names alike, the grant below would collide).
    state.assignments.push({ ...impersonationAssignment(twin.distinguishedName), name: defaultAssignmentName('svc-booking@partner.example') });
    writeState(lab.settings.stateDir, state);

    const run = await lab.imp(['grant', '--account', ACCOUNT, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'granted', 'the twin\'s assignment is not the account\'s');
    const names = regularAssignments(lab).map((a) => a.name).sort();
    assert.deepEqual(names, ['ApplicationImpersonation-svc-booking@contoso.com', 'ApplicationImpersonation-svc-booking@partner.example']);
    const lookups = lab.calls().filter((c) => c.cmdlet === 'Get-ManagementRoleAssignment');
    assert.ok(lookups.every((c) => c.parameters.RoleAssignee === service.distinguishedName || c.parameters.RoleAssignee === `CN=${service.name},OU=Partners,DC=contoso,DC=com`));
  });

  it('scopes: rooms alone warns, a normalised stored filter is the same scope, and new scope flags change the scope in place (dry run first)', async () => {
    const first = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /covers room mailboxes but no bookers[\s\S]*double-booked/);

    // Exchange stores the filter after parsing it: other quotes, other parentheses, other case.
    const state = lab.state();
    const scope = state.scopes[0];
    scope.recipientFilter = 'recipienttypedetails -eq "RoomMailbox"';
    writeState(lab.settings.stateDir, state);
    const again = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).status, 'exists');

    const dry = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--scope-group', 'Room Bookers', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /old filter: recipienttypedetails -eq "RoomMailbox"/);
    assert.match(dry.stdout, /new filter: \(RecipientTypeDetails -eq 'RoomMailbox'\) -or \(MemberOfGroup -eq 'CN=Room Bookers,/);
    assert.match(dry.stdout, /Set-ManagementScope -Identity 'ApplicationImpersonation-svc-booking@contoso.com-Scope'/);
    assert.equal(lab.state().scopes[0].recipientFilter, 'recipienttypedetails -eq "RoomMailbox"', 'the dry run changed nothing');

    const widen = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--scope-group', 'Room Bookers', '--json']);
    assert.equal(widen.code, 0, widen.stderr);
    const result = JSON.parse(widen.stdout);
    assert.equal(result.status, 'scope-updated');
    assert.equal(result.scope.existingFilter, 'recipienttypedetails -eq "RoomMailbox"', 'the old filter is kept, to undo the change');
    assert.match(result.scope.storedFilter, /MemberOfGroup -eq 'CN=Room Bookers,/);
    assert.equal(regularAssignments(lab).length, 1, 'no second assignment');
    assert.equal(lab.state().scopes.length, 1);
    assert.equal(lab.state().scopes[0].recipientFilter, result.scope.storedFilter);
  });

  it('three scoped grants at once make exactly one scope (its filter as Exchange stores it) and one scoped assignment, and every one of them exits 0; revoke removes both', async () => {
    const runs = await Promise.all([0, 1, 2].map(() => lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--scope-group', 'Room Bookers', '--json'])));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const statuses = runs.map((r) => JSON.parse(r.stdout).status).sort();
    assert.equal(statuses.filter((s) => s === 'granted').length, 1, statuses.join(','));
    assert.ok(statuses.every((s) => s === 'granted' || s === 'exists'), statuses.join(','));
    assert.equal(regularAssignments(lab).length, 1);
    const state = lab.state();
    assert.equal(state.scopes.length, 1);
    assert.equal(state.scopes[0].name, 'ApplicationImpersonation-svc-booking@contoso.com-Scope');
    // Exchange stores the filter as it re-renders it after parsing, not as imp wrote it.
    assert.equal(
      state.scopes[0].recipientFilter,
      "((RecipientTypeDetails -eq 'RoomMailbox') -or (MemberOfGroup -eq 'CN=Room Bookers,OU=Users,OU=Contoso,DC=contoso,DC=com'))",
    );
    const [assignment] = regularAssignments(lab);
    assert.equal(assignment.customRecipientWriteScope, state.scopes[0].name);
    assert.equal(assignment.recipientWriteScope, 'CustomRecipientScope');

    const revoke = await lab.imp(['revoke', '--account', ACCOUNT]);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.equal(lab.state().scopes.length, 0);
    assert.equal(regularAssignments(lab).length, 0);
  });

  it('a session without a cmdlet names it and the role that grants it, and exits 3 before changing anything', async () => {
    // The session of an admin whose roles do not include Role Management's New-ManagementRoleAssignment.
    const module = moduleWithCmdlets(lab, 'NoRoleManagement', ['Get-Mailbox', 'Get-Recipient', 'Get-Group', 'Get-ManagementRoleAssignment', 'Get-ManagementScope']);
    const run = await runImp(['--exchange', 'module', '--exchange-module', module, '--json', 'grant', '--account', ACCOUNT]);
    assert.equal(run.code, 3, run.stderr);
    const error = JSON.parse(run.stdout).error;
    assert.equal(error.code, 'EXCHANGE_CMDLET_MISSING');
    assert.match(error.message, /no New-ManagementRoleAssignment \(role: Role Management, plus a delegating ApplicationImpersonation assignment/);
    assert.doesNotMatch(run.stderr, /not recognized|spelling/);
    assert.equal(lab.calls().length, 0, 'no cmdlet ran');
  });

  it('a role that grants a cmdlet without a parameter, and an admin without the delegating assignment: each named with its fix, exit 3, nothing changed', async () => {
    const ALL_READS = ['View-Only Configuration', 'View-Only Recipients', 'Mail Recipients'];
    const state = lab.state();
    // A custom role made from Role Management whose entry keeps New-ManagementRoleAssignment without its scope parameters.
    state.admin = {
      roles: ALL_READS,
      customRoles: [{ name: 'Limited Role Management', parent: 'Role Management', cmdlets: { 'New-ManagementRoleAssignment': ['Name', 'Role', 'User'], 'New-ManagementScope': ['Name', 'RecipientRestrictionFilter'], 'Set-ManagementScope': ['Identity', 'RecipientRestrictionFilter'], 'Remove-ManagementScope': ['Identity'] } }],
    };
    writeState(lab.settings.stateDir, state);
    const sim = await runSimShell<{ parameters: string[]; unknown: { errorId: string; message: string }; user2: null; refused: { reason: string; category: string; message: string } }>(
      lab.settings.exchangeModule,
      `
      $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
      [ordered]@{
          parameters = @((Get-Command New-ManagementRoleAssignment).Parameters.Keys | Where-Object { $common -notcontains $_ })
          unknown    = Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User user2 -CustomRecipientWriteScope 'x' }
          user2      = Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User user2 }
          # Exchange itself refuses an admin without the delegating assignment (state.admin.account is read per call).
          refused    = & {
              $path = Join-Path $Data.stateDir 'state.json'
              $state = Get-Content -LiteralPath $path -Raw | ConvertFrom-Json
              $state.admin | Add-Member -NotePropertyName account -NotePropertyValue 'CONTOSO\\user1'
              [System.IO.File]::WriteAllText($path, (ConvertTo-Json -InputObject $state -Depth 20))
              Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User user3 }
          }
      }`,
      { stateDir: lab.settings.stateDir },
    );
    assert.deepEqual(sim.output.parameters.sort(), ['Name', 'Role', 'User']);
    assert.equal(sim.output.unknown.errorId, 'NamedParameterNotFound,New-ManagementRoleAssignment', 'the proxy has the cmdlet\'s name, as implicit remoting\'s does');
    assert.match(sim.output.unknown.message, /cannot be found that matches parameter name 'CustomRecipientWriteScope'/);
    assert.equal(sim.output.user2, null, 'the Administrator (Organization Management) may assign the role');
    assert.equal(sim.output.refused.reason, 'RoleAssignmentDelegationException');
    assert.match(sim.output.refused.message, /delegating role assignment to the management role/);

    const callsBefore = lab.calls().length;
    const scoped = await lab.imp(['--json', 'grant', '--account', ACCOUNT, '--scope-rooms']);
    assert.equal(scoped.code, 3, scoped.stderr);
    const missing = JSON.parse(scoped.stdout).error;
    assert.equal(missing.code, 'EXCHANGE_CMDLET_MISSING');
    assert.match(missing.message, /no New-ManagementRoleAssignment -CustomRecipientWriteScope \(role: Role Management/);

    // user1 runs the shell with Role Management but is not in Organization Management: no delegating assignment.
    const helpdesk = lab.state();
    helpdesk.admin = { roles: ['Role Management', ...ALL_READS], account: 'CONTOSO\\user1' };
    writeState(lab.settings.stateDir, helpdesk);
    const run = await lab.imp(['--json', 'grant', '--account', ACCOUNT, '--scope-rooms']);
    assert.equal(run.code, 3, run.stderr);
    const denied = JSON.parse(run.stdout).error;
    assert.equal(denied.code, 'EXCHANGE_CMDLET_MISSING');
    assert.match(denied.message, /CONTOSO\\user1 holds no delegating ApplicationImpersonation assignment[\s\S]*Organization Management[\s\S]*New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'CONTOSO\\user1' -Delegating/);
    // revoke needs the same delegating assignment: it names it before removing user2's assignment.
    const revoke = await lab.imp(['--json', 'revoke', '--account', 'user2@contoso.com']);
    assert.equal(revoke.code, 3, revoke.stderr);
    assert.match(JSON.parse(revoke.stdout).error.message, /CONTOSO\\user1 holds no delegating ApplicationImpersonation assignment/);
    assert.equal(lab.state().scopes.length, 0, 'no scope made');
    assert.equal(regularAssignments(lab).length, 1, 'only the one user2 got from the Administrator above');
    assert.ok(!lab.calls().slice(callsBefore).some((c) => /^(New|Set|Remove)-/.test(c.cmdlet)), 'imp tried no change');
  });

  it('--exchange local runs Exchange\'s loader under its own error handling, then works', async () => {
    const run = await runImp(['--exchange', 'local', '--verbose', 'grant', '--account', ACCOUNT, '--dry-run'], {
      env: { ExchangeInstallPath: join(fixtures, 'loader'), IMP_TEST_EXCHANGE_MODULE: lab.settings.exchangeModule },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Dry run: svc-booking@contoso.com has no ApplicationImpersonation yet/);
    assert.match(run.stderr, /EX02.contoso.com failed/, 'the loader\'s error on the way is shown with --verbose, not fatal');
  });
});

describe('imp templates on their own', function () {
  this.timeout(120_000);

  it('refuses an Edge Transport server with a clear message (exit 3)', async () => {
    const session = new PowerShellSession({
      executable: PWSH,
      setup: [{ template: 'edge-registry', dir: fixtures, parameters: {} }, exchangeSetup({ exchange: 'local' })],
    });
    const previous = process.env.ExchangeInstallPath;
    process.env.ExchangeInstallPath = join(fixtures, 'loader');
    try {
      const error = await session.run('grant', {}, z.unknown()).then(() => assert.fail('connect must fail'), (e: unknown) => e);
      assert.ok(error instanceof PowerShellCommandError);
      assert.equal(error.exitCode, 3);
      assert.match(error.message, /This is an Edge Transport server[\s\S]*Mailbox server/);
    } finally {
      if (previous === undefined) delete process.env.ExchangeInstallPath;
      else process.env.ExchangeInstallPath = previous;
      await session.dispose();
    }
  });

  it('WhenCreatedUTC keeps its clock reading whatever its Kind, and filters compare by meaning', async () => {
    const script = `
      . ./templates/common.ps1
      $utc = [datetime]::new(2026, 11, 30, 8, 0, 0)
      $times = @(
        (ConvertTo-ImpUtcIsoTime ([datetime]::SpecifyKind($utc, 'Unspecified'))),
        (ConvertTo-ImpUtcIsoTime ([datetime]::SpecifyKind($utc, 'Local'))),
        (ConvertTo-ImpUtcIsoTime ([datetime]::SpecifyKind($utc, 'Utc'))),
        (ConvertTo-ImpUtcIsoTime '11/30/2026 08:00:00'))
      $same = @(
        (Test-ImpSameFilter "(RecipientTypeDetails -eq 'RoomMailbox') -or (MemberOfGroup -eq 'CN=A,DC=x')" "((memberofgroup -eq ""CN=A,DC=x"") -or (RecipientTypeDetails -eq 'RoomMailbox'))"),
        (Test-ImpSameFilter "(RecipientTypeDetails -eq 'RoomMailbox')" "RecipientTypeDetails -eq RoomMailbox"),
        (Test-ImpSameFilter "(RecipientTypeDetails -eq 'RoomMailbox')" "(RecipientTypeDetails -eq 'RoomMailbox') -and (Alias -eq 'x')"),
        (Test-ImpSameFilter "(MemberOfGroup -eq 'CN=A -or B,DC=x')" "(MemberOfGroup -eq 'CN=A') -or (B -eq 'DC=x')"),
        (Test-ImpSameFilter "(RecipientTypeDetails -eq 'RoomMailbox')" "(RecipientTypeDetails -ne 'RoomMailbox')"))
      ConvertTo-Json -Compress @{ times = $times; same = $same }`;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(PWSH, ['-NoProfile', '-NonInteractive', '-Command', script], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, TZ: 'America/New_York' },
      });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('error', reject);
      child.on('close', () => resolve(stdout));
    });
    const { times, same } = JSON.parse(output.trim().split('\n').pop()!);
    assert.deepEqual(times, Array(4).fill('2026-11-30T08:00:00.000Z'));
    assert.deepEqual(same, [true, true, false, false, false]);
  });

  it('default names carry the whole address and never cut the scope name', () => {
    assert.notEqual(defaultAssignmentName('svc@a.com'), defaultAssignmentName('svc@b.com'));
    const long = (domain: string) => defaultAssignmentName(`a-very-long-service-account-name@${domain}.example.com`);
    assert.notEqual(long('first-subsidiary'), long('first-subsidiarz'));
    for (const name of [long('first-subsidiary'), defaultAssignmentName('svc@a.com')]) {
      assert.ok(name.length <= 58);
      assert.equal(scopeNameFor(name), `${name}-Scope`);
    }
  });
});
