// The checks `imp verify` reports, each with a fixed id, and how their statuses add up.
import { ExitCode } from '../errors';

export const CHECK_IDS = ['account.mailbox', 'rbac.assignment', 'rbac.scope', 'ews.vdir', 'ews.login', 'ews.impersonation'] as const;
export type CheckId = (typeof CHECK_IDS)[number];
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface MailboxResult {
  address: string;
  status: 'pass' | 'fail';
  code?: string;
}

export interface Check {
  id: CheckId;
  status: CheckStatus;
  message: string;
  fix?: string;
  code?: string;
  mailboxes?: MailboxResult[];
}

export type OverallStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export function overallStatus(checks: Check[], interrupted = false): OverallStatus {
  if (interrupted) return 'UNKNOWN';
  if (checks.some((c) => c.status === 'fail')) return 'CRITICAL';
  if (checks.some((c) => c.status === 'warn')) return 'WARNING';
  return 'OK';
}

export function exitCodeOf(status: OverallStatus): ExitCode {
  return { OK: ExitCode.OK, WARNING: ExitCode.WARNING, CRITICAL: ExitCode.CRITICAL, UNKNOWN: ExitCode.UNKNOWN }[status];
}

export const pass = (id: CheckId, message: string, extra: Partial<Check> = {}): Check => ({ id, status: 'pass', message, ...extra });
export const warn = (id: CheckId, message: string, extra: Partial<Check> = {}): Check => ({ id, status: 'warn', message, ...extra });
export const fail = (id: CheckId, message: string, fix: string, extra: Partial<Check> = {}): Check => ({ id, status: 'fail', message, fix, ...extra });
export const skip = (id: CheckId, message: string): Check => ({ id, status: 'skip', message });

/** Human report: one line per check, failed mailboxes listed (never thousands of passes). */
export function renderReport(checks: Check[], status: OverallStatus, listLimit = 20): string[] {
  const lines: string[] = [];
  const width = Math.max(...checks.map((c) => c.id.length));
  for (const check of checks) {
    lines.push(`${check.status.toUpperCase().padEnd(4)}  ${check.id.padEnd(width)}  ${check.message}`);
    const failed = (check.mailboxes ?? []).filter((m) => m.status === 'fail');
    for (const mailbox of failed.slice(0, listLimit)) lines.push(`${' '.repeat(width + 8)}${mailbox.address}${mailbox.code ? `  ${mailbox.code}` : ''}`);
    if (failed.length > listLimit) lines.push(`${' '.repeat(width + 8)}… and ${failed.length - listLimit} more (--json lists all)`);
    if (check.fix) lines.push(`${' '.repeat(width + 8)}fix: ${check.fix}`);
  }
  lines.push('', `Result: ${status}`);
  return lines;
}
