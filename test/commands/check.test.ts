// imp check end to end: verify (scope of every room and booker, one canary probe) and expiry in one run
// with one exit code, against the whole simulated Exchange (Management Shell and HTTPS EWS).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { halfResult, worstLevel } from '../../src/commands/check';
import { REQUEST_LOG_FILE } from '../../src/sim/ews';
import { writeState } from '../../src/sim/state';
import { grantedState } from '../ews/fixture';
import { SimProcess } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';

describe('imp check', function () {
  this.timeout(180_000);

  it('reads each half, whatever it managed to say, and keeps the worst level', () => {
    assert.deepEqual(halfResult('expiry', 1, JSON.stringify({ status: 'WARNING', message: 'expires in 5 days' })).line, 'expiry WARNING: expires in 5 days');
    assert.equal(halfResult('verify', 3, JSON.stringify({ status: 'error', error: { message: 'No EWS URL' } })).status, 'UNKNOWN');
    assert.equal(halfResult('verify', 2, 'not json').status, 'UNKNOWN');
    const verify = halfResult('verify', 2, JSON.stringify({ status: 'CRITICAL', checks: [{ id: 'ews.login', status: 'pass', message: 'ok' }, { id: 'rbac.scope', status: 'fail', message: '2 outside' }] }));
    assert.equal(verify.line, 'verify CRITICAL: rbac.scope: 2 outside');
    assert.equal(worstLevel(['OK', 'WARNING']), 'WARNING');
    assert.equal(worstLevel(['CRITICAL', 'UNKNOWN']), 'CRITICAL');
    assert.equal(worstLevel(['WARNING', 'UNKNOWN']), 'UNKNOWN');
    assert.equal(worstLevel(['OK', 'OK']), 'OK');
  });

  describe('end to end', () => {
    let sim: SimProcess;
    before(async () => {
      sim = await SimProcess.start(['--rooms', '3', '--users', '2']);
      writeState(sim.lab.settings.stateDir, grantedState(sim.lab.state(), { scopeRooms: true }));
    });
    after(async () => sim.stop());

    it('one run, one exit code: the scope misses the bookers (CRITICAL), one canary probe, the EWS URL found for expiry', async () => {
      const s = sim.lab.settings;
      const logBefore = requestCount(sim);
      const run = await sim.lab.imp(['--json', 'check', '--account', ACCOUNT, '--rooms', '--group', 'Room Bookers', '--ca', s.caFile!, '--password-stdin'], { input: `${s.password}\n` });
      assert.equal(run.code, 2, run.stderr + run.stdout);
      const result = JSON.parse(run.stdout);
      assert.equal(result.status, 'CRITICAL');
      const scope = result.verify.checks.find((c: { id: string }) => c.id === 'rbac.scope');
      assert.equal(scope.status, 'fail');
      assert.equal(scope.mailboxes.length, 2, 'both bookers are outside the rooms-only scope');
      const impersonation = result.verify.checks.find((c: { id: string }) => c.id === 'ews.impersonation');
      assert.equal(impersonation.mailboxes.length, 1, 'one canary probe, not one per mailbox');
      assert.match(impersonation.mailboxes[0].address, /^room\d@contoso.com$/);
      assert.equal(result.expiry.status, 'OK');
      assert.ok(result.expiry.login, 'expiry logged in with the URL verify found');
      assert.ok(requestCount(sim) - logBefore <= 6, `few EWS requests: ${requestCount(sim) - logBefore}`);

    });
  });
});

function requestCount(sim: SimProcess): number {
  const file = join(sim.lab.settings.stateDir, REQUEST_LOG_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}
