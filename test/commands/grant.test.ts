// imp grant / revoke / script end to end: the built CLI, real pwsh, the real templates, and the
// simulated Exchange module recording every cmdlet call.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeState } from '../../src/sim/state';
import { PWSH, runImp, shellLab, type Lab } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';
const fixtures = join(__dirname, '..', 'fixtures');

function impersonationAssignments(lab: Lab) {
  return lab.state().assignments.filter((a) => a.role === 'ApplicationImpersonation' && a.roleAssignmentDelegationType === 'Regular');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('imp grant / revoke', function () {
  this.timeout(120_000);
  let lab: Lab;
  beforeEach(() => (lab = shellLab()));
  afterEach(() => lab.remove());

  it('grants exactly one assignment, through one PowerShell process, and a second grant creates none', async () => {
    const first = await lab.imp(['grant', '--account', ACCOUNT]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Granted ApplicationImpersonation to svc-booking@contoso.com/);
    const assignments = impersonationAssignments(lab);
    assert.equal(assignments.length, 1);
    assert.equal(assignments[0].name, 'ApplicationImpersonation-svc-booking@contoso.com');
    assert.equal(assignments[0].roleAssigneeName, 'Booking Service');

    const calls = lab.calls();
    assert.deepEqual(new Set(calls.map((c) => c.cmdlet)), new Set(['Get-Mailbox', 'Get-ManagementRoleAssignment', 'Get-User', 'New-ManagementRoleAssignment']));
    const pids = new Set(calls.map((c) => c.pid));
    assert.equal(pids.size, 1, 'one PowerShell process for the whole grant');
    assert.ok(!alive([...pids][0]), 'and it is gone when imp exits');

    const second = await lab.imp(['grant', '--account', ACCOUNT, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const result = JSON.parse(second.stdout);
    assert.equal(result.status, 'exists');
    assert.equal(result.existing[0].name, 'ApplicationImpersonation-svc-booking@contoso.com');
    assert.equal(impersonationAssignments(lab).length, 1);
    assert.equal(lab.calls().filter((c) => c.cmdlet === 'New-ManagementRoleAssignment').length, 1);
  });

  it('refuses an alias, naming the primary address, and creates nothing', async () => {
    const run = await lab.imp(['grant', '--account', 'booking@contoso.com']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /booking@contoso.com is an alias.*primary SMTP address is svc-booking@contoso.com/);
    assert.match(run.stderr, /fix: Use --account svc-booking@contoso.com/);
    assert.equal(impersonationAssignments(lab).length, 0);
  });

  for (const [what, account, says] of [
    ['an account without a mailbox', 'svc-nomailbox@contoso.com', /has no mailbox; EWS impersonation needs one/],
    ['an account unknown to AD', 'nobody@contoso.com', /Exchange has no mailbox by that name \(Get-Mailbox\)/],
  ] as const) {
    it(`fails for ${what} with exit 3 (bad input), naming --account, with Exchange's not-found text in the details`, async () => {
      const run = await lab.imp(['grant', '--account', account, '--json']);
      assert.equal(run.code, 3);
      assert.match(run.stderr, new RegExp(`--account "${account}": `));
      assert.match(run.stderr, says);
      const { error } = JSON.parse(run.stdout);
      assert.equal(error.code, 'EXCHANGE_NOT_FOUND');
      assert.match(error.details.exchangeError, new RegExp(`The operation couldn't be performed because object '${account}' couldn't be found on 'DC01.contoso.com'`));
      assert.equal(impersonationAssignments(lab).length, 0);
    });
  }

  it('recognises an assignment that reaches the account through a group', async () => {
    const state = lab.state();
    const bookers = state.groups.find((g) => g.name === 'Room Bookers')!;
    bookers.members.push(state.users.find((u) => u.samAccountName === 'svc-booking')!.distinguishedName);
    writeState(lab.settings.stateDir, state);
    const viaGroup = await runImp([
      ...lab.moduleArgs, '--json', 'grant', '--account', 'user1@contoso.com', '--name', 'Bookers impersonation',
    ]);
    assert.equal(viaGroup.code, 0, viaGroup.stderr);
    // Make it a group assignment: hand the role to Room Bookers instead of user1.
    const groupState = lab.state();
    const assignment = groupState.assignments.find((a) => a.name === 'Bookers impersonation')!;
    Object.assign(assignment, { roleAssignee: bookers.distinguishedName, roleAssigneeName: bookers.name, roleAssigneeType: 'SecurityGroup' });
    writeState(lab.settings.stateDir, groupState);

    const run = await lab.imp(['grant', '--account', ACCOUNT, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'exists');
    assert.equal(result.existing[0].assignmentChain, 'Room Bookers');
    assert.equal(impersonationAssignments(lab).length, 1);
  });

  it('revokes the assignment, and a second revoke (given the alias, which it names) is a clean no-op', async () => {
    assert.equal((await lab.imp(['grant', '--account', ACCOUNT])).code, 0);
    const revoke = await lab.imp(['revoke', '--account', ACCOUNT]);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /Removed assignment "ApplicationImpersonation-svc-booking@contoso.com"/);
    assert.equal(impersonationAssignments(lab).length, 0);
    const removeCall = lab.calls().find((c) => c.cmdlet === 'Remove-ManagementRoleAssignment')!;
    assert.equal(removeCall.parameters.Confirm, false);

    // Again, given the alias: the same mailbox, its primary address named.
    const again = await lab.imp(['revoke', '--account', lab.settings.alias]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, new RegExp(`^${lab.settings.alias} is an alias; the primary SMTP address of .*'s mailbox is ${ACCOUNT}\\.\n`));
    assert.match(again.stdout, /nothing to revoke/);
  });

  it('scoped grant creates one scope and one scoped assignment; revoke removes both', async () => {
    const run = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--scope-group', 'Room Bookers']);
    assert.equal(run.code, 0, run.stderr);
    const state = lab.state();
    assert.equal(state.scopes.length, 1);
    assert.equal(state.scopes[0].name, 'ApplicationImpersonation-svc-booking@contoso.com-Scope');
    // Exchange stores the filter as it re-renders it after parsing, not as imp wrote it.
    assert.equal(
      state.scopes[0].recipientFilter,
      "((RecipientTypeDetails -eq 'RoomMailbox') -or (MemberOfGroup -eq 'CN=Room Bookers,OU=Users,OU=Contoso,DC=contoso,DC=com'))",
    );
    const [assignment] = impersonationAssignments(lab);
    assert.equal(assignment.customRecipientWriteScope, state.scopes[0].name);
    assert.equal(assignment.recipientWriteScope, 'CustomRecipientScope');

    const again = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--scope-group', 'Room Bookers']);
    assert.equal(again.code, 0);
    assert.equal(lab.state().scopes.length, 1);

    const revoke = await lab.imp(['revoke', '--account', ACCOUNT]);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.equal(lab.state().scopes.length, 0);
    assert.equal(impersonationAssignments(lab).length, 0);
  });

  it('leaves nothing half-done: a scope created for a failed assignment is removed again', async () => {
    // An assignment of that name already exists (for someone else), so New-ManagementRoleAssignment fails.
    const taken = await lab.imp(['grant', '--account', 'user1@contoso.com', '--name', 'Taken']);
    assert.equal(taken.code, 0, taken.stderr);
    const run = await lab.imp(['grant', '--account', ACCOUNT, '--name', 'Taken', '--scope-rooms']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /already exists/);
    assert.equal(lab.state().scopes.length, 0);
    assert.ok(lab.calls().some((c) => c.cmdlet === 'Remove-ManagementScope' && c.parameters.Identity === 'Taken-Scope'));
  });

  it('--dry-run changes nothing and shows the commands', async () => {
    const run = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /New-ManagementScope -Name 'ApplicationImpersonation-svc-booking@contoso.com-Scope'/);
    assert.match(run.stdout, /New-ManagementRoleAssignment -Name 'ApplicationImpersonation-svc-booking@contoso.com' -Role 'ApplicationImpersonation'/);
    assert.ok(!lab.calls().some((c) => /^(New|Remove|Set)-/.test(c.cmdlet)));
    assert.equal(lab.state().scopes.length, 0);
  });

  it('--verbose shows the rendered template on stderr', async () => {
    const run = await lab.imp(['grant', '--account', ACCOUNT, '--verbose', '--dry-run']);
    assert.equal(run.code, 0);
    assert.match(run.stderr, /--- PowerShell template grant ---/);
    assert.match(run.stderr, /\$Parameters = \{"account":"svc-booking@contoso.com"/);
  });

  it('works with any module that implements the Exchange cmdlets', async () => {
    const module = join(fixtures, 'RecordedExchange.psm1');
    const args = ['--exchange', 'module', '--exchange-module', module];
    const run = await runImp([...args, 'grant', '--account', 'meetings@fabrikam.example', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).assignment.name, 'ApplicationImpersonation-meetings@fabrikam.example');
    const alias = await runImp([...args, 'grant', '--account', 'bookings@fabrikam.example']);
    assert.equal(alias.code, 2);
    assert.match(alias.stderr, /primary SMTP address is meetings@fabrikam.example/);
  });

  it('Ctrl-C stops a grant and leaves no PowerShell running', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'imp-hang-')), 'pid');
    const module = join(fixtures, 'RecordedExchange.psm1');
    const started = Date.now();
    const run = await runImp(['--exchange', 'module', '--exchange-module', module, 'grant', '--account', 'meetings@fabrikam.example'], {
      env: { IMP_TEST_HANG_PIDFILE: pidFile },
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 100);
      },
    });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /interrupted/);
    assert.ok(Date.now() - started < 60_000);
    const pwshPid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!alive(pwshPid), `pwsh ${pwshPid} must be gone`);
  });
});

