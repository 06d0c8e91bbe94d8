// imp grant / revoke / script end to end: the built CLI, real pwsh, the real templates, and the
// simulated Exchange module recording every cmdlet call.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeState } from '../../src/sim/state';
import { impersonationAssignment } from '../ews/fixture';
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

  it('grants exactly one assignment, through one PowerShell process, and a second grant creates none; revoke removes it, and a second revoke (given the alias, which it names) is a clean no-op', async () => {
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
    // The service account is a member of Room Bookers, which holds the role.
    const state = lab.state();
    const bookers = state.groups.find((g) => g.name === 'Room Bookers')!;
    bookers.members.push(state.users.find((u) => u.samAccountName === 'svc-booking')!.distinguishedName);
    state.assignments.push({ ...impersonationAssignment(bookers.distinguishedName, { assigneeType: 'SecurityGroup' }), name: 'Bookers impersonation' });
    writeState(lab.settings.stateDir, state);

    const run = await lab.imp(['grant', '--account', ACCOUNT, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'exists');
    assert.equal(result.existing[0].assignmentChain, 'Room Bookers');
    assert.equal(impersonationAssignments(lab).length, 1);
  });

  // A scoped grant (one scope, its filter as Exchange stores it, one scoped assignment; revoke removes both) is
  // proven by test/exchange/exchange.test.ts, with three of them at once.

  it('leaves nothing half-done: a scope created for a failed assignment is removed again', async () => {
    // An assignment of that name already exists (for someone else), so New-ManagementRoleAssignment fails.
    const state = lab.state();
    state.assignments.push({ ...impersonationAssignment(state.users.find((u) => u.samAccountName === 'user1')!.distinguishedName), name: 'Taken' });
    writeState(lab.settings.stateDir, state);
    const run = await lab.imp(['grant', '--account', ACCOUNT, '--name', 'Taken', '--scope-rooms']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /already exists/);
    assert.equal(lab.state().scopes.length, 0);
    assert.ok(lab.calls().some((c) => c.cmdlet === 'Remove-ManagementScope' && c.parameters.Identity === 'Taken-Scope'));
  });

  it('--dry-run changes nothing and shows the commands; --verbose shows the rendered template on stderr', async () => {
    const run = await lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms', '--dry-run', '--verbose']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /New-ManagementScope -Name 'ApplicationImpersonation-svc-booking@contoso.com-Scope'/);
    assert.match(run.stdout, /New-ManagementRoleAssignment -Name 'ApplicationImpersonation-svc-booking@contoso.com' -Role 'ApplicationImpersonation'/);
    assert.ok(!lab.calls().some((c) => /^(New|Remove|Set)-/.test(c.cmdlet)));
    assert.equal(lab.state().scopes.length, 0);
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

  it('covers every PowerShell action: the printed grant, verify and expiry scripts run by hand against the simulator, the schedule script parses (all in one pwsh)', async function () {
    this.timeout(120_000);
    const lab = shellLab();
    try {
      const [grant, verify, expiry, schedule] = await Promise.all([
        runImp(['script', 'grant', '--account', ACCOUNT]),
        runImp(['script', 'verify', '--account', ACCOUNT, '--rooms']),
        runImp(['script', 'expiry', '--account', ACCOUNT]),
        runImp(['script', 'schedule', '--account', ACCOUNT, '--run-as', 'CONTOSO\\svc-imp']),
      ]);
      for (const run of [grant, verify, expiry, schedule]) assert.equal(run.code, 0, run.stderr);
      assert.match(schedule.stdout, /\$folder.RegisterTaskDefinition\(/);
      assert.match(schedule.stdout, /Read-Host -AsSecureString/);
      // Each script as an admin saves it: the module import, then the printed text. Run one after the other by
      // one PowerShell (a pwsh start costs seconds here): verify and expiry first, on the untouched lab.
      const file = (script: string, name: string) => {
        const path = join(lab.settings.stateDir, name);
        writeFileSync(path, `Import-Module '${lab.settings.exchangeModule}'\n${script}\n$result = $null`);
        return `'${path.replace(/'/g, "''")}'`;
      };
      const scheduleFile = join(lab.settings.stateDir, 'schedule.ps1');
      writeFileSync(scheduleFile, schedule.stdout);
      const byHand = JSON.parse(execFileSync(PWSH, ['-NoProfile', '-NonInteractive', '-Command', `
        $byHand = [ordered]@{}
        $byHand.verify = & ${file(verify.stdout, 'verify.ps1')}
        $byHand.expiry = & ${file(expiry.stdout, 'expiry.ps1')}
        $byHand.grant = & ${file(grant.stdout, 'grant-by-hand.ps1')}
        $e = $null
        [void][System.Management.Automation.Language.Parser]::ParseInput([System.IO.File]::ReadAllText('${scheduleFile.replace(/'/g, "''")}'), [ref]$null, [ref]$e)
        $byHand.scheduleParseErrors = $e.Count
        $byHand | ConvertTo-Json -Depth 7 -Compress`], { encoding: 'utf8' }));
      assert.equal(byHand.verify.mailbox.primarySmtpAddress, ACCOUNT);
      assert.equal(byHand.verify.targets.length, 3);
      assert.equal(byHand.expiry.found, true);
      assert.equal(byHand.grant.status, 'granted');
      assert.equal(impersonationAssignments(lab).length, 1);
      assert.equal(byHand.scheduleParseErrors, 0);
    } finally {
      lab.remove();
    }
  });
});
