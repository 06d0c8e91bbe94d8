// Waiting out RBAC propagation: Exchange takes up to ~30 minutes before EWS honours a new role
// assignment. Only ErrorImpersonateUserDenied on a mailbox inside the assignment's scope is worth
// waiting for; anything else is a real fault and ends the wait at once.
import { systemClock, type Clock } from '../clock';
import { formatDuration } from '../duration';
import { isPropagationDenial, type TargetOutcome } from './outcome';

export const MAX_POLL_INTERVAL_MS = 60_000;
const BACKOFF_FACTOR = 1.5;

export interface PropagationWait {
  /** When the wait window closes (assignment creation time + --wait), epoch ms. */
  deadline: number;
  pollIntervalMs: number;
  signal?: AbortSignal;
  /** Probe the canary mailbox once. */
  probe: () => Promise<TargetOutcome>;
  progress: (line: string) => void;
  /** Default: the system clock. */
  clock?: Clock;
}

export interface PropagationResult {
  outcome: TargetOutcome;
  attempts: number;
  waitedMs: number;
  ended: 'passed' | 'other-failure' | 'window-closed' | 'interrupted';
}

/** Probes the canary on a growing interval until it passes, fails otherwise, or the window closes. */
export async function waitForPropagation(wait: PropagationWait): Promise<PropagationResult> {
  const clock = wait.clock ?? systemClock;
  const now = () => clock.now();
  const started = now();
  let interval = wait.pollIntervalMs;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const outcome = await wait.probe();
    const elapsed = now() - started;
    if (outcome.ok) return { outcome, attempts, waitedMs: elapsed, ended: 'passed' };
    if (!isPropagationDenial(outcome)) return { outcome, attempts, waitedMs: elapsed, ended: 'other-failure' };
    const left = wait.deadline - now();
    if (left <= 0) return { outcome, attempts, waitedMs: elapsed, ended: 'window-closed' };
    if (wait.signal?.aborted) return { outcome, attempts, waitedMs: elapsed, ended: 'interrupted' };
    const pause = Math.max(0, Math.min(interval, left));
    wait.progress(
      `waiting for the role to reach EWS: attempt ${attempts} denied, ${formatDuration(elapsed)} elapsed, next probe in ${formatDuration(pause)}, ${formatDuration(left)} left`,
    );
    if (!(await clock.sleep(pause, wait.signal))) return { outcome, attempts, waitedMs: now() - started, ended: 'interrupted' };
    interval = Math.min(MAX_POLL_INTERVAL_MS, Math.round(interval * BACKOFF_FACTOR));
  }
}
