// msDS-UserPasswordExpiryTimeComputed is a FILETIME: 100-nanosecond ticks since 1601-01-01 UTC, as an Int64.
// Two values are not times: 0x7FFFFFFFFFFFFFFF (never expires) and 0 (must change at next logon). The
// template sends the raw number as text and it is read here with BigInt: a Number cannot hold it exactly,
// and [datetime]::FromFileTime throws on the first sentinel.

export const FILETIME_NEVER = 0x7fffffffffffffffn;
const TICKS_PER_MS = 10_000n;
/** Milliseconds from 1601-01-01 to 1970-01-01. */
const EPOCH_OFFSET_MS = 11_644_473_600_000n;

export type PasswordExpiry =
  | { kind: 'never' }
  | { kind: 'must-change' }
  | { kind: 'date'; at: Date }
  | { kind: 'unknown'; reason: string };

/** Reads msDS-UserPasswordExpiryTimeComputed as the template sent it (decimal text, or null when AD gave none). */
export function passwordExpiryFromFileTime(text: string | null | undefined): PasswordExpiry {
  if (text === null || text === undefined || text.trim() === '') {
    return { kind: 'unknown', reason: 'Active Directory returned no msDS-UserPasswordExpiryTimeComputed (is the account allowed to read it?)' };
  }
  if (!/^-?\d+$/.test(text.trim())) return { kind: 'unknown', reason: `msDS-UserPasswordExpiryTimeComputed is not a number: "${text}"` };
  const ticks = BigInt(text.trim());
  if (ticks === FILETIME_NEVER) return { kind: 'never' };
  if (ticks === 0n) return { kind: 'must-change' };
  if (ticks < 0n) return { kind: 'unknown', reason: `msDS-UserPasswordExpiryTimeComputed is negative (${text})` };
  // Any positive Int64 FILETIME (up to the year 30828) fits a Date, whose range ends in 275760.
  return { kind: 'date', at: new Date(Number(ticks / TICKS_PER_MS - EPOCH_OFFSET_MS)) };
}

/** The FILETIME of a time, e.g. to seed tests: the inverse of passwordExpiryFromFileTime for dates. */
export function toFileTime(date: Date): string {
  return ((BigInt(date.getTime()) + EPOCH_OFFSET_MS) * TICKS_PER_MS).toString();
}
