// imp expiry end to end: the built CLI, real pwsh, templates/expiry.ps1 against the simulated AD (Get-ADUser,
// and [adsisearcher] where the simulated machine has no ActiveDirectory module), the simulated EWS endpoint
// for --check-login and --no-powershell, and the real Secret Service (scripts/with-keyring).
import { strict as assert } from 'node:assert';
import { storeCredential } from '../../src/credentials/keychain';
import { exchangeSetup } from '../../src/exchange/connection';
import { readAccountFromDirectory, type DirectoryLookup } from '../../src/expiry/directory';
import { thresholdsOf } from '../../src/expiry/options';
import { judgedReport } from '../../src/commands/expiry';
import { PowerShellSession } from '../../src/powershell/session';
import { applyPasswordExpiry } from '../../src/sim/organization';
import { hashPassword, writeState, type SimState, type SimUser } from '../../src/sim/state';
import { clearKeychain, requireTestKeyring } from '../credentials/support';
import { PWSH, runImp, shellLab, SimProcess, type ImpRun, type Lab, type RunOptions } from '../helpers/imp';
import { runSimShell, setAdminRoles } from '../helpers/sim-state';

const DAY = 86_400_000;
const SERVICE = 'svc-booking@contoso.com';

/** Runs CLI invocations a few at a time: each starts its own pwsh, and the machine is shared. */
async function inBatches<T>(jobs: (() => Promise<T>)[], size = 5): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += size) results.push(...(await Promise.all(jobs.slice(i, i + size).map((job) => job()))));
  return results;
}

function changeUsers(lab: Lab, change: (user: (sam: string) => SimUser, state: SimState) => void): void {
  const state = lab.state();
  change((sam) => state.users.find((u) => u.samAccountName === sam)!, state);
  writeState(lab.settings.stateDir, state);
}

interface Case {
  what: string;
  account: string;
  code: number;
  status: string;
  expect?: (document: Record<string, unknown>) => void;
  extra?: string[];
  options?: RunOptions;
}

// One user per situation, all seeded relative to one pinned "now" (IMP_NOW) so that no test straddles midnight.
const seeded = new Date();
const pinned: RunOptions = { env: { IMP_NOW: seeded.toISOString() } };

function seedSituations(lab: Lab, machine?: SimState['machine']): void {
  changeUsers(lab, (user, state) => {
    applyPasswordExpiry(user('svc-booking'), 20 * DAY, seeded);
    applyPasswordExpiry(user('user1'), 10 * DAY, seeded);
    applyPasswordExpiry(user('user2'), 2 * DAY, seeded);
    applyPasswordExpiry(user('user3'), 'expired', seeded);
    applyPasswordExpiry(user('user4'), 'never', seeded);
    applyPasswordExpiry(user('user5'), 'must-change', seeded);
    applyPasswordExpiry(user('user6'), 20 * DAY, seeded);
    user('user6').enabled = false;
    applyPasswordExpiry(user('user7'), 20 * DAY, seeded);
    user('user7').lockedOut = true;
    // Expires 2026-04-07T22:30Z, ten UTC days after the night Europe switches to summer time.
    user('user8').passwordLastSet = new Date(Date.parse('2026-04-07T22:30:00Z') - 42 * DAY).toISOString();
    applyPasswordExpiry(user('svc-nomailbox'), 20 * DAY, seeded);
    if (machine) state.machine = machine;
  });
}

const utcDay = (offsetDays: number) => new Date(seeded.getTime() + offsetDays * DAY).toISOString().slice(0, 10);