describe('imp script', () => {
  it('prints a standalone grant script with the values as data', async () => {
    const run = await runImp(['script', 'grant', '--account', "o'brien${x}@contoso.com", '--scope-rooms']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# Grant ApplicationImpersonation/);
    assert.match(run.stdout, /\$Parameters = ConvertFrom-Json @'\n\{"account":"o'brien\$\{x\}@contoso.com"/);
    assert.match(run.stdout, /New-ManagementRoleAssignment @assignmentParameters/);
    assert.ok(!run.stdout.includes('{{'), 'no unrendered placeholders');
  });

  it('the printed script parses and runs against the simulator', async function () {
    this.timeout(60_000);
    const lab = shellLab();
    try {
      const run = await runImp(['script', 'grant', '--account', ACCOUNT]);
      const file = join(lab.settings.stateDir, 'grant-by-hand.ps1');
      writeFileSync(file, `Import-Module '${lab.settings.exchangeModule}'\n${run.stdout}`);
      const out = execFileSync(PWSH, ['-NoProfile', '-NonInteractive', '-File', file], { encoding: 'utf8' });
      assert.match(out, /granted/);
      assert.equal(impersonationAssignments(lab).length, 1);
    } finally {
      lab.remove();
    }
  });

  it('covers every PowerShell action: verify and expiry scripts run by hand, the schedule script parses', async function () {
    this.timeout(120_000);
    const lab = shellLab();
    try {
      const verify = await runImp(['script', 'verify', '--account', ACCOUNT, '--rooms']);
      const expiry = await runImp(['script', 'expiry', '--account', ACCOUNT]);
      const schedule = await runImp(['script', 'schedule', '--account', ACCOUNT, '--run-as', 'CONTOSO\\svc-imp']);
      for (const run of [verify, expiry, schedule]) assert.equal(run.code, 0, run.stderr);
      assert.match(schedule.stdout, /\$folder.RegisterTaskDefinition\(/);
      assert.match(schedule.stdout, /Read-Host -AsSecureString/);
      const byHand = (script: string, name: string) => {
        const file = join(lab.settings.stateDir, name);
        writeFileSync(file, `Import-Module '${lab.settings.exchangeModule}'\n${script}\n$result = $null`);
        return execFileSync(PWSH, ['-NoProfile', '-NonInteractive', '-Command', `$r = & '${file}'; $r | ConvertTo-Json -Depth 6 -Compress`], { encoding: 'utf8' });
      };
      const verified = JSON.parse(byHand(verify.stdout, 'verify.ps1'));
      assert.equal(verified.mailbox.primarySmtpAddress, ACCOUNT);
      assert.equal(verified.targets.length, 3);
      const expired = JSON.parse(byHand(expiry.stdout, 'expiry.ps1'));
      assert.equal(expired.found, true);
      const parsed = execFileSync(PWSH, ['-NoProfile', '-NonInteractive', '-Command', '$e = $null; $text = ($input | Out-String); [void][System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$null, [ref]$e); $e.Count'], { input: schedule.stdout, encoding: 'utf8' });
      assert.equal(parsed.trim(), '0');
    } finally {
      lab.remove();
    }
  });
});
