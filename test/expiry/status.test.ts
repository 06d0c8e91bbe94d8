// The expiry verdict as pure functions: FILETIME sentinels, days left counted on UTC dates, thresholds.
import { strict as assert } from 'node:assert';
import { passwordExpiryFromFileTime, toFileTime, FILETIME_NEVER } from '../../src/expiry/filetime';
import { daysBetween, evaluateExpiry, evaluateRunAs, summaryLine, type AccountFacts } from '../../src/expiry/status';
import { worst } from '../../src/monitoring';

const ACCOUNT = 'svc-booking@contoso.com';
const thresholds = { warnDays: 14, criticalDays: 3 };
const DAY = 86_400_000;

function facts(expiry: AccountFacts['expiry'], extra: Partial<AccountFacts> = {}): AccountFacts {
  return { source: 'Get-ADUser', identity: 'svc-booking', enabled: true, lockedOut: false, passwordLastSet: null, expiry, ...extra };
}

function at(iso: string): AccountFacts['expiry'] {
  return { kind: 'date', at: new Date(iso) };
}

describe('msDS-UserPasswordExpiryTimeComputed (FILETIME)', () => {
  it('reads both sentinels without treating them as times', () => {
    assert.deepEqual(passwordExpiryFromFileTime(FILETIME_NEVER.toString()), { kind: 'never' });
    assert.deepEqual(passwordExpiryFromFileTime('9223372036854775807'), { kind: 'never' });
    assert.deepEqual(passwordExpiryFromFileTime('0'), { kind: 'must-change' });
  });

  it('converts a FILETIME exactly (BigInt), and back', () => {
    // 116444736000000000 is 1970-01-01T00:00:00Z, the documented offset of the Unix epoch.
    const epoch = passwordExpiryFromFileTime('116444736000000000');
    assert.equal(epoch.kind === 'date' && epoch.at.toISOString(), '1970-01-01T00:00:00.000Z');
    const expiry = passwordExpiryFromFileTime('134104464000000000');
    assert.equal(expiry.kind === 'date' && expiry.at.toISOString(), '2025-12-17T12:00:00.000Z');
    assert.equal(toFileTime(new Date('2025-12-17T12:00:00Z')), '134104464000000000');
    const roundTrip = passwordExpiryFromFileTime(toFileTime(new Date('2026-03-29T01:30:00.123Z')));
    assert.equal(roundTrip.kind === 'date' && roundTrip.at.toISOString(), '2026-03-29T01:30:00.123Z');
  });

  it('says "unknown" for what is not a FILETIME; one tick short of "never" is a date in 30828', () => {
    assert.equal(passwordExpiryFromFileTime(null).kind, 'unknown');
    assert.equal(passwordExpiryFromFileTime('').kind, 'unknown');
    assert.equal(passwordExpiryFromFileTime('12abc').kind, 'unknown');
    assert.equal(passwordExpiryFromFileTime('-5').kind, 'unknown');
    const almostNever = passwordExpiryFromFileTime('9223372036854775806');
    assert.equal(almostNever.kind === 'date' && almostNever.at.getUTCFullYear(), 30828);
  });
});