const CASES: Record<string, Case> = {
  in20: {
    what: 'expires in 20 days → OK (0)', account: SERVICE, code: 0, status: 'OK',
    expect: (d) => {
      assert.equal(d.daysLeft, 20);
      assert.equal(d.message, `OK - ${SERVICE} password expires in 20 days (${utcDay(20)})`);
      assert.equal(d.enabled, true);
      assert.equal(d.lockedOut, false);
      assert.equal(d.neverExpires, false);
      assert.equal(Date.parse(d.expiresAt as string), seeded.getTime() + 20 * DAY);
      assert.equal(Date.parse(d.passwordLastSet as string), seeded.getTime() + 20 * DAY - 42 * DAY);
    },
  },
  in10: {
    what: 'expires in 10 days → WARNING (1)', account: 'user1@contoso.com', code: 1, status: 'WARNING', extra: ['--event-log'],
    expect: (d) => assert.equal(d.daysLeft, 10),
  },
  in2: { what: 'expires in 2 days → CRITICAL (2)', account: 'user2@contoso.com', code: 2, status: 'CRITICAL', expect: (d) => assert.equal(d.daysLeft, 2) },
  expired: {
    what: 'expired 3 days ago → CRITICAL (2), reported as expired', account: 'user3@contoso.com', code: 2, status: 'CRITICAL',
    expect: (d) => {
      assert.equal(d.daysLeft, -3);
      assert.match(d.message as string, /password expired 3 days ago/);
      assert.ok(Date.parse(d.expiresAt as string) < seeded.getTime());
    },
  },
  never: {
    what: 'never expires → OK (0)', account: 'user4@contoso.com', code: 0, status: 'OK',
    expect: (d) => {
      assert.equal(d.neverExpires, true);
      assert.equal(d.expiresAt, null);
      assert.match(d.message as string, /password never expires/);
    },
  },
  mustChange: {
    what: 'must change at next logon → CRITICAL (2)', account: 'user5@contoso.com', code: 2, status: 'CRITICAL',
    expect: (d) => {
      assert.equal(d.mustChange, true);
      assert.equal(d.passwordLastSet, null);
      assert.match(d.message as string, /must be changed at next logon/);
    },
  },
  disabled: {
    what: 'disabled → CRITICAL (2)', account: 'user6@contoso.com', code: 2, status: 'CRITICAL',
    expect: (d) => {
      assert.equal(d.enabled, false);
      assert.match(d.message as string, /account is disabled in Active Directory; password expires in 20 days/);
    },
  },
  locked: {
    what: 'locked out → CRITICAL (2)', account: 'user7@contoso.com', code: 2, status: 'CRITICAL',
    expect: (d) => {
      assert.equal(d.lockedOut, true);
      assert.match((d.fix as string[]).join(' '), /Unlock-ADAccount -Identity user7/);
    },
  },
  unknown: {
    what: 'unknown account → UNKNOWN (3), with the address Exchange has by a similar name (ANR)', account: 'svc-book@contoso.com', code: 3, status: 'UNKNOWN',
    expect: (d) => {
      assert.match(d.message as string, /^UNKNOWN - svc-book@contoso.com no Active Directory user has this address/);
      assert.deepEqual(d.fix, ["Did you mean --account 'svc-booking@contoso.com'?"]);
    },
  },
  noMailbox: {
    what: 'an AD user without a mailbox, found by userPrincipalName → OK (0)', account: 'svc-nomailbox@contoso.com', code: 0, status: 'OK',
    expect: (d) => assert.equal(d.enabled, true),
  },
};

async function runCase(lab: Lab, c: Case): Promise<ImpRun> {
  return runImp([...lab.moduleArgs, '--json', 'expiry', '--account', c.account, ...(c.extra ?? [])], { ...pinned, ...c.options });
}


/** One test per situation: exit code, status, account and where the answer came from. */
function itChecksEachCase(names: string[], runs: Map<string, ImpRun>, source: 'Get-ADUser' | 'adsisearcher'): void {
  for (const name of names) {
    it(CASES[name]!.what, () => {
      const run = runs.get(name)!;
      assert.equal(run.code, CASES[name]!.code, run.stderr);
      const document = JSON.parse(run.stdout);
      assert.equal(document.status, CASES[name]!.status);
      assert.equal(document.account, CASES[name]!.account);
      assert.equal(document.source, source);
      CASES[name]!.expect?.(document);
    });
  }
}

