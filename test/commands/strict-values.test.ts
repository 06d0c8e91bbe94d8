// Values that Number() or a timer would quietly bend are refused at once, naming the flag (exit 3).
import { strict as assert } from 'node:assert';
import { runImp } from '../helpers/imp';

describe('strict flag values', function () {
  this.timeout(60_000);
  const verify = (...extra: string[]) =>
    runImp(['--json', 'verify', '--no-powershell', '--account', 'svc-booking@contoso.com', '--mailbox', 'room1@contoso.com', '--ews-url', 'https://127.0.0.1:9/EWS/Exchange.asmx', ...extra]);

  it('--concurrency takes digits only; --poll-interval and --wait have a maximum; --timeout a minimum', async () => {
    const cases: [string[], RegExp][] = [
      [['--concurrency', '0x10'], /^--concurrency "0x10" must be a whole number from 1 to 100/],
      [['--concurrency', '1e1'], /^--concurrency "1e1" must be a whole number/],
      [['--concurrency', ' 5'], /^--concurrency " 5" must be a whole number/],
      [['--poll-interval', '99999d'], /^--poll-interval 99999d is longer than the most it can be, 10m/],
      [['--wait', '30d'], /^--wait 30d is longer than the most it can be/],
    ];
    const runs = await Promise.all([...cases.map(([args]) => verify(...args)), runImp(['--json', '--timeout', '500ms', 'grant', '--account', 'svc-booking@contoso.com'])]);
    cases.forEach(([args, message], index) => {
      assert.equal(runs[index]!.code, 3, `${args.join(' ')}: ${runs[index]!.stderr}`);
      assert.match(JSON.parse(runs[index]!.stdout).error.message, message);
    });
    const timeout = runs[cases.length]!;
    assert.equal(timeout.code, 3, timeout.stderr);
    assert.match(JSON.parse(timeout.stdout).error.message, /^--timeout 500ms is 500ms, below the least it can be, 1s/);
  });
});
