// `imp expiry --event-log`: every run leaves its result in the Windows Application log under imp's own source,
// so that existing event-log monitoring sees a scheduled check — failures included (event 1003), which is
// exactly when a trace matters. The event is written by a PowerShell process of its own, without the Exchange
// connection (templates/expiry-event-log.ps1), and what it writes comes back as a record on every OS.
import type { z } from 'zod';
import { errorMessage } from '../errors';
import type { PowerShellSession } from '../powershell/session';
import type { ExpiryStatus } from './status';

export const EVENT_LOG_NAME = 'Application';
export const EVENT_SOURCE = 'imp';

/** One event ID per status, so a monitoring rule can match on the ID alone. */
export const EXPIRY_EVENTS: Record<ExpiryStatus, { eventId: number; entryType: 'Information' | 'Warning' | 'Error' }> = {
  OK: { eventId: 1000, entryType: 'Information' },
  WARNING: { eventId: 1001, entryType: 'Warning' },
  CRITICAL: { eventId: 1002, entryType: 'Error' },
  UNKNOWN: { eventId: 1003, entryType: 'Warning' },
};

/** EventLog.WriteEntry refuses messages longer than 31,839 bytes. */
const MAX_MESSAGE = 31_000;

/** Built when an event is written: `imp script schedule` and schedule's task need the names above, not zod. */
async function eventWriteSchema() {
  const { z } = await import('zod');
  const record = z.object({
    logName: z.string(),
    source: z.string(),
    eventId: z.number(),
    entryType: z.enum(['Information', 'Warning', 'Error']),
    message: z.string(),
  });
  return z.object({ record, written: z.boolean(), reason: z.string().nullable() });
}
/** The record, whether it reached the log, and why not. */
export type EventWrite = z.infer<Awaited<ReturnType<typeof eventWriteSchema>>>;
export type EventRecord = EventWrite['record'];

/** The event for a result: its status line, then one "Fix:" line per fix. */
export function expiryEventRecord(status: ExpiryStatus, message: string, fixes: string[] = []): EventRecord {
  const text = [message, ...fixes.map((f) => `Fix: ${f}`)].join('\r\n');
  return { logName: EVENT_LOG_NAME, source: EVENT_SOURCE, ...EXPIRY_EVENTS[status], message: text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text };
}

/**
 * Writes the event through a fresh PowerShell that loads nothing else. Never throws: a result that cannot be
 * logged is still printed, and the exit status stays the check's own.
 */
export async function writeEvent(record: EventRecord, executable?: string): Promise<EventWrite> {
  let session: PowerShellSession | undefined;
  try {
    const { PowerShellSession } = await import('../powershell/session');
    session = new PowerShellSession({ executable, setup: [], timeoutMs: 60_000 });
    return (await session.run('expiry-event-log', record, await eventWriteSchema())).result;
  } catch (error) {
    return { record, written: false, reason: `PowerShell could not write it: ${errorMessage(error)}` };
  } finally {
    await session?.dispose().catch(() => undefined);
  }
}
