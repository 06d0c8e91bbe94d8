// How a verify verdict is shown: the --json document, one line per check for the admin, and with
// --report the evidence for a change ticket.
import { formatDuration } from '../duration';
import type { GlobalOptions } from '../global-options';
import type { Output } from '../output';
import { renderReport } from './checks';
import type { Evidence } from './evidence';
import type { Verdict } from './judge';
import type { VerifySettings } from './settings';

/** The --json document (its shape is part of imp's interface: see the README). */
export function verifyDocument(account: string, evidence: Evidence, verdict: Verdict) {
  const { propagation, timings } = evidence;
  return {
    status: verdict.status,
    account,
    ewsUrl: evidence.url,
    checks: verdict.checks,
    ...(propagation ? { propagation: { attempts: propagation.attempts, waitedMs: propagation.waitedMs } } : {}),
    timings,
  };
}

export function printVerdict(output: Output, account: string, evidence: Evidence, verdict: Verdict): void {
  output.endProgress();
  output.document(verifyDocument(account, evidence, verdict));
  output.debug(`timings: Management Shell ${formatDuration(evidence.timings.powershellMs)}, EWS ${formatDuration(evidence.timings.ewsMs)}`);
  const options = { width: output.columns, paint: (level: string, text: string) => output.paintLevel(level, text), verbose: output.verbose };
  for (const line of renderReport(verdict.checks, verdict.status, options)) output.line(line);
  if (output.quiet) output.summary(verdict.status, headline(verdict));
  if (verdict.interrupted) output.warn('interrupted: the report shows what was checked so far.');
}

/**
 * --quiet's one line (a Nagios plugin's status text): the check behind the status and its fix. Bad input
 * (targets.found) leads an UNKNOWN; a failing check leads a CRITICAL.
 */
export function headline(verdict: Verdict): string {
  const { checks, status } = verdict;
  const failed = checks.filter((c) => c.status === 'fail');
  const lead =
    (status === 'UNKNOWN' ? failed.find((c) => c.id === 'targets.found') : undefined) ??
    failed.find((c) => c.id !== 'targets.found') ?? failed[0] ?? checks.find((c) => c.status === 'warn');
  const interrupted = verdict.interrupted ? 'interrupted; ' : '';
  if (!lead) return `${interrupted}all ${checks.filter((c) => c.status === 'pass').length} checks pass`;
  const more = failed.length > 1 ? ` (+${failed.length - 1} more failing)` : '';
  return `${interrupted}${lead.id}: ${lead.message}${more}${lead.fix ? ` Fix: ${lead.fix}` : ''}`.replace(/\s*\n\s*/g, ' ');
}

/** --report: the evidence of this run for a change ticket. */
export async function writeVerifyReport(output: Output, globals: GlobalOptions, file: string, settings: VerifySettings, evidence: Evidence, verdict: Verdict): Promise<void> {
  const { buildVerifyReport, writeReport } = await import('../report/from-verify');
  const { propagation } = evidence;
  const report = buildVerifyReport({
    account: settings.account,
    powershell: evidence.exchange !== undefined,
    shellParameters: { account: settings.account, mailboxes: settings.mailboxes, rooms: settings.rooms, groups: settings.groups },
    shellTitle: 'imp verify, Management Shell checks (changes nothing)',
    exchange: evidence.exchange,
    ewsUrl: evidence.url,
    checks: verdict.checks,
    status: verdict.status,
    propagation: propagation && { attempts: propagation.attempts, waitedMs: propagation.waitedMs, ended: propagation.ended, timeline: propagation.timeline },
    startedAt: evidence.startedAt,
  }, globals);
  writeReport(file, report);
  output.line(`Report written to ${file}.`);
}
