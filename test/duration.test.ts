// Durations: bounded where a flag needs it, and never reported as "0 s".
import { strict as assert } from 'node:assert';
import { UsageError } from '../src/errors';
import { MAX_TIMER_MS, parseDuration } from '../src/duration';
import { PowerShellTimeoutError } from '../src/powershell/errors';

describe('durations', () => {
  const rows: [string, number][] = [['30s', 30_000], ['1h30m', 5_400_000], ['250ms', 250], ['2', 2000], ['0.5s', 500]];
  for (const [text, ms] of rows) it(`${text} is ${ms} ms`, () => assert.equal(parseDuration(text), ms));

  it('refuses what is below the minimum or above the maximum, naming the flag', () => {
    assert.throws(() => parseDuration('500ms', '--timeout', { min: 1000 }), (e: unknown) => e instanceof UsageError && /^--timeout 500ms is 500ms, below the least it can be, 1s/.test(e.message));
    assert.throws(() => parseDuration('99999d', '--poll-interval', { max: MAX_TIMER_MS }), /--poll-interval 99999d is longer than the most it can be/);
    assert.equal(parseDuration('24d', '--wait', { max: MAX_TIMER_MS }), 24 * 86_400_000);
  });

  it('a sub-second PowerShell timeout is reported in milliseconds', () => {
    assert.match(new PowerShellTimeoutError('grant', 250).message, /within 250ms;/);
    assert.match(new PowerShellTimeoutError('grant', 90_000).message, /within 1m30s;/);
  });
});
