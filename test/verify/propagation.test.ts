// waitForPropagation with an injected clock: the backoff, the window and Ctrl-C, without waiting real time.
import { strict as assert } from 'node:assert';
import type { Clock } from '../../src/clock';
import { sleep } from '../../src/clock';
import type { TargetOutcome } from '../../src/verify/outcome';
import { MAX_POLL_INTERVAL_MS, waitForPropagation } from '../../src/verify/propagation';

const CANARY = 'room1@contoso.com';
const DENIED: TargetOutcome = { address: CANARY, ok: false, failure: { kind: 'impersonation-denied', code: 'ErrorImpersonateUserDenied', message: 'denied' } };
const PASSED: TargetOutcome = { address: CANARY, ok: true };

/** A clock whose sleeps take no real time; `onSleep` may abort the wait, as Ctrl-C would. */
function fakeClock(onSleep?: (ms: number) => void): Clock & { sleeps: number[]; t: number } {
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      clock.sleeps.push(ms);
      onSleep?.(ms);
      if (signal?.aborted) return false;
      clock.t += ms;
      return true;
    },
  };
  return clock;
}

/** Answers the scripted outcomes in turn, each probe taking `probeMs` of clock time. */
function prober(clock: { t: number }, outcomes: TargetOutcome[], probeMs = 200) {
  let i = 0;
  return async () => {
    clock.t += probeMs;
    return outcomes[Math.min(i++, outcomes.length - 1)];
  };
}

describe('waitForPropagation', () => {
  it('a first probe that passes ends the wait at once', async () => {
    const clock = fakeClock();
    const result = await waitForPropagation({ deadline: clock.t + 60_000, pollIntervalMs: 1000, probe: prober(clock, [PASSED]), progress: () => {}, clock });
    assert.deepEqual({ ended: result.ended, attempts: result.attempts, waitedMs: result.waitedMs }, { ended: 'passed', attempts: 1, waitedMs: 200 });
    assert.deepEqual(clock.sleeps, []);
  });

  it('denied, denied, passed: pauses grow by half each time, and progress says so', async () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const result = await waitForPropagation({ deadline: clock.t + 60_000, pollIntervalMs: 1000, probe: prober(clock, [DENIED, DENIED, PASSED]), progress: (l) => lines.push(l), clock });
    assert.equal(result.ended, 'passed');
    assert.equal(result.attempts, 3);
    assert.deepEqual(clock.sleeps, [1000, 1500]);
    assert.equal(result.waitedMs, 3 * 200 + 1000 + 1500);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^waiting for the role to reach EWS: attempt 1 denied, 200ms elapsed, next probe in 1s, 1m left$/);
    assert.match(lines[1], /attempt 2 denied, 1s elapsed, next probe in 2s/);
  });

  it('any failure but a denial ends the wait at once: it is a real fault', async () => {
    const clock = fakeClock();
    const busy: TargetOutcome = { address: CANARY, ok: false, failure: { kind: 'no-mailbox', code: 'ErrorNonExistentMailbox', message: 'no such mailbox' } };
    const result = await waitForPropagation({ deadline: clock.t + 60_000, pollIntervalMs: 1000, probe: prober(clock, [DENIED, busy]), progress: () => {}, clock });
    assert.equal(result.ended, 'other-failure');
    assert.equal(result.outcome, busy);
    assert.equal(result.attempts, 2);
  });

  it('the window closes: the last pause is cut to the time left, and the interval never exceeds a minute', async () => {
    const clock = fakeClock();
    const result = await waitForPropagation({ deadline: clock.t + 10 * 60_000, pollIntervalMs: 40_000, probe: prober(clock, [DENIED], 0), progress: () => {}, clock });
    assert.equal(result.ended, 'window-closed');
    assert.equal(result.waitedMs, 10 * 60_000);
    assert.ok(clock.sleeps.every((ms) => ms <= MAX_POLL_INTERVAL_MS), clock.sleeps.join(','));
    assert.deepEqual(clock.sleeps.slice(0, 3), [40_000, MAX_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS]);
    assert.equal(clock.sleeps.reduce((a, b) => a + b, 0), 10 * 60_000);
  });

  it('a window already closed probes once and does not wait', async () => {
    const clock = fakeClock();
    const result = await waitForPropagation({ deadline: clock.t - 1, pollIntervalMs: 1000, probe: prober(clock, [DENIED]), progress: () => {}, clock });
    assert.equal(result.ended, 'window-closed');
    assert.equal(result.attempts, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('Ctrl-C during a pause ends the wait as interrupted, with the attempts so far', async () => {
    const controller = new AbortController();
    const clock = fakeClock(() => clock.sleeps.length === 2 && controller.abort());
    const result = await waitForPropagation({ deadline: clock.t + 60_000, pollIntervalMs: 1000, signal: controller.signal, probe: prober(clock, [DENIED]), progress: () => {}, clock });
    assert.equal(result.ended, 'interrupted');
    assert.equal(result.attempts, 2);
  });

  it('Ctrl-C during a probe ends the wait before the next pause', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const probe = async () => {
      controller.abort();
      return DENIED;
    };
    const result = await waitForPropagation({ deadline: clock.t + 60_000, pollIntervalMs: 1000, signal: controller.signal, probe, progress: () => {}, clock });
    assert.equal(result.ended, 'interrupted');
    assert.deepEqual(clock.sleeps, []);
  });
});

describe('sleep (node:timers/promises with an AbortSignal)', () => {
  it('resolves true after the time', async () => assert.equal(await sleep(1), true));
  it('resolves false at once when aborted, before or during the wait', async () => {
    assert.equal(await sleep(60_000, AbortSignal.abort()), false);
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
  });
});
