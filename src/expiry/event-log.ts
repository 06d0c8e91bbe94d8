// `imp expiry --event-log`: the result in the Windows Application log, under imp's own source, so that
// existing event-log monitoring sees a scheduled check (templates/expiry-event-log.ps1).
import { z } from 'zod';
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

const eventLogResultSchema = z.object({ written: z.boolean(), available: z.boolean(), sourceCreated: z.boolean() });
export type EventLogResult = z.infer<typeof eventLogResultSchema>;

export async function writeExpiryEvent(session: PowerShellSession, status: ExpiryStatus, message: string): Promise<EventLogResult> {
  const { result } = await session.run(
    'expiry-event-log',
    { logName: EVENT_LOG_NAME, source: EVENT_SOURCE, ...EXPIRY_EVENTS[status], message },
    eventLogResultSchema,
  );
  return result;
}
