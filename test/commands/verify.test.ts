// imp verify end to end: built CLI, real pwsh with the simulated Management Shell, and the real
// ews-javascript-api over real HTTPS to the simulated EWS endpoint.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeState } from '../../src/sim/state';
import { grantedState } from '../ews/fixture';
import { FAULTS_FILE, REQUEST_LOG_FILE, type EwsRequestLogEntry } from '../../src/sim/ews';
import { SimProcess, type ImpRun, type RunOptions } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';

interface VerifyReport {
  status: string;
  checks: { id: string; status: string; message: string; fix?: string; code?: string; mailboxes?: { address: string; status: string; code?: string }[] }[];
  propagation?: { attempts: number; waitedMs: number };
}

function report(run: ImpRun): VerifyReport {
  try {
    return JSON.parse(run.stdout) as VerifyReport;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

function check(r: VerifyReport, id: string) {
  const found = r.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${JSON.stringify(r.checks)}`);
  return found;
}

function requests(sim: SimProcess): EwsRequestLogEntry[] {
  const file = join(sim.lab.settings.stateDir, REQUEST_LOG_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EwsRequestLogEntry) : [];
}

describe('imp verify', function () {
  this.timeout(180_000);

  // The one real propagation wait of the suite, and Ctrl-C during one. EWS only (--no-powershell): the
  // Management Shell step would take a variable part of the delay under load; every decision about the
  // window is proven by test/verify/judge.test.ts and test/verify/propagation.test.ts.
  describe('propagation (a simulated Exchange with an 8-second delay)', () => {
    let sim: SimProcess;
    before(async () => (sim = await SimProcess.start(['--propagation', '8s', '--rooms', '2', '--users', '1'])));
    after(async () => sim.stop());

    const ewsOnly = (args: string[], options: Omit<RunOptions, 'input'> = {}) => {
      const s = sim.lab.settings;
      return sim.lab.imp(['verify', '--json', '--no-powershell', '--account', ACCOUNT, '--ews-url', s.ewsUrl!, '--ca', s.caFile!, '--password-stdin', '--poll-interval', '1s', ...args], { input: `${s.password}\n`, ...options });
    };

    it('Ctrl-C while waiting stops cleanly with the state so far (exit 3, UNKNOWN)', async () => {
      // No assignment exists yet: every probe is denied, as during propagation.
      const run = await ewsOnly(['--mailbox', 'room1@contoso.com', '--wait', '30m'], {
        onSpawn: (child) => {
          let seen = '';
          let sent = false;
          child.stderr!.on('data', (d) => {
            seen += d;
            if (!sent && /attempt 2 denied/.test(seen)) {
              sent = true;
              child.kill('SIGINT');
            }
          });
        },
      });
      assert.equal(run.code, 3, run.stderr);
      const r = report(run);
      assert.equal(r.status, 'UNKNOWN');
      assert.equal(check(r, 'ews.login').status, 'pass');
      assert.match(check(r, 'ews.impersonation').message, /Interrupted while waiting for propagation/);
      assert.ok(r.propagation!.attempts >= 2);
    });

    it('waits out the delay of an assignment made while it waits, and passes', async () => {
      // The assignment imp grant makes (test/commands/grant.test.ts proves that), given to Exchange, created
      // "now", once verify has been denied once: the delay then lies ahead of verify whatever the load on the machine.
      const granted = grantedState(sim.lab.state());
      const withoutIt = sim.lab.state();
      withoutIt.assignments = withoutIt.assignments.filter((a) => a.roleAssignmentDelegationType !== 'Regular');
      writeState(sim.lab.settings.stateDir, withoutIt);
      let restored = false;
      const run = await ewsOnly(['--mailbox', 'room1@contoso.com', '--mailbox', 'room2@contoso.com', '--mailbox', 'user1@contoso.com', '--wait', '60s'], {
        onSpawn: (child) => {
          let seen = '';
          child.stderr!.on('data', (d) => {
            seen += d;
            if (!restored && /attempt 1 denied/.test(seen)) {
              restored = true;
              for (const assignment of granted.assignments) assignment.whenCreatedUTC = new Date().toISOString();
              writeState(sim.lab.settings.stateDir, granted);
            }
          });
        },
      });
      const r = report(run);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.equal(r.status, 'OK');
      assert.ok(r.propagation && r.propagation.attempts >= 2, `attempts counted: ${r.propagation?.attempts}`);
      assert.ok(r.propagation.waitedMs >= 7000, `waited ${r.propagation.waitedMs} ms`);
      const impersonation = check(r, 'ews.impersonation');
      assert.match(impersonation.message, /after waiting \d+s for propagation/);
      assert.deepEqual(impersonation.mailboxes!.map((m) => m.status), ['pass', 'pass', 'pass']);
    });
  });

  describe('faults', () => {
    let sim: SimProcess;
    before(async () => {
      sim = await SimProcess.start(['--rooms', '3', '--users', '2']);
      writeState(sim.lab.settings.stateDir, grantedState(sim.lab.state()));
    });
    after(async () => sim.stop());
    afterEach(() => writeFileSync(join(sim.lab.settings.stateDir, FAULTS_FILE), '{}'));

    const verify = (args: string[], password = sim.lab.settings.password) =>
      sim.lab.imp(['verify', '--json', '--account', ACCOUNT, '--ca', sim.lab.settings.caFile!, '--password-stdin', ...args], { input: `${password}\n` });

    it('passes for every room and booker with the right setup, waiting out an ErrorServerBusy for its BackOffMilliseconds', async () => {
      writeFileSync(join(sim.lab.settings.stateDir, FAULTS_FILE), JSON.stringify({ serverBusy: { count: 1, backOffMilliseconds: 1500 } }));
      const started = Date.now();
      const run = await verify(['--rooms', '--group', 'Room Bookers', '--wait', '0']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const r = report(run);
      assert.deepEqual(r.checks.map((c) => [c.id, c.status]), [
        ['account.mailbox', 'pass'], ['targets.found', 'pass'], ['rbac.assignment', 'pass'], ['rbac.scope', 'pass'], ['ews.vdir', 'pass'], ['ews.login', 'pass'], ['ews.impersonation', 'pass'],
      ]);
      assert.ok(Date.now() - started >= 1500);
      assert.ok(requests(sim).some((e) => e.responseCode === 'ErrorServerBusy'));
    });

    it('wrong password: ews.login fails, no propagation wait, at most two requests', async () => {
      const before = requests(sim).length;
      const started = Date.now();
      const run = await verify(['--rooms', '--wait', '60s', '--poll-interval', '1s'], 'not-the-password');
      assert.equal(run.code, 2);
      const r = report(run);
      assert.equal(check(r, 'ews.login').status, 'fail');
      assert.match(check(r, 'ews.login').message, /HTTP 401/);
      assert.match(check(r, 'ews.login').fix!, /imp credentials set --account svc-booking@contoso.com/);
      assert.equal(check(r, 'ews.impersonation').status, 'skip');
      assert.equal(r.propagation, undefined);
      assert.ok(requests(sim).length - before <= 2, `requests: ${requests(sim).length - before}`);
      assert.ok(Date.now() - started < 30_000);
      assert.ok(!run.stdout.includes('not-the-password') && !run.stderr.includes('not-the-password'));
    });

    it('alias, and an untrusted certificate: account.mailbox fails naming the primary; ews.login gives a clear TLS error, and its fix is --ca', async () => {
      // No --ca: the simulator's certificate is not trusted.
      const run = await sim.lab.imp(['verify', '--json', '--account', 'booking@contoso.com', '--rooms', '--wait', '0', '--password-stdin'], { input: `${sim.lab.settings.password}\n` });
      assert.equal(run.code, 2);
      const mailbox = check(report(run), 'account.mailbox');
      assert.equal(mailbox.status, 'fail');
      assert.match(mailbox.message, /booking@contoso.com is an alias.*svc-booking@contoso.com/);
      const login = check(report(run), 'ews.login');
      assert.equal(login.code, 'tls');
      assert.match(login.message, /certificate/i);
      assert.match(login.fix!, /--ca/);
      assert.doesNotMatch(login.fix!, /--insecure/);
    });

    it('alias without PowerShell: EWS ResolveNames names the primary', async () => {
      const run = await sim.lab.imp(
        ['verify', '--json', '--no-powershell', '--account', 'booking@contoso.com', '--username', ACCOUNT, '--ews-url', sim.lab.settings.ewsUrl!, '--mailbox', 'room1@contoso.com', '--wait', '0', '--ca', sim.lab.settings.caFile!, '--password-stdin'],
        { input: `${sim.lab.settings.password}\n` },
      );
      const r = report(run);
      assert.equal(run.code, 2, run.stderr);
      assert.match(check(r, 'account.mailbox').message, /primary SMTP address .* is svc-booking@contoso.com/);
      for (const id of ['targets.found', 'rbac.assignment', 'rbac.scope', 'ews.vdir']) assert.equal(check(r, id).status, 'skip');
    });

    it('an unknown --group and --mailbox: targets.found names them with near matches, every other check still runs, exit 3', async () => {
      const before = requests(sim).length;
      const run = await verify(['--group', 'Room Booker', '--mailbox', 'ghost@contoso.com', '--mailbox', 'room1@contoso.com', '--wait', '60s', '--poll-interval', '1s']);
      assert.equal(run.code, 3, run.stderr);
      const r = report(run);
      assert.equal(r.status, 'UNKNOWN');
      const targets = check(r, 'targets.found');
      assert.equal(targets.status, 'fail');
      assert.match(targets.message, /--mailbox "ghost@contoso.com": Exchange has no mailbox by that name\. --group "Room Booker": Exchange has no group by that name\. The other 1 mailbox was checked\./);
      assert.match(targets.fix!, /Did you mean --group 'Room Bookers'\?/, 'the group Exchange has, by ambiguous name resolution');
      assert.deepEqual(r.checks.filter((c) => c.id !== 'targets.found').map((c) => [c.id, c.status]), [
        ['account.mailbox', 'pass'], ['rbac.assignment', 'pass'], ['rbac.scope', 'pass'], ['ews.vdir', 'pass'], ['ews.login', 'pass'], ['ews.impersonation', 'pass'],
      ]);
      assert.deepEqual(check(r, 'ews.impersonation').mailboxes!.map((m) => m.address), ['room1@contoso.com']);
      const probedGhosts = requests(sim).slice(before).filter((e) => /ghost@contoso.com|Room Booker/.test(JSON.stringify(e)));
      assert.equal(probedGhosts.length, 0, 'what Exchange cannot find is not probed');
    });

    it('an --account Exchange does not know: the flag, the value and near matches, exit 3; no password is asked for', async () => {
      // No --password-stdin and nothing stored: before, this ended at "No credential is stored for svc-book@…".
      const run = await sim.lab.imp(['verify', '--json', '--account', 'svc-book@contoso.com', '--rooms', '--wait', '0', '--ca', sim.lab.settings.caFile!]);
      assert.equal(run.code, 3, run.stderr);
      const r = report(run);
      const mailbox = check(r, 'account.mailbox');
      assert.equal(mailbox.message, '--account "svc-book@contoso.com": Exchange has no mailbox by that name.');
      assert.match(mailbox.fix!, /Did you mean --account 'svc-booking@contoso.com'/);
      assert.deepEqual([check(r, 'ews.login').status, check(r, 'ews.impersonation').status], ['skip', 'skip']);
    });

    it('a scope that excludes one room: rbac.scope and ews.impersonation name that room', async () => {
      // The scope imp grant --scope-rooms makes (test/commands/grant.test.ts proves that), narrowed by hand.
      const original = sim.lab.state();
      const state = sim.lab.state();
      state.scopes.push({ guid: randomUUID(), name: 'Booking rooms', recipientFilter: "(RecipientTypeDetails -eq 'RoomMailbox') -and (Name -ne 'Room 2')", recipientRoot: null, exclusive: false, whenCreatedUTC: '2026-01-01T00:00:00Z' });
      for (const assignment of state.assignments.filter((a) => a.roleAssignmentDelegationType === 'Regular')) {
        Object.assign(assignment, { customRecipientWriteScope: 'Booking rooms', recipientWriteScope: 'CustomRecipientScope' });
      }
      writeState(sim.lab.settings.stateDir, state);
      try {
        const run = await verify(['--rooms', '--wait', '0']);
        assert.equal(run.code, 2, run.stderr);
        const r = report(run);
        assert.deepEqual(check(r, 'rbac.scope').mailboxes!.map((m) => m.address), ['room2@contoso.com']);
        const failed = check(r, 'ews.impersonation').mailboxes!.filter((m) => m.status === 'fail');
        assert.deepEqual(failed.map((m) => [m.address, m.code]), [['room2@contoso.com', 'ErrorImpersonateUserDenied']]);
        assert.match(check(r, 'ews.impersonation').message, /outside the assignment's management scope/);
      } finally {
        writeState(sim.lab.settings.stateDir, original);
      }
    });

    it('recognises response codes padded with whitespace, as real Exchange sends them', async () => {
      writeFileSync(join(sim.lab.settings.stateDir, FAULTS_FILE), JSON.stringify({ padResponseCodes: true }));
      const run = await verify(['--no-powershell', '--ews-url', sim.lab.settings.ewsUrl!, '--mailbox', 'ghost@contoso.com', '--wait', '0']);
      assert.equal(check(report(run), 'ews.impersonation').mailboxes![0].code, 'ErrorNonExistentMailbox');
    });

    it('Basic authentication off on the EWS virtual directory: ews.vdir fails with the Set-WebServicesVirtualDirectory fix', async () => {
      const state = sim.lab.state();
      for (const vdir of state.webServicesVirtualDirectories) vdir.basicAuthentication = false;
      writeState(sim.lab.settings.stateDir, state);
      try {
        const run = await verify(['--rooms', '--wait', '0']);
        assert.equal(run.code, 2);
        const r = report(run);
        const vdir = check(r, 'ews.vdir');
        assert.equal(vdir.status, 'fail');
        assert.equal(vdir.fix, "Set-WebServicesVirtualDirectory -Identity 'EX01\\EWS (Default Web Site)' -BasicAuthentication $true; then iisreset on EX01");
        assert.equal(check(r, 'ews.login').code, 'basic-disabled');
      } finally {
        for (const vdir of state.webServicesVirtualDirectories) vdir.basicAuthentication = true;
        writeState(sim.lab.settings.stateDir, state);
      }
    });

    it('refuses Exchange Online with an explanation', async () => {
      const run = await verify(['--no-powershell', '--ews-url', 'https://outlook.office365.com/EWS/Exchange.asmx', '--mailbox', 'room1@contoso.com']);
      assert.equal(run.code, 3);
      assert.match(run.stderr, /Exchange Online/);
    });
  });
});
