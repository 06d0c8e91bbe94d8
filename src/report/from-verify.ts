// Builds the change-ticket report of one `imp verify` run and writes it as .html or .md.
import { writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { extname, resolve } from 'node:path';
import { UsageError } from '../errors';
import { exchangeMode, type ExchangeTarget } from '../exchange/connection';
import type { VerifyResult } from '../exchange/schemas';
import { renderStandalone } from '../powershell/template';
import { impVersion } from '../version';
import type { ReportCheck, ReportEvent, ReportLevel, VerifyReport } from './model';
import { renderHtml, renderMarkdown } from './render';

const FORMATS: Record<string, (report: VerifyReport) => string> = { '.html': renderHtml, '.htm': renderHtml, '.md': renderMarkdown };

/** One probe of the canary while waiting for propagation. */
export interface ProbeRecord {
  at: number;
  attempt: number;
  address: string;
  ok: boolean;
  code?: string;
}

/** What one verify run knew at its end. */
export interface VerifyRun {
  account: string;
  /** Whether the Management Shell was asked. */
  powershell: boolean;
  /** The verify template's input, to print the script as `imp script verify` does. */
  shellParameters: object;
  shellTitle: string;
  exchange?: VerifyResult;
  ewsUrl: string;
  checks: (ReportCheck & { mailboxes?: { address: string; status: 'pass' | 'fail'; code?: string }[] })[];
  status: ReportLevel;
  propagation?: { attempts: number; waitedMs: number; ended: string; timeline?: ProbeRecord[] };
  /** Epoch ms. */
  startedAt: number;
}


/** Checked before verify contacts anything: a report that cannot be written is a usage error, not a lost run. */
export function checkReportFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!FORMATS[extname(file).toLowerCase()]) throw new UsageError(`--report "${file}" must end in .html or .md.`, 'Name the file e.g. --report verify-report.html (self-contained) or --report verify-report.md.');
  return resolve(file);
}

function operator(): string {
  let user = process.env.USERNAME ?? process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's name
  }
  const domain = process.env.USERDOMAIN ? `${process.env.USERDOMAIN}\\` : '';
  return `${domain}${user} on ${hostname()}`;
}

function connection(run: VerifyRun, globals: ExchangeTarget): string {
  if (!run.powershell) return 'not used (--no-powershell): EWS checks only';
  const mode = exchangeMode(globals);
  if (mode === 'remote') return `remote Management Shell session to ${globals.exchangeServer} (Kerberos${globals.exchangeCredential ? `, as ${globals.exchangeCredential}` : ''})`;
  if (mode === 'module') return `module ${globals.exchangeModule}`;
  return 'local Exchange Management Shell (RemoteExchange.ps1, Connect-ExchangeServer -Auto)';
}

const ENDED: Record<string, string> = {
  passed: 'the role reached EWS',
  'other-failure': 'a failure that waiting does not fix ended the wait',
  'window-closed': 'the wait window closed with the role still refused',
  interrupted: 'interrupted',
};

function timeline(run: VerifyRun): ReportEvent[] {
  const events: ReportEvent[] = [];
  for (const a of run.exchange?.assignments ?? []) {
    if (a.enabled && a.whenCreatedUTC) events.push({ at: Date.parse(a.whenCreatedUTC), what: `assignment "${a.name}" created${a.customRecipientWriteScope ? ` (scope ${a.customRecipientWriteScope})` : ''}` });
  }
  events.push({ at: run.startedAt, what: 'imp verify started' });
  const p = run.propagation;
  if (p) {
    for (const probe of p.timeline ?? []) events.push({ at: probe.at, what: `probe ${probe.attempt} of ${probe.address}: ${probe.ok ? 'impersonation works' : (probe.code ?? 'refused')}` });
    const last = p.timeline?.[p.timeline.length - 1]?.at ?? run.startedAt;
    events.push({ at: last, what: `after ${p.attempts} probe(s) in ${Math.round(p.waitedMs / 1000)} s: ${ENDED[p.ended] ?? p.ended}` });
  }
  return events.sort((a, b) => a.at - b.at);
}

export function buildVerifyReport(run: VerifyRun, globals: ExchangeTarget, now = new Date()): VerifyReport {
  const exchange = run.exchange;
  const servers = [...new Set((exchange?.vdirs ?? []).map((v) => v.server))];
  let host = run.ewsUrl;
  try {
    host = new URL(run.ewsUrl).host;
  } catch {
    // keep the text as given
  }
  const scopeFilter = new Map((exchange?.scopes ?? []).map((s) => [s.name, s.filter]));
  const impersonation = run.checks.find((c) => c.id === 'ews.impersonation');
  return {
    status: run.status,
    generatedAt: now,
    impVersion,
    operator: operator(),
    server: servers.length ? servers.join(', ') : (globals.exchangeServer ?? host),
    connection: connection(run, globals),
    ewsUrl: run.ewsUrl,
    account: run.account,
    commands: run.powershell ? [{ title: run.shellTitle, script: renderStandalone('verify', run.shellParameters, run.shellTitle) }] : [],
    assignments: (exchange?.assignments ?? []).map((a) => ({
      name: a.name,
      via: a.assignmentChain ? `through ${a.assignmentChain}` : 'directly',
      createdAt: a.whenCreatedUTC,
      scope: a.customRecipientWriteScope ? `${a.customRecipientWriteScope}: ${scopeFilter.get(a.customRecipientWriteScope) ?? '(filter not read)'}` : 'the whole organisation',
    })),
    checks: run.checks.map((c) => ({ id: c.id, status: c.status, message: c.message, ...(c.fix ? { fix: c.fix } : {}), ...(c.code ? { code: c.code } : {}) })),
    mailboxes: (impersonation?.mailboxes ?? []).map((m) => ({ address: m.address, status: m.status, code: m.code ?? (m.status === 'pass' ? 'NoError' : 'unknown') })),
    timeline: timeline(run),
  };
}

export function writeReport(file: string, report: VerifyReport): void {
  writeFileSync(file, FORMATS[extname(file).toLowerCase()](report), 'utf8');
}
