// --quiet, as a Nagios plugin behaves: nothing on OK, exactly one status line otherwise.
import { strict as assert } from 'node:assert';
import { writeState } from '../../src/sim/state';
import { runImp, shellLab, type Lab } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';

describe('--quiet', function () {
  this.timeout(120_000);
  let lab: Lab;
  before(() => (lab = shellLab()));
  after(() => lab.remove());

  it('prints nothing when the check is OK, and one line on stdout for a CRITICAL', async () => {
    const ok = await lab.imp(['expiry', '--account', ACCOUNT, '--quiet']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, '');
    assert.equal(ok.stderr, '');

    const state = lab.state();
    state.users.find((u) => u.mailbox?.primarySmtpAddress === ACCOUNT)!.enabled = false;
    writeState(lab.settings.stateDir, state);
    const critical = await lab.imp(['expiry', '--account', ACCOUNT, '--quiet']);
    assert.equal(critical.code, 2, critical.stderr);
    assert.equal(critical.stdout.split('\n').filter(Boolean).length, 1, critical.stdout);
    assert.match(critical.stdout, /^CRITICAL: /);
  });

  it('turns an error that stops the command into one UNKNOWN line', async () => {
    const run = await runImp(['verify', '--quiet', '--no-powershell', '--ews-url', 'https://127.0.0.1:9/EWS/Exchange.asmx']);
    assert.equal(run.code, 3);
    assert.match(run.stdout, /^UNKNOWN: --account is required\. Fix: [^\n]+\n$/);
    assert.equal(run.stderr, '');
  });
});
