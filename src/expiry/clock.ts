// The one place `imp expiry` learns the time.
//
// TEST HOOK: IMP_NOW=<ISO 8601 time> makes imp believe it is that time, so tests can pin "now" to either side
// of a daylight-saving change. It only moves the clock used to count the days left; it changes nothing that
// is sent to Active Directory or EWS. Not meant for production use.
import { UsageError } from '../errors';

export function now(): Date {
  const pinned = process.env.IMP_NOW;
  if (!pinned) return new Date();
  const time = new Date(pinned);
  if (Number.isNaN(time.getTime())) throw new UsageError(`IMP_NOW "${pinned}" is not an ISO 8601 time.`, 'Unset IMP_NOW (it is a test hook), or give e.g. 2026-03-28T22:30:00Z.');
  return time;
}
