// From what AD (or EWS) says about the service account to a monitoring status, Nagios-style:
// OK, WARNING (expires within --warn-days), CRITICAL (within --critical-days, expired, must change,
// disabled, locked out) or UNKNOWN (cannot tell). Pure functions: the time comes in as `now`.
import { worst, type MonitoringStatus } from '../monitoring';
import type { PasswordExpiry } from './filetime';

export type ExpiryStatus = MonitoringStatus;
export type ExpirySource = 'Get-ADUser' | 'adsisearcher' | 'ews';

export interface Thresholds {
  warnDays: number;
  criticalDays: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnDays: 14, criticalDays: 3 };

export interface AccountFacts {
  source: ExpirySource;
  /** How to name the account to AD cmdlets in a fix (sAMAccountName when known). */
  identity: string;
  /** null: the source cannot tell (EWS says nothing about it). */
  enabled: boolean | null;
  lockedOut: boolean | null;
  /** ISO time; null when it is 0 (must change) or unknown. */
  passwordLastSet: string | null;
  expiry: PasswordExpiry;
}

/** One thing worth saying about the account, as a phrase of the one-line summary. */
export interface Finding {
  status: ExpiryStatus;
  text: string;
  fix?: string;
}

export interface ExpiryEvaluation {
  status: ExpiryStatus;
  expiresAt: string | null;
  /** Whole days from today to the expiry day, both taken in UTC; negative once expired. */
  daysLeft: number | null;
  neverExpires: boolean;
  mustChange: boolean;
  findings: Finding[];
}

const DAY_MS = 86_400_000;

/**
 * Calendar days between two instants, counted on UTC dates. Local time is never involved, so a
 * daylight-saving change between now and the expiry cannot shift the count or make it negative early.
 */
export function daysBetween(now: Date, expiresAt: Date): number {
  const utcDay = (d: Date): number => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) / DAY_MS;
  return utcDay(expiresAt) - utcDay(now);
}

export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function renewalFix(account: string, identity: string): string {
  return (
    `Set a new password in AD (Set-ADAccountPassword -Identity ${identity} -Reset), then put it in the booking system and in imp ` +
    `(imp credentials set --account ${account}). The service account's password should never expire: ` +
    `Set-ADUser -Identity ${identity} -PasswordNeverExpires $true, where policy allows.`
  );
}

export function evaluateExpiry(account: string, facts: AccountFacts, thresholds: Thresholds, now: Date): ExpiryEvaluation {
  const findings: Finding[] = [];
  if (facts.enabled === null && facts.source !== 'ews') findings.push({ status: 'OK', text: 'cannot tell whether it is enabled (userAccountControl not readable)' });
  if (facts.enabled === false) {
    findings.push({ status: 'CRITICAL', text: 'account is disabled in Active Directory', fix: `Enable it: Enable-ADAccount -Identity ${facts.identity}.` });
  }
  if (facts.lockedOut === true) {
    findings.push({
      status: 'CRITICAL',
      text: 'account is locked out',
      fix: `Unlock it (Unlock-ADAccount -Identity ${facts.identity}) and find what keeps trying an old password (the booking system, a scheduled imp check).`,
    });
  }

  const evaluation: ExpiryEvaluation = { status: 'OK', expiresAt: null, daysLeft: null, neverExpires: false, mustChange: false, findings };
  const { expiry } = facts;
  switch (expiry.kind) {
    case 'never':
      evaluation.neverExpires = true;
      findings.push({ status: 'OK', text: 'password never expires' });
      break;
    case 'must-change':
      evaluation.mustChange = true;
      findings.push({
        status: 'CRITICAL',
        text: 'password must be changed at next logon (pwdLastSet is 0): the booking system cannot log on',
        fix: renewalFix(account, facts.identity),
      });
      break;
    case 'unknown':
      findings.push({ status: 'UNKNOWN', text: `cannot tell when the password expires: ${expiry.reason}` });
      break;
    case 'date': {
      const days = daysBetween(now, expiry.at);
      evaluation.expiresAt = expiry.at.toISOString();
      evaluation.daysLeft = days;
      const day = utcDate(expiry.at);
      if (expiry.at.getTime() <= now.getTime()) {
        findings.push({
          status: 'CRITICAL',
          text: days === 0 ? `password expired today (${day})` : `password expired ${plural(-days, 'day')} ago (${day})`,
          fix: renewalFix(account, facts.identity),
        });
      } else {
        const status: ExpiryStatus = days <= thresholds.criticalDays ? 'CRITICAL' : days <= thresholds.warnDays ? 'WARNING' : 'OK';
        findings.push({
          status,
          text: days === 0 ? `password expires today (${day})` : `password expires in ${plural(days, 'day')} (${day})`,
          ...(status === 'OK' ? {} : { fix: renewalFix(account, facts.identity) }),
        });
      }
      break;
    }
  }
  evaluation.status = worst(...findings.map((f) => f.status));
  return evaluation;
}

/**
 * The Windows user a scheduled task runs as: once its own password changes or expires, Task Scheduler cannot
 * log it on (0x8007052E) and the check stops without a trace. Warn ahead of time; never worse than WARNING,
 * since this run itself did log on.
 */
export function evaluateRunAs(user: string, facts: AccountFacts | null, thresholds: Thresholds, now: Date): Finding | undefined {
  const fix = `Before it changes, plan to re-run "imp schedule install" with the new password (or run the task as a group Managed Service Account).`;
  if (!facts) return { status: 'OK', text: `the task's own user ${user} was not found in AD, so its password expiry is not watched` };
  const { expiry } = facts;
  if (expiry.kind !== 'date') return undefined;
  const days = daysBetween(now, expiry.at);
  if (days > thresholds.warnDays) return undefined;
  const when = days <= 0 ? 'has expired' : `expires in ${plural(days, 'day')} (${utcDate(expiry.at)})`;
  return {
    status: 'WARNING',
    text: `the password of ${user}, the user this check runs as, ${when}: after it changes the task cannot log on (0x8007052E) and stops running`,
    fix,
  };
}

/** The Nagios plugin line: "OK - svc-booking@contoso.com password expires in 20 days (2026-12-17)". */
export function summaryLine(status: ExpiryStatus, account: string, findings: Finding[]): string {
  return `${status} - ${account} ${findings.map((f) => f.text).join('; ')}`;
}