describe('imp expiry (Active Directory through PowerShell)', function () {
  this.timeout(300_000);

  describe('with the ActiveDirectory module (Get-ADUser)', () => {
    let lab: Lab;
    const runs = new Map<string, ImpRun>();
    let human: ImpRun;
    let dst: ImpRun;
    let badThresholds: ImpRun[];
    let failures: ImpRun[];
    let fixDry: ImpRun;
    let fixed: ImpRun;
    // The other situations are read through Get-ADUser and judged below, without a CLI run each: in10 is the
    // CLI's JSON and event log, unknown its near match (a template of its own), user3 its human output.
    const names = ['in10', 'unknown'];

    before(async () => {
      lab = shellLab({ users: 8 });
      seedSituations(lab);
      const results = await inBatches([
        ...names.map((name) => () => runCase(lab, CASES[name]!)),
        () => lab.imp(['expiry', '--account', 'user3@contoso.com'], pinned),
        // Berlin time, pinned to the last evening of winter time: counting must not care.
        () => runImp([...lab.moduleArgs, '--json', 'expiry', '--account', 'user8@contoso.com'], { env: { TZ: 'Europe/Berlin', IMP_NOW: '2026-03-28T22:30:00Z' } }),
        () => runImp(['expiry', '--account', SERVICE, '--warn-days', '5', '--critical-days', '7']),
        () => runImp(['expiry', '--account', SERVICE, '--warn-days', 'two']),
        () => runImp(['expiry', '--account', SERVICE, '--critical-days', '-1']),
        () => runImp(['expiry', '--account', SERVICE, '--event-log', '--warn-days']),
        () => runImp(['--json', 'expiry', '--account', SERVICE, '--event-log', '--warn-days', 'abc']),
        () => runImp(['--json', '--exchange', 'module', '--exchange-module', '/nonexistent/Exchange.psm1', 'expiry', '--account', SERVICE, '--event-log']),
      ]);
      names.forEach((name, i) => runs.set(name, results[i]!));
      [human, dst, ...badThresholds] = results.slice(names.length, names.length + 5);
      failures = results.slice(names.length + 5);
      // After the others: --fix changes user2 (expires in 2 days).
      fixDry = await runImp([...lab.moduleArgs, 'expiry', '--account', 'user2@contoso.com', '--fix', 'never-expires', '--dry-run'], pinned);
      fixed = await runImp([...lab.moduleArgs, 'expiry', '--account', 'user2@contoso.com', '--fix', 'never-expires'], pinned);
    });
    after(() => lab.remove());

    itChecksEachCase(names, runs, 'Get-ADUser');

    it('read AD with Get-ADUser from the account\'s own domain (asking for msDS-UserPasswordExpiryTimeComputed), never over LDAP', () => {
      const calls = lab.calls();
      // (--fix never-expires re-reads PasswordNeverExpires alone after its change.)
      const reads = calls.filter((c) => c.cmdlet === 'Get-ADUser' && c.parameters.Identity && String(c.parameters.Properties) !== 'PasswordNeverExpires');
      assert.ok(reads.length >= names.length - 1);
      assert.ok(reads.every((c) => (c.parameters.Properties as string[]).includes('msDS-UserPasswordExpiryTimeComputed') && c.parameters.Server === 'contoso.com'));
      // An address without a mailbox is looked up in the Global Catalog first.
      const lookups = calls.filter((c) => c.cmdlet === 'Get-ADUser' && c.parameters.Filter);
      assert.ok(lookups.length >= 1 && lookups.every((c) => /:3268$/.test(c.parameters.Server as string)));
      assert.ok(!calls.some((c) => c.cmdlet.startsWith('DirectorySearcher')));
    });

    it('prints one Nagios line on stdout and the fix on stderr', () => {
      assert.equal(human.code, 2);
      assert.equal(human.stdout, `CRITICAL - user3@contoso.com password expired 3 days ago (${utcDay(-3)})\n`);
      assert.match(human.stderr, /fix: Set a new password in AD \(Set-ADAccountPassword -Identity user3 -Reset\).*imp credentials set --account user3@contoso.com/);
    });

    it('--event-log: the event for the result (1001 WARNING), written by a PowerShell of its own, never through the Exchange session', () => {
      const document = JSON.parse(runs.get('in10')!.stdout);
      assert.deepEqual(document.event.record, {
        logName: 'Application', source: 'imp', eventId: 1001, entryType: 'Warning',
        message: `${document.message}\r\nFix: ${document.fix[0]}`,
      });
      // Off Windows the writer says why nothing was written; the sim's Write-EventLog is never used.
      assert.deepEqual([document.event.written, document.event.reason], [false, 'this is not Windows: there is no event log to write to']);
      assert.equal(lab.state().eventLog, undefined);
      assert.ok(!lab.calls().some((c) => /EventLog/.test(c.cmdlet)));
    });

    it('--event-log: failures leave event 1003 too (an option commander refuses, a bad threshold, Exchange unreachable)', () => {
      const [missing, word, unreachable] = failures;
      assert.equal(missing!.code, 3);
      assert.match(missing!.stderr, /warning: the failure was not written to the event log either: this is not Windows/);
      for (const run of [word!, unreachable!]) {
        assert.equal(run.code, 3, run.stderr);
        const { event } = JSON.parse(run.stdout);
        assert.deepEqual([event.record.eventId, event.record.entryType], [1003, 'Warning']);
      }
      assert.match(JSON.parse(word!.stdout).event.record.message, /^UNKNOWN - svc-booking@contoso.com cannot check the password expiry: --warn-days "abc" is not a whole number.*\r\nFix: Pass e.g. --warn-days 14\.$/s);
      assert.match(JSON.parse(unreachable!.stdout).event.record.message, /^UNKNOWN - svc-booking@contoso.com cannot check the password expiry: Exchange module \/nonexistent\/Exchange.psm1 does not exist/);
    });

    it('--fix never-expires shows the change first, changes nothing with --dry-run, then sets PasswordNeverExpires', () => {
      assert.equal(fixDry.code, 2, fixDry.stderr);
      assert.match(fixDry.stdout, /^Change: PasswordNeverExpires False -> True on CN=[^\n]*DC=contoso,DC=com \(it expires \d{4}-\d{2}-\d{2}\):\n {2}Set-ADUser -Identity 'CN=.*' -Server contoso\.com -PasswordNeverExpires \$true\n--dry-run: nothing was changed\.\nCRITICAL - user2@contoso\.com password expires in 2 days/);
      assert.equal(fixed.code, 0, fixed.stderr);
      assert.match(fixed.stdout, /Changed: the password no longer expires\.\nOK - user2@contoso\.com password never expires\n$/);
      const sets = lab.calls().filter((c) => c.cmdlet === 'Set-ADUser');
      assert.equal(sets.length, 1, 'the dry run changed nothing');
      assert.deepEqual([sets[0]!.parameters.Server, sets[0]!.parameters.PasswordNeverExpires], ['contoso.com', true]);
      assert.equal(lab.state().users.find((u) => u.samAccountName === 'user2')!.passwordNeverExpires, true);
    });

    it('counts days left in UTC across the switch to summer time (TZ=Europe/Berlin)', () => {
      assert.equal(dst.code, 1, dst.stderr);
      const document = JSON.parse(dst.stdout);
      assert.equal(document.daysLeft, 10);
      assert.equal(document.status, 'WARNING');
      assert.equal(document.expiresAt, '2026-04-07T22:30:00.000Z');
      assert.equal(document.passwordLastSet, '2026-02-24T22:30:00.000Z');
      assert.equal(document.message, 'WARNING - user8@contoso.com password expires in 10 days (2026-04-07)');
    });

    it('refuses bad thresholds with exit 3 before asking anything', () => {
      const [inverted, word, negative] = badThresholds;
      assert.equal(badThresholds.length, 3);
      assert.equal(inverted!.code, 3);
      assert.match(inverted!.stderr, /--critical-days \(7\) is larger than --warn-days \(5\)/);
      assert.equal(word!.code, 3);
      assert.match(word!.stderr, /--warn-days "two" is not a whole number of days/);
      assert.equal(negative!.code, 3);
      assert.match(negative!.stderr, /--critical-days "-1" is not a whole number of days/);
    });
  });

  // The path differs from the one above only in how templates/expiry.ps1 reads AD: what imp judges and prints
  // from the facts is the same code. So every situation is read through one PowerShell per path, and the facts
  // compared; one CLI run (--event-log) proves the path end to end.
  describe('without the ActiveDirectory module ([adsisearcher] LDAP query)', () => {
    let lab: Lab;
    let withModule: Lab;
    const runs = new Map<string, ImpRun>();
    const read = new Map<string, { adsisearcher: DirectoryLookup; getADUser: DirectoryLookup }>();
    const names = ['in20', 'in10', 'in2', 'expired', 'never', 'mustChange', 'disabled', 'locked', 'unknown', 'noMailbox'];

    before(async () => {
      lab = shellLab({ users: 8 });
      // Like an Exchange server without RSAT, under PowerShell 7: no Get-ADUser, no event log cmdlets.
      seedSituations(lab, { activeDirectoryModule: false, eventLogCmdlets: false });
      withModule = shellLab({ users: 8 });
      seedSituations(withModule);
      const readAll = async (from: Lab) => {
        const session = new PowerShellSession({ executable: PWSH, setup: [exchangeSetup({ exchange: 'module', exchangeModule: from.settings.exchangeModule })] });
        try {
          const lookups: DirectoryLookup[] = [];
          for (const name of names) lookups.push(await readAccountFromDirectory(session, CASES[name]!.account));
          return lookups;
        } finally {
          await session.dispose();
        }
      };
      const [ldap, module, in10] = await Promise.all([readAll(lab), readAll(withModule), runCase(lab, CASES.in10!)]);
      names.forEach((name, i) => read.set(name, { adsisearcher: ldap[i]!, getADUser: module[i]! }));
      runs.set('in10', in10);
    });
    after(() => {
      lab.remove();
      withModule.remove();
    });

    it('reads every situation (in20, in10, in2, expired, never, mustChange, disabled, locked, unknown, noMailbox) as Get-ADUser reads it, and imp judges each as its CLI does (one PowerShell per path)', () => {
      for (const name of names) {
        const { adsisearcher, getADUser } = read.get(name)!;
        assert.equal(adsisearcher.source, 'adsisearcher', name);
        assert.equal(getADUser.source, 'Get-ADUser', name);
        assert.equal(adsisearcher.found, name !== 'unknown', name);
        const { source: ldapSource, ...fromLdap } = adsisearcher.account;
        const { source: moduleSource, ...fromModule } = getADUser.account;
        assert.deepEqual(fromLdap, fromModule, `${name}: [adsisearcher] (${ldapSource}) and Get-ADUser (${moduleSource}) read different accounts`);
        if (!adsisearcher.found || !getADUser.found) continue;
        assert.deepEqual({ ...adsisearcher.facts, source: 'Get-ADUser' }, getADUser.facts, name);
        // What imp makes of them: the status its CLI gives this situation on the Get-ADUser path above.
        // The report the CLI builds from these facts (commands/expiry.ts), checked as the CLI runs above check theirs.
        const report = judgedReport(CASES[name]!.account, adsisearcher.facts, thresholdsOf({}), seeded);
        assert.equal(report.status, CASES[name]!.status, name);
        CASES[name]!.expect?.(report as unknown as Record<string, unknown>);
      }
      // The address without a mailbox was found in the Global Catalog by its userPrincipalName.
      assert.deepEqual([read.get('noMailbox')!.adsisearcher.account.lookup, read.get('noMailbox')!.adsisearcher.account.enabled], ['directory', true]);
    });

    itChecksEachCase(['in10'], runs, 'adsisearcher');

    it('queried LDAP with the constructed attribute in PropertiesToLoad, and never called Get-ADUser', () => {
      const calls = lab.calls();
      assert.ok(!calls.some((c) => c.cmdlet === 'Get-ADUser'));
      const searches = calls.filter((c) => c.cmdlet === 'DirectorySearcher.FindOne');
      // Each account is read from its own domain, base scope on its DN, with the constructed attribute.
      const reads = searches.filter((c) => (c.parameters.PropertiesToLoad as string[]).includes('msDS-UserPasswordExpiryTimeComputed'));
      assert.equal(reads.length, names.length - 1 + 1, 'each account but unknown@ (never read) once, and user1 once more by the CLI run');
      for (const read of reads) {
        assert.equal(read.parameters.SearchScope, 'Base');
        assert.match(read.parameters.SearchRoot as string, /^LDAP:\/\/contoso\.com\/CN=/);
      }
      assert.ok(reads.some((c) => c.parameters.SearchRoot === 'LDAP://contoso.com/CN=Booking Service,OU=Users,OU=Contoso,DC=contoso,DC=com'));
      // An address with no mailbox is found in the Global Catalog by mail, UPN or proxy address first.
      assert.ok(searches.some((c) => c.parameters.SearchRoot === 'GC://DC=contoso,DC=com' && (c.parameters.Filter as string).includes('(userPrincipalName=svc-nomailbox@contoso.com)')));
    });

    it('--event-log that cannot write says so and keeps the exit status', () => {
      const run = runs.get('in10')!;
      assert.equal(run.code, 1);
      assert.match(run.stderr, /warning: the result was not written to the event log: this is not Windows/);
    });
  });
});

