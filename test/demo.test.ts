// The README's "run the main job" command, as a new user runs it: exits 0, shows every command it
// runs, and leaves no process behind: no simulator, PowerShell or keyring daemon.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths';
import { processesCarrying } from './helpers/imp';

describe('the demo (bash scripts/demo)', function () {
  this.timeout(900_000);

  it('runs every step against the simulator, exits 0 and leaves nothing running', () => {
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    assert.ok(readme.includes('```sh\nbash scripts/demo\n```'), 'the README states the demo command');
    // Its own keyring session, as on a fresh machine (not the one the test suite runs in).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'IMP_KEYRING_INNER' && !/^npm_/.test(k)));
    // Every process the demo starts inherits this marker, so what it leaves behind is found even when
    // other tests run simulators and pwsh at the same time (npm test runs two shards at once).
    env.IMP_DEMO_RUN = `${process.pid}-${Date.now()}`;
    const marker = `IMP_DEMO_RUN=${env.IMP_DEMO_RUN}`;
    const run = spawnSync('bash', ['scripts/demo'], { cwd: packageRoot, env, encoding: 'utf8', timeout: 840_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    for (const step of [
      '$ imp sim --json',
      '$ imp credentials set --account svc-booking@contoso.com --password-stdin --test',
      "$ imp grant --account svc-booking@contoso.com --scope-rooms --scope-group 'Room Bookers'",
      '$ imp status --account svc-booking@contoso.com',
      '$ imp verify --account svc-booking@contoso.com --rooms',
      '--report ',
      "$ imp check --account svc-booking@contoso.com --rooms --group 'Room Bookers'",
      '$ imp expiry --account svc-booking@contoso.com --check-login',
      '$ imp schedule install --account svc-booking@contoso.com --scheduler systemd --at 07:00',
      '$ imp schedule show --account svc-booking@contoso.com --scheduler systemd',
      '$ imp schedule remove --account svc-booking@contoso.com --scheduler systemd',
      '$ imp credentials delete --account svc-booking@contoso.com',
    ]) {
      assert.ok(output.includes(step), `the demo does not show "${step}"`);
    }
    assert.match(run.stdout, /waiting for the role to reach EWS|after waiting/);
    assert.match(run.stdout, /Result: OK/);
    assert.match(run.stdout, /enabled, younger than 30 minutes: in effect by /);
    assert.match(run.stdout, /the report for the change ticket: \d+ bytes of self-contained HTML/);
    assert.match(run.stdout, /Result: OK: svc-booking@contoso.com: impersonation works and the password is fine/);
    assert.match(run.stdout, /OK - svc-booking@contoso.com password/);
    // The daily check, installed for real into the demo's folder, ran once through its own job and passed.
    assert.match(run.stdout, /Test run of the job…\n {2}result: exit 0: /);
    assert.match(run.stdout, /runs: .*"check" "--account" "svc-booking@contoso.com" "--config" .*"--rooms" "--group" "Room Bookers"/);
    assert.match(run.stdout, /Removed .*imp-check-svc-booking-contoso-com\.timer/);
    const left = processesCarrying(marker).filter((pid) => pid !== process.pid);
    assert.deepEqual(left, [], `left running: ${left.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')).join('; ')}`);
  });
});
