import { UsageError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest a Node timer can wait (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The one duration grammar, for flags and the configuration file alike. */
export const DURATION_EXAMPLES = 'a number with a unit, for example 30s, 5m, 1h30m or 250ms (a bare number means seconds)';

/** "30m", "1h30m", "5s", "250ms", "0"; a bare number means seconds. Undefined when the text is not a duration. */
export function durationMs(text: string): number | undefined {
  const trimmed = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit], 0));
}

/** A duration from a flag; `what` names the flag in the error. `min`/`max` bound it, in ms. */
export function parseDuration(text: string, what = 'duration', bounds: { min?: number; max?: number } = {}): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new UsageError(`Invalid ${what} "${text}".`, `Use ${DURATION_EXAMPLES}.`);
  if (bounds.min !== undefined && ms < bounds.min) {
    throw new UsageError(`${what} ${text} is ${formatDuration(ms)}, below the least it can be, ${formatDuration(bounds.min)}.`, `Give ${what} at least ${formatDuration(bounds.min)}.`);
  }
  if (bounds.max !== undefined && ms > bounds.max) {
    throw new UsageError(`${what} ${text} is longer than the most it can be, ${formatDuration(bounds.max)}.`, `Give ${what} at most ${formatDuration(bounds.max)}.`);
  }
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 ? `${minutes}m${seconds % 60}s` : `${minutes}m`;
}