describe('imp expiry: an account in another domain of the forest', function () {
  this.timeout(300_000);
  const EMEA = 'DC=emea,DC=contoso,DC=com';
  let lab: Lab;
  const runs: Record<string, ImpRun> = {};
  let pitfall: { withoutServer: string; gcExpiry: unknown; ldapDefault: boolean };

  const seedForest = (machine: SimState['machine']) =>
    changeUsers(lab, (user, state) => {
      // user1 (a mailbox) and svc-nomailbox (no mailbox) live in the child domain emea.contoso.com.
      for (const sam of ['user1', 'svc-nomailbox']) {
        const moved = user(sam);
        if (!moved.distinguishedName.endsWith(EMEA)) moved.distinguishedName = moved.distinguishedName.replace(/DC=contoso,DC=com$/, EMEA);
      }
      applyPasswordExpiry(user('user1'), 10 * DAY, seeded);
      applyPasswordExpiry(user('svc-nomailbox'), 2 * DAY, seeded);
      // The run-as user of --check-run-as (USERDOMAIN\USERNAME below): its password expires in 5 days.
      applyPasswordExpiry(user('user2'), 5 * DAY, seeded);
      state.machine = machine;
    });
  const runAll = async (name: string) => {
    const env = { ...pinned.env, USERDOMAIN: 'CONTOSO', USERNAME: 'user2' };
    const [mailbox, noMailbox] = await Promise.all([
      runImp([...lab.moduleArgs, '--json', 'expiry', '--account', 'user1@contoso.com', '--check-run-as'], { env }),
      runImp([...lab.moduleArgs, '--json', 'expiry', '--account', 'svc-nomailbox@contoso.com'], pinned),
    ]);
    runs[`${name}-mailbox`] = mailbox;
    runs[`${name}-nomailbox`] = noMailbox;
  };

  before(async () => {
    lab = shellLab({ users: 2 });
    seedForest({});
    const sim = await runSimShell<typeof pitfall>(
      lab.settings.exchangeModule,
      `
      $dn = (Get-ADUser -Filter "SamAccountName -eq 'user1'" -Server 'DC01.contoso.com:3268').DistinguishedName
      [ordered]@{
          withoutServer = (Get-SimError { Get-ADUser -Identity $dn -ErrorAction Stop }).message
          gcExpiry      = (Get-ADUser -Identity $dn -Server 'DC01.contoso.com:3268' -Properties 'msDS-UserPasswordExpiryTimeComputed').'msDS-UserPasswordExpiryTimeComputed'
          ldapDefault   = $null -eq ([adsisearcher]'(sAMAccountName=user1)').FindOne()
      }
      `,
    );
    pitfall = sim.output;
    await runAll('module');
    seedForest({ adwsReachable: false });
    await runAll('adws-blocked');
    seedForest({ activeDirectoryModule: false });
    await runAll('ldap');
  });
  after(() => lab.remove());

  it('the simulator keeps the pitfall: no -Server and no search root see only the computer\'s domain; the GC lacks the expiry', () => {
    assert.match(pitfall.withoutServer, /^Cannot find an object with identity: 'CN=[^']+,DC=emea,DC=contoso,DC=com' under: 'DC=contoso,DC=com'\.$/);
    assert.equal(pitfall.gcExpiry, null);
    assert.equal(pitfall.ldapDefault, true);
  });

  for (const [name, source] of [['module', 'Get-ADUser'], ['adws-blocked', 'adsisearcher'], ['ldap', 'adsisearcher']] as const) {
    it(`${name}: finds both accounts in emea.contoso.com and reads their expiry there (${source})`, () => {
      const mailbox = runs[`${name}-mailbox`]!;
      const noMailbox = runs[`${name}-nomailbox`]!;
      assert.equal(noMailbox.code, 2, noMailbox.stderr);
      assert.deepEqual([JSON.parse(noMailbox.stdout).daysLeft, JSON.parse(noMailbox.stdout).source], [2, source]);
      assert.equal(mailbox.code, 1, mailbox.stderr);
      const document = JSON.parse(mailbox.stdout);
      assert.deepEqual([document.daysLeft, document.source], [10, source]);
      // --check-run-as: the run-as user's own password (5 days) is a WARNING of its own.
      assert.match(document.message, /the password of CONTOSO\\user2, the user this check runs as, expires in 5 days .*the task cannot log on \(0x8007052E\)/);
      assert.equal(document.runAs.user, 'CONTOSO\\user2');
      if (name === 'adws-blocked') {
        assert.match(document.adwsUnreachable, /Active Directory Web Services/);
        assert.match(mailbox.stderr, /warning: Get-ADUser could not reach AD Web Services \(TCP 9389/);
      }
    });
  }

  it('Get-ADUser reads the child-domain account with -Server emea.contoso.com; LDAP binds to LDAP://emea.contoso.com/<DN>', () => {
    const calls = lab.calls();
    assert.ok(calls.some((c) => c.cmdlet === 'Get-ADUser' && c.parameters.Server === 'emea.contoso.com' && String(c.parameters.Identity).endsWith(EMEA)));
    assert.ok(calls.some((c) => c.cmdlet === 'DirectorySearcher.FindOne' && /^LDAP:\/\/emea\.contoso\.com\/CN=[^,]+,.*DC=emea,DC=contoso,DC=com$/.test(c.parameters.SearchRoot as string)));
  });
});

describe('imp expiry --check-login and --no-powershell (EWS)', function () {
  this.timeout(300_000);
  let sim: SimProcess;
  let lab: Lab;
  let ews: string[];

  before(async () => {
    requireTestKeyring();
    sim = await SimProcess.start(['--rooms', '1', '--users', '1', '--password-expiry', '20d']);
    lab = sim.lab;
    ews = ['--ews-url', lab.settings.ewsUrl!, '--ca', lab.settings.caFile!];
  });
  after(async () => {
    await sim?.stop();
    await clearKeychain();
  });

  const service = (change: (user: SimUser) => void) => changeUsers(lab, (user) => change(user('svc-booking')));

  it('logs in with the stored password; a password changed in AD since it was stored → CRITICAL (2) saying they differ', async () => {
    await storeCredential(SERVICE, lab.settings.password, new Date(Date.now() - 10 * DAY));
    const [viaEws, login] = await Promise.all([
      runImp(['--json', 'expiry', '--account', SERVICE, '--no-powershell', ...ews]),
      // No --ews-url: --check-login takes the EWS virtual directory's InternalUrl, as verify does (issue 11.7).
      runImp([...lab.moduleArgs, '--json', 'expiry', '--account', SERVICE, '--check-login', '--ca', lab.settings.caFile!]),
    ]);
    assert.equal(viaEws.code, 0, viaEws.stderr);
    const fromEws = JSON.parse(viaEws.stdout);
    assert.equal(fromEws.source, 'ews');
    assert.equal(fromEws.daysLeft, 20);
    assert.equal(login.code, 0, login.stderr);
    const loggedIn = JSON.parse(login.stdout);
    assert.equal(loggedIn.login.ok, true);
    assert.equal(loggedIn.login.passwordSource, 'keychain');
    assert.equal(loggedIn.login.url, lab.settings.ewsUrl, 'the URL from Get-WebServicesVirtualDirectory');
    assert.match(loggedIn.message, /password expires in 20 days.*; EWS login with the stored password works$/);

    // Someone reset the password in AD yesterday; imp's copy is ten days old.
    service((user) => {
      user.passwordHash = hashPassword('Changed-in-AD-1');
      user.passwordLastSet = new Date(Date.now() - DAY).toISOString();
    });
    const mismatch = await lab.imp(['expiry', '--account', SERVICE, '--check-login', ...ews]);
    assert.equal(mismatch.code, 2, mismatch.stderr);
    assert.match(mismatch.stdout, /^CRITICAL - svc-booking@contoso.com password expires in 41 days .*EWS refused the stored password: the password in AD and the stored one differ/);
    assert.match(mismatch.stderr, /fix: Store the current password for imp: imp credentials set --account svc-booking@contoso.com/);
  });

  it('--check-login without --ews-url, by an admin whose roles lack Get-WebServicesVirtualDirectory: the expiry verdict stands, the login is UNKNOWN (3) saying what to pass', async () => {
    const original = lab.state();
    const state = lab.state();
    setAdminRoles(state, ['View-Only Recipients']); // a monitoring account's usual roles
    writeState(lab.settings.stateDir, state);
    try {
      const run = await lab.imp(['--json', 'expiry', '--account', SERVICE, '--check-login', '--ca', lab.settings.caFile!]);
      assert.equal(run.code, 3, run.stderr);
      const document = JSON.parse(run.stdout);
      assert.equal(typeof document.daysLeft, 'number', 'AD was read');
      assert.match(document.message, /cannot check the EWS login: No EWS URL: none was given, and it could not be looked up: This Management Shell session has no Get-WebServicesVirtualDirectory \(role: Exchange Virtual Directories/);
      assert.ok(document.fix.some((f: string) => /^Pass --ews-url https:\/\/<exchange server>\/EWS\/Exchange.asmx/.test(f)), document.fix);
      assert.equal(document.login, undefined, 'no login was tried');
    } finally {
      writeState(lab.settings.stateDir, original);
    }
  });

  it('--no-powershell: EWS refuses an expired password (401) → CRITICAL (2), "password may have expired"', async () => {
    service((user) => {
      user.passwordHash = hashPassword(lab.settings.password);
      user.passwordLastSet = new Date(Date.now() - 45 * DAY).toISOString();
    });
    await storeCredential(SERVICE, lab.settings.password);
    const run = await runImp(['--json', 'expiry', '--account', SERVICE, '--no-powershell', ...ews]);
    assert.equal(run.code, 2, run.stderr);
    const document = JSON.parse(run.stdout);
    assert.equal(document.status, 'CRITICAL');
    assert.equal(document.source, 'ews');
    assert.match(document.message, /EWS refused the login \(HTTP 401\): the password may have expired or must be changed at next logon/);
  });
});
