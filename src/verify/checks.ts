// The checks `imp verify` reports, each with a fixed id, and how their statuses add up.
import { exitCodeOf, type MonitoringStatus } from '../monitoring';

export const CHECK_IDS = ['account.mailbox', 'targets.found', 'rbac.assignment', 'rbac.scope', 'ews.vdir', 'ews.login', 'ews.impersonation'] as const;
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
  /** A second line of detail, e.g. a scope's filter: shown indented under the message. */
  detail?: string;
  mailboxes?: MailboxResult[];
}

export type OverallStatus = MonitoringStatus;

export function overallStatus(checks: Check[], interrupted = false): OverallStatus {
  if (interrupted) return 'UNKNOWN';
  if (checks.some((c) => c.status === 'fail')) return 'CRITICAL';
  if (checks.some((c) => c.status === 'warn')) return 'WARNING';
  return 'OK';
}

export { exitCodeOf };

export const pass = (id: CheckId, message: string, extra: Partial<Check> = {}): Check => ({ id, status: 'pass', message, ...extra });
export const warn = (id: CheckId, message: string, extra: Partial<Check> = {}): Check => ({ id, status: 'warn', message, ...extra });
export const fail = (id: CheckId, message: string, fix: string, extra: Partial<Check> = {}): Check => ({ id, status: 'fail', message, fix, ...extra });
export const skip = (id: CheckId, message: string): Check => ({ id, status: 'skip', message });

export interface RenderOptions {
  /** Terminal width to wrap at; undefined: no wrapping (not a terminal). */
  width?: number;
  /** Colours a status label (PASS/WARN/FAIL, OK/WARNING/CRITICAL). */
  paint?: (level: string, text: string) => string;
  /** Show each check's detail (e.g. a scope filter) in full. */
  verbose?: boolean;
  listLimit?: number;
}

/** Word-wraps `text` to `width` columns, the first line after `first`, the rest indented by `indent`. */
export function wrap(text: string, width: number | undefined, first: string, indent: string): string[] {
  if (!width || width < indent.length + 20) return [first + text];
  const lines: string[] = [];
  let line = first;
  // A word longer than a whole line (a long scope name, a URL) is cut across lines rather than overflow.
  const room = width - indent.length;
  const words = text.split(/ +/).flatMap((w) => (w.length > room ? (w.match(new RegExp(`.{1,${room}}`, 'g')) ?? [w]) : [w]));
  for (const word of words) {
    const start = line === first || line === indent;
    if (!start && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line += (start ? '' : ' ') + word;
  }
  lines.push(line);
  return lines;
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** Human report: one line per check (wrapped to the terminal), failed mailboxes listed (never thousands of passes). */
export function renderReport(checks: Check[], status: OverallStatus, options: RenderOptions = {}): string[] {
  const { width, paint = (_: string, text: string) => text, listLimit = 20 } = options;
  const lines: string[] = [];
  const idWidth = Math.max(...checks.map((c) => c.id.length));
  const indent = ' '.repeat(idWidth + 8);
  for (const check of checks) {
    const head = `${paint(check.status, LABEL[check.status])}  ${check.id.padEnd(idWidth)}  `;
    const wrapped = wrap(check.message, width, `${LABEL[check.status]}  ${check.id.padEnd(idWidth)}  `, indent);
    lines.push(head + wrapped[0].slice(indent.length), ...wrapped.slice(1));
    if (check.detail) for (const detail of check.detail.split('\n')) lines.push(...wrap(detail, width, indent, `${indent}  `));
    const failed = (check.mailboxes ?? []).filter((m) => m.status === 'fail');
    for (const mailbox of failed.slice(0, listLimit)) lines.push(`${indent}${mailbox.address}${mailbox.code ? `  ${mailbox.code}` : ''}`);
    if (failed.length > listLimit) lines.push(`${indent}… and ${failed.length - listLimit} more (--json lists all)`);
    if (check.fix) lines.push(...wrap(check.fix, width, `${indent}fix: `, `${indent}     `));
  }
  lines.push('', `Result: ${paint(status, status)}`);
  return lines;
}
