// Durations: one grammar for flags and the configuration file, bounded where a flag needs it, and never reported as "0 s".
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { durationMs, formatDuration, MAX_TIMER_MS, parseDuration } from '../src/duration';
import { UsageError } from '../src/errors';
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

const GOOD: [string, number][] = [['0', 0], ['20', 20_000], ['1.5', 1500], ['250ms', 250], ['30s', 30_000], ['5m', 300_000], ['1h30m', 5_400_000], ['1d', 86_400_000], [' 10s ', 10_000]];
const BAD = ['1m30', '', 'm', '5 m', '-5s', '1w', '30sec', '1h 30m'];

describe('one duration grammar', () => {
  for (const [text, ms] of GOOD) it(`"${text}" is ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  for (const text of BAD) {
    it(`"${text}" is refused, naming the flag`, () => {
      assert.equal(durationMs(text), undefined);
      assert.throws(() => parseDuration(text, '--wait'), (e: unknown) => e instanceof UsageError && e.message === `Invalid --wait "${text}".` && /30s, 5m, 1h30m/.test(e.suggestion ?? ''));
    });
  }

  it('formats as an admin reads it', () => {
    assert.deepEqual([999, 1000, 59_400, 60_000, 90_000, 7_200_000].map(formatDuration), ['999ms', '1s', '59s', '1m', '1m30s', '120m']);
  });

  describe('in the configuration file', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imp-duration-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const config = (value: object) => {
      writeFileSync(join(dir, 'imp.config.json'), JSON.stringify(value), { mode: 0o600 });
      return () => loadConfig(undefined, dir);
    };

    it('accepts what the flags accept', () => {
      assert.deepEqual(config({ wait: '1h30m', pollInterval: '20', timeout: '250ms' })().config, { wait: '1h30m', pollInterval: '20', timeout: '250ms' });
    });

    for (const field of ['wait', 'pollInterval', 'timeout']) {
      it(`refuses "1m30" for ${field}, naming the file and the field, not a flag`, () => {
        assert.throws(config({ [field]: '1m30' }), (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.ok(e.message.includes(join(dir, 'imp.config.json')), e.message);
          assert.match(e.message, new RegExp(`field "${field}": expected a number with a unit`));
          assert.doesNotMatch(e.message, /--wait|--timeout|--poll-interval/);
          return true;
        });
      });
    }
  });
});

