// imp verify end to end: built CLI, real pwsh with the simulated Management Shell, and the real
// ews-javascript-api over real HTTPS to the simulated EWS endpoint.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeState } from '../../src/sim/state';
import { FAULTS_FILE, REQUEST_LOG_FILE, type EwsRequestLogEntry } from '../../src/sim/ews';
import { SimProcess, type ImpRun } from '../helpers/imp';

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

  describe('propagation', () => {
    let sim: SimProcess;
    before(async () => (sim = await SimProcess.start(['--propagation', '20s', '--rooms', '3', '--users', '2'])));
    after(async () => sim.stop());

    it('grant, then verify --wait 60s --poll-interval 1s waits out the propagation delay (20s here) and passes', async () => {
      const s = sim.lab.settings;
      // A fresh assignment, so the whole propagation delay lies ahead of this verify.
      assert.equal((await sim.lab.imp(['revoke', '--account', ACCOUNT])).code, 0);
      assert.equal((await sim.lab.imp(['grant', '--account', ACCOUNT])).code, 0);
      const waited = await sim.lab.imp(
        ['verify', '--json', '--account', ACCOUNT, '--rooms', '--group', 'Room Bookers', '--wait', '60s', '--poll-interval', '1s', '--ca', s.caFile!, '--password-stdin'],
        { input: `${s.password}\n` },
      );
      const r = report(waited);
      assert.equal(waited.code, 0, waited.stderr + waited.stdout);
      assert.equal(r.status, 'OK');
      assert.ok(r.propagation, 'propagation is reported');
      assert.ok(r.propagation.attempts >= 2, `attempts counted: ${r.propagation.attempts}`);
      const impersonation = check(r, 'ews.impersonation');
      assert.equal(impersonation.mailboxes!.length, 5);
      assert.ok(impersonation.mailboxes!.every((m) => m.status === 'pass'));
      assert.match(waited.stderr, /waiting for the role to reach EWS: attempt 1 denied/);
    });

    it('--wait 0 right after a fresh grant is exit 2 with ErrorImpersonateUserDenied', async () => {
      const s = sim.lab.settings;
      assert.equal((await sim.lab.imp(['revoke', '--account', ACCOUNT])).code, 0);
      assert.equal((await sim.lab.imp(['grant', '--account', ACCOUNT])).code, 0);
      const run = await sim.lab.imp(['verify', '--json', '--account', ACCOUNT, '--rooms', '--wait', '0', '--ca', s.caFile!, '--password-stdin'], { input: `${s.password}\n` });
      const r = report(run);
      assert.equal(run.code, 2);
      const impersonation = check(r, 'ews.impersonation');
      assert.equal(impersonation.status, 'fail');
      assert.equal(impersonation.code, 'ErrorImpersonateUserDenied');
      assert.match(impersonation.message, /may not have reached EWS yet/);
    });
  });

  describe('Ctrl-C while waiting for propagation', () => {
    let sim: SimProcess;
    before(async () => (sim = await SimProcess.start(['--propagation', '10m', '--rooms', '2', '--users', '1'])));
    after(async () => sim.stop());

    it('stops cleanly with the state so far (exit 3)', async () => {
      const s = sim.lab.settings;
      assert.equal((await sim.lab.imp(['grant', '--account', ACCOUNT])).code, 0);
      const run = await sim.lab.imp(['verify', '--json', '--account', ACCOUNT, '--rooms', '--wait', '30m', '--poll-interval', '1s', '--ca', s.caFile!, '--password-stdin'], {
        input: `${s.password}\n`,
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
  });

  describe('faults', () => {
    let sim: SimProcess;
    before(async () => {
      sim = await SimProcess.start(['--rooms', '3', '--users', '2']);
      const grant = await sim.lab.imp(['grant', '--account', ACCOUNT]);
      assert.equal(grant.code, 0, grant.stderr);
    });
    after(async () => sim.stop());
    afterEach(() => writeFileSync(join(sim.lab.settings.stateDir, FAULTS_FILE), '{}'));

    const verify = (args: string[], password = sim.lab.settings.password) =>
      sim.lab.imp(['verify', '--json', '--account', ACCOUNT, '--ca', sim.lab.settings.caFile!, '--password-stdin', ...args], { input: `${password}\n` });

    it('passes for every room and booker with the right setup', async () => {
      const run = await verify(['--rooms', '--group', 'Room Bookers', '--wait', '0']);
      assert.equal(run.code, 0, run.stderr);
      const r = report(run);
      assert.deepEqual(r.checks.map((c) => [c.id, c.status]), [
        ['account.mailbox', 'pass'], ['rbac.assignment', 'pass'], ['rbac.scope', 'pass'], ['ews.vdir', 'pass'], ['ews.login', 'pass'], ['ews.impersonation', 'pass'],
      ]);
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

    it('alias: account.mailbox fails naming the primary', async () => {
      const run = await sim.lab.imp(['verify', '--json', '--account', 'booking@contoso.com', '--rooms', '--wait', '0', '--ca', sim.lab.settings.caFile!, '--password-stdin'], { input: `${sim.lab.settings.password}\n` });
      assert.equal(run.code, 2);
      const mailbox = check(report(run), 'account.mailbox');
      assert.equal(mailbox.status, 'fail');
      assert.match(mailbox.message, /booking@contoso.com is an alias.*svc-booking@contoso.com/);
    });

    it('alias without PowerShell: EWS ResolveNames names the primary', async () => {
      const run = await sim.lab.imp(
        ['verify', '--json', '--no-powershell', '--account', 'booking@contoso.com', '--username', ACCOUNT, '--ews-url', sim.lab.settings.ewsUrl!, '--mailbox', 'room1@contoso.com', '--wait', '0', '--ca', sim.lab.settings.caFile!, '--password-stdin'],
        { input: `${sim.lab.settings.password}\n` },
      );
      const r = report(run);
      assert.equal(run.code, 2, run.stderr);
      assert.match(check(r, 'account.mailbox').message, /primary SMTP address .* is svc-booking@contoso.com/);
      for (const id of ['rbac.assignment', 'rbac.scope', 'ews.vdir']) assert.equal(check(r, id).status, 'skip');
    });

    it('unknown target mailbox fails at once and is not retried', async () => {
      const before = requests(sim).length;
      const run = await verify(['--mailbox', 'ghost@contoso.com', '--mailbox', 'room1@contoso.com', '--wait', '60s', '--poll-interval', '1s']);
      assert.equal(run.code, 2);
      const impersonation = check(report(run), 'ews.impersonation');
      const ghost = impersonation.mailboxes!.find((m) => m.address === 'ghost@contoso.com')!;
      assert.equal(ghost.code, 'ErrorNonExistentMailbox');
      assert.equal(impersonation.mailboxes!.find((m) => m.address === 'room1@contoso.com')!.status, 'pass');
      const ghostRequests = requests(sim).slice(before).filter((e) => JSON.stringify(e).includes('ghost@contoso.com'));
      assert.equal(ghostRequests.length, 1);
    });

    it('a scope that excludes one room: rbac.scope and ews.impersonation name that room', async () => {
      assert.equal((await sim.lab.imp(['revoke', '--account', ACCOUNT])).code, 0);
      assert.equal((await sim.lab.imp(['grant', '--account', ACCOUNT, '--scope-rooms'])).code, 0);
      const state = sim.lab.state();
      state.scopes[0].recipientFilter = "(RecipientTypeDetails -eq 'RoomMailbox') -and (Name -ne 'Room 2')";
      writeState(sim.lab.settings.stateDir, state);
      try {
        const run = await verify(['--rooms', '--wait', '0']);
        assert.equal(run.code, 2);
        const r = report(run);
        assert.deepEqual(check(r, 'rbac.scope').mailboxes!.map((m) => m.address), ['room2@contoso.com']);
        const failed = check(r, 'ews.impersonation').mailboxes!.filter((m) => m.status === 'fail');
        assert.deepEqual(failed.map((m) => [m.address, m.code]), [['room2@contoso.com', 'ErrorImpersonateUserDenied']]);
        assert.match(check(r, 'ews.impersonation').message, /outside the assignment's management scope/);
      } finally {
        assert.equal((await sim.lab.imp(['revoke', '--account', ACCOUNT])).code, 0);
        assert.equal((await sim.lab.imp(['grant', '--account', ACCOUNT])).code, 0);
      }
    });

    it('untrusted certificate: a clear TLS error, and --ca fixes it', async () => {
      const run = await sim.lab.imp(['verify', '--json', '--account', ACCOUNT, '--rooms', '--wait', '0', '--password-stdin'], { input: `${sim.lab.settings.password}\n` });
      assert.equal(run.code, 2);
      const login = check(report(run), 'ews.login');
      assert.equal(login.code, 'tls');
      assert.match(login.message, /certificate/i);
      assert.match(login.fix!, /--ca/);
      assert.doesNotMatch(login.fix!, /--insecure/);
    });

    it('ErrorServerBusy with BackOffMilliseconds: verify waits that long and succeeds', async () => {
      writeFileSync(join(sim.lab.settings.stateDir, FAULTS_FILE), JSON.stringify({ serverBusy: { count: 1, backOffMilliseconds: 1500 } }));
      const started = Date.now();
      const run = await verify(['--mailbox', 'room1@contoso.com', '--wait', '0']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(Date.now() - started >= 1500);
      assert.ok(requests(sim).some((e) => e.responseCode === 'ErrorServerBusy'));
    });

    it('recognises response codes padded with whitespace, as real Exchange sends them', async () => {
      writeFileSync(join(sim.lab.settings.stateDir, FAULTS_FILE), JSON.stringify({ padResponseCodes: true }));
      const run = await verify(['--mailbox', 'ghost@contoso.com', '--wait', '0']);
      assert.equal(check(report(run), 'ews.impersonation').mailboxes![0].code, 'ErrorNonExistentMailbox');
    });

    it('refuses Exchange Online with an explanation', async () => {
      const run = await verify(['--no-powershell', '--ews-url', 'https://outlook.office365.com/EWS/Exchange.asmx', '--mailbox', 'room1@contoso.com']);
      assert.equal(run.code, 3);
      assert.match(run.stderr, /Exchange Online/);
    });
  });

  describe('Basic authentication off on the EWS virtual directory', () => {
    let sim: SimProcess;
    before(async () => (sim = await SimProcess.start(['--no-basic-auth', '--rooms', '1', '--users', '1'])));
    after(async () => sim.stop());

    it('ews.vdir fails with the Set-WebServicesVirtualDirectory fix', async () => {
      assert.equal((await sim.lab.imp(['grant', '--account', ACCOUNT])).code, 0);
      const run = await sim.lab.imp(['verify', '--json', '--account', ACCOUNT, '--rooms', '--wait', '0', '--ca', sim.lab.settings.caFile!, '--password-stdin'], { input: `${sim.lab.settings.password}\n` });
      assert.equal(run.code, 2);
      const r = report(run);
      const vdir = check(r, 'ews.vdir');
      assert.equal(vdir.status, 'fail');
      assert.equal(vdir.fix, "Set-WebServicesVirtualDirectory -Identity 'EX01\\EWS (Default Web Site)' -BasicAuthentication $true; then iisreset on EX01");
      assert.equal(check(r, 'ews.login').code, 'basic-disabled');
    });
  });
});
