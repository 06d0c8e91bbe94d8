// imp trusts the operating system's certificate store as well as Node's bundled roots, and --ca adds to
// them. The child's OpenSSL is pointed at a temporary store (SSL_CERT_FILE, SSL_CERT_DIR): the machine's
// own store is never touched.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { trustedCertificates } from '../src/trust';
import { runImp, SimProcess } from './helpers/imp';

describe('certificate trust', function () {
  this.timeout(120_000);

  it('holds the system store, every bundled root, and --ca on top', () => {
    const extra = '-----BEGIN CERTIFICATE-----\nimp-test\n-----END CERTIFICATE-----\n';
    const trusted = new Set(trustedCertificates(extra));
    for (const root of tls.rootCertificates) assert.ok(trusted.has(root), 'a bundled root is missing');
    for (const system of tls.getCACertificates('system')) assert.ok(trusted.has(system), 'a system certificate is missing');
    assert.ok(trusted.has(extra));
    assert.ok(!new Set(trustedCertificates()).has(extra));
  });

  describe('against the simulator', () => {
    let sim: SimProcess;
    let dir: string;
    before(async () => {
      sim = await SimProcess.start(['--rooms', '1', '--users', '1']);
      dir = mkdtempSync(join(tmpdir(), 'imp-trust-'));
      // A store holding the simulator's CA, and one holding nothing (an empty file and folder).
      mkdirSync(join(dir, 'certs'));
      copyFileSync(sim.lab.settings.caFile!, join(dir, 'with-sim-ca.pem'));
      writeFileSync(join(dir, 'empty.pem'), '');
    });
    after(async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The ews.login check of `imp verify --no-powershell`, with the child's OpenSSL store at `storeFile`. */
    async function login(storeFile: string, extra: string[] = []): Promise<{ status: string; detail: string }> {
      const s = sim.lab.settings;
      const run = await runImp(['--json', 'verify', '--account', s.account, '--ews-url', s.ewsUrl!, '--username', s.username, '--no-powershell', '--wait', '0', '--password-stdin', ...extra], {
        input: `${s.password}\n`,
        env: { SSL_CERT_FILE: join(dir, storeFile), SSL_CERT_DIR: join(dir, 'certs') },
      });
      const check = (JSON.parse(run.stdout) as { checks: { id: string; status: string }[] }).checks.find((c) => c.id === 'ews.login');
      assert.ok(check, run.stdout + run.stderr);
      return { status: check.status, detail: JSON.stringify(check) };
    }

    it('logs in without --ca when the system store holds the CA', async () => {
      const { status, detail } = await login('with-sim-ca.pem');
      assert.equal(status, 'pass', detail);
    });

    it('refuses the certificate when neither the store nor --ca holds the CA, and --ca adds it', async () => {
      const refused = await login('empty.pem');
      assert.notEqual(refused.status, 'pass', refused.detail);
      assert.match(refused.detail, /certificate/i);
      const { status, detail } = await login('empty.pem', ['--ca', sim.lab.settings.caFile!]);
      assert.equal(status, 'pass', detail);
    });
  });
});