describe('days left and status', () => {
  const now = new Date('2026-11-27T09:00:00Z');
  const inDays = (n: number) => ({ kind: 'date', at: new Date(now.getTime() + n * DAY) }) as const;

  for (const [days, status] of [
    [20, 'OK'],
    [15, 'OK'],
    [14, 'WARNING'],
    [10, 'WARNING'],
    [4, 'WARNING'],
    [3, 'CRITICAL'],
    [2, 'CRITICAL'],
  ] as const) {
    it(`expires in ${days} days → ${status}`, () => {
      const evaluation = evaluateExpiry(ACCOUNT, facts(inDays(days)), thresholds, now);
      assert.equal(evaluation.daysLeft, days);
      assert.equal(evaluation.status, status);
    });
  }

  it('keeps an expired password, with negative days and its date, as CRITICAL', () => {
    const evaluation = evaluateExpiry(ACCOUNT, facts(inDays(-3)), thresholds, now);
    assert.equal(evaluation.status, 'CRITICAL');
    assert.equal(evaluation.daysLeft, -3);
    assert.equal(evaluation.findings[0]!.text, 'password expired 3 days ago (2026-11-24)');
    assert.match(evaluation.findings[0]!.fix!, /imp credentials set --account svc-booking@contoso.com/);
  });

  it('tells "expires today" from "expired today"', () => {
    const later = evaluateExpiry(ACCOUNT, facts(at('2026-11-27T20:00:00Z')), thresholds, now);
    assert.deepEqual([later.status, later.daysLeft, later.findings[0]!.text], ['CRITICAL', 0, 'password expires today (2026-11-27)']);
    const earlier = evaluateExpiry(ACCOUNT, facts(at('2026-11-27T08:00:00Z')), thresholds, now);
    assert.deepEqual([earlier.status, earlier.daysLeft, earlier.findings[0]!.text], ['CRITICAL', 0, 'password expired today (2026-11-27)']);
  });

  it('never expires → OK; must change → CRITICAL; cannot tell → UNKNOWN', () => {
    const never = evaluateExpiry(ACCOUNT, facts({ kind: 'never' }), thresholds, now);
    assert.deepEqual([never.status, never.neverExpires, never.daysLeft, never.expiresAt], ['OK', true, null, null]);
    const mustChange = evaluateExpiry(ACCOUNT, facts({ kind: 'must-change' }), thresholds, now);
    assert.deepEqual([mustChange.status, mustChange.mustChange], ['CRITICAL', true]);
    const unknown = evaluateExpiry(ACCOUNT, facts({ kind: 'unknown', reason: 'no attribute' }), thresholds, now);
    assert.equal(unknown.status, 'UNKNOWN');
  });

  it('a disabled or locked-out account is CRITICAL whatever the expiry', () => {
    const disabled = evaluateExpiry(ACCOUNT, facts({ kind: 'never' }, { enabled: false }), thresholds, now);
    assert.equal(disabled.status, 'CRITICAL');
    assert.equal(summaryLine(disabled.status, ACCOUNT, disabled.findings), 'CRITICAL - svc-booking@contoso.com account is disabled in Active Directory; password never expires');
    const locked = evaluateExpiry(ACCOUNT, facts(inDays(20), { lockedOut: true }), thresholds, now);
    assert.equal(locked.status, 'CRITICAL');
    assert.match(locked.findings[0]!.fix!, /Unlock-ADAccount -Identity svc-booking/);
  });

  it('CRITICAL outranks UNKNOWN, which outranks WARNING', () => {
    assert.equal(worst('OK', 'WARNING', 'UNKNOWN'), 'UNKNOWN');
    assert.equal(worst('UNKNOWN', 'CRITICAL'), 'CRITICAL');
    assert.equal(worst(), 'OK');
  });

  it('Nagios line: "OK - <account> password expires in 20 days (<date>)"', () => {
    const evaluation = evaluateExpiry(ACCOUNT, facts(at('2026-12-17T10:00:00Z')), thresholds, now);
    assert.equal(summaryLine(evaluation.status, ACCOUNT, evaluation.findings), 'OK - svc-booking@contoso.com password expires in 20 days (2026-12-17)');
  });
});

describe('days left across daylight-saving changes (counted on UTC dates)', () => {
  // EU: clocks go forward 2026-03-29 01:00Z and back 2026-10-25 01:00Z; US: forward 2026-03-08 07:00Z (New York).
  const cases: [string, string, string, number][] = [
    ['EU spring forward, 23-hour day between', '2026-03-28T22:30:00Z', '2026-04-07T22:30:00Z', 10],
    ['EU spring forward, less than an hour before expiry', '2026-03-29T00:30:00Z', '2026-03-29T01:10:00Z', 0],
    ['EU fall back, 25-hour day between', '2026-10-24T23:30:00Z', '2026-10-25T23:00:00Z', 1],
    ['US spring forward, local midnight to local midnight', '2026-03-07T05:00:00Z', '2026-03-09T04:00:00Z', 2],
  ];
  for (const [what, now, expires, days] of cases) {
    it(`${what}: ${days} days, never negative before the expiry`, () => {
      assert.equal(daysBetween(new Date(now), new Date(expires)), days);
      const evaluation = evaluateExpiry(ACCOUNT, facts(at(expires)), thresholds, new Date(now));
      assert.equal(evaluation.daysLeft, days);
      assert.notEqual(evaluation.findings[0]!.text.startsWith('password expired'), true);
    });
  }
});

describe('the run-as user of a scheduled check (--check-run-as)', () => {
  const now = new Date('2026-11-27T09:00:00Z');
  const user = 'CONTOSO\\svc-monitor';
  const inDays = (n: number) => ({ kind: 'date', at: new Date(now.getTime() + n * DAY) }) as const;

  for (const [what, expiry, status] of [
    ['never expires: nothing to say', { kind: 'never' }, undefined],
    ['expires after --warn-days: nothing to say', inDays(15), undefined],
    ['expires within --warn-days: WARNING', inDays(14), 'WARNING'],
    ['expires within --critical-days: still WARNING (this run did log on)', inDays(1), 'WARNING'],
    ['has expired: WARNING', inDays(-1), 'WARNING'],
  ] as const) {
    it(what, () => {
      const finding = evaluateRunAs(user, facts(expiry as AccountFacts['expiry']), thresholds, now);
      assert.equal(finding?.status, status);
      if (status) assert.match(finding!.text, /the task cannot log on \(0x8007052E\)/);
    });
  }

  it('a run-as user not found in AD is said, without changing the status', () => {
    assert.deepEqual(evaluateRunAs(user, null, thresholds, now)?.status, 'OK');
  });

  it('LDAP that cannot read userAccountControl says "cannot tell", never "enabled"', () => {
    const evaluation = evaluateExpiry(ACCOUNT, facts(inDays(20), { source: 'adsisearcher', enabled: null, lockedOut: null }), thresholds, now);
    assert.equal(evaluation.status, 'OK');
    assert.match(evaluation.findings[0]!.text, /cannot tell whether it is enabled/);
  });
});
