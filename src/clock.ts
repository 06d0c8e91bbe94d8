// Time, as code that waits sees it. Production uses the system clock; tests inject a clock whose sleeps
// return at once and move its `now`, so no test waits real seconds for a propagation window or a back-off.
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  now(): number;
  /** Resolves true after `ms`, or false as soon as `signal` aborts (never rejects for that). */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}

export const systemClock: Clock = { now: () => Date.now(), sleep };
