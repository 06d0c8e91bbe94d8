// A verify report as a file for a change ticket: self-contained HTML (inline CSS, no scripts, no
// external assets, so it renders the same when mailed or archived) or Markdown.
import { formatLocalTime, formatUtcTime } from '../local-time';
import type { ReportCheck, VerifyReport } from './model';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Markdown table cells: pipes and newlines would break the row. */
const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

const STATUS_CLASS: Record<string, string> = { pass: 'pass', warn: 'warn', fail: 'fail', skip: 'skip', OK: 'pass', WARNING: 'warn', CRITICAL: 'fail', UNKNOWN: 'skip' };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.k{width:190px;color:#57606a}code,pre{font:12px/1.4 ui-monospace,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow:auto;white-space:pre-wrap}
.badge{display:inline-block;min-width:44px;text-align:center;font-weight:600;border-radius:4px;padding:1px 6px;color:#fff}
.pass{background:#1a7f37}.warn{background:#9a6700}.fail{background:#cf222e}.skip{background:#6e7781}
.fix{color:#57606a;margin-top:3px}`;

function when(time: Date | number): string {
  return `${formatLocalTime(time)} (${formatUtcTime(time)})`;
}

function badge(status: string): string {
  return `<span class="badge ${STATUS_CLASS[status] ?? 'skip'}">${escapeHtml(status.toUpperCase())}</span>`;
}

function checkRow(check: ReportCheck): string {
  const fix = check.fix ? `<div class="fix">fix: ${escapeHtml(check.fix)}</div>` : '';
  return `<tr><td>${badge(check.status)}</td><td><code>${escapeHtml(check.id)}</code></td><td>${escapeHtml(check.message)}${fix}</td><td>${check.code ? `<code>${escapeHtml(check.code)}</code>` : ''}</td></tr>`;
}

export function renderHtml(report: VerifyReport): string {
  const facts: [string, string][] = [
    ['Result', report.status],
    ['Time', when(report.generatedAt)],
    ['Service account', report.account],
    ['Operator', report.operator],
    ['Exchange server', report.server],
    ['Management Shell', report.connection],
    ['EWS endpoint', report.ewsUrl],
    ['imp version', report.impVersion],
  ];
  const factRows = facts.map(([k, v]) => `<tr><td class="k">${escapeHtml(k)}</td><td>${k === 'Result' ? badge(v) : escapeHtml(v)}</td></tr>`).join('\n');
  const assignments = report.assignments.length
    ? `<table><tr><th>Assignment</th><th>Reaches the account</th><th>Created</th><th>Scope</th></tr>${report.assignments
        .map((a) => `<tr><td>${escapeHtml(a.name)}</td><td>${escapeHtml(a.via)}</td><td>${a.createdAt ? escapeHtml(when(Date.parse(a.createdAt))) : 'unknown'}</td><td>${escapeHtml(a.scope)}</td></tr>`)
        .join('\n')}</table>`
    : '<p>No ApplicationImpersonation assignment reaches the account (or the Management Shell was not asked).</p>';
  const mailboxes = report.mailboxes.length
    ? `<table id="mailboxes"><tr><th>Result</th><th>Mailbox</th><th>EWS code</th></tr>${report.mailboxes
        .map((m) => `<tr><td>${badge(m.status)}</td><td>${escapeHtml(m.address)}</td><td><code>${escapeHtml(m.code)}</code></td></tr>`)
        .join('\n')}</table>`
    : '<p>No mailbox was impersonated.</p>';
  const timeline = report.timeline.length
    ? `<table id="timeline"><tr><th>Time</th><th>Event</th></tr>${report.timeline.map((e) => `<tr><td>${escapeHtml(when(e.at))}</td><td>${escapeHtml(e.what)}</td></tr>`).join('\n')}</table>`
    : '<p>No wait for propagation was needed.</p>';
  const commands = report.commands.length
    ? report.commands.map((c) => `<h3>${escapeHtml(c.title)}</h3><pre>${escapeHtml(c.script)}</pre>`).join('\n')
    : '<p>No PowerShell was run (--no-powershell).</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>imp verify ${escapeHtml(report.account)}: ${escapeHtml(report.status)}</title>
<style>${CSS}</style></head>
<body>
<h1>imp verify: ${escapeHtml(report.account)} ${badge(report.status)}</h1>
<p>Can the booking system's service account impersonate its rooms and bookers through EWS?</p>
<table id="facts">${factRows}</table>
<h2>Checks</h2>
<table id="checks"><tr><th>Status</th><th>Check</th><th>Finding</th><th>Code</th></tr>
${report.checks.map(checkRow).join('\n')}
</table>
<h2>Role assignment and scope</h2>
${assignments}
<h2>Mailboxes impersonated</h2>
${mailboxes}
<h2>Propagation timeline</h2>
${timeline}
<h2>Commands run</h2>
${commands}
</body></html>
`;
}

export function renderMarkdown(report: VerifyReport): string {
  const lines = [
    `# imp verify: ${report.account} — ${report.status}`,
    '',
    '| | |',
    '|---|---|',
    `| Result | **${report.status}** |`,
    `| Time | ${cell(when(report.generatedAt))} |`,
    `| Service account | ${cell(report.account)} |`,
    `| Operator | ${cell(report.operator)} |`,
    `| Exchange server | ${cell(report.server)} |`,
    `| Management Shell | ${cell(report.connection)} |`,
    `| EWS endpoint | ${cell(report.ewsUrl)} |`,
    `| imp version | ${cell(report.impVersion)} |`,
    '',
    '## Checks',
    '',
    '| Status | Check | Finding | Code |',
    '|---|---|---|---|',
    ...report.checks.map((c) => `| ${c.status.toUpperCase()} | \`${c.id}\` | ${cell(c.message)}${c.fix ? `<br>fix: ${cell(c.fix)}` : ''} | ${c.code ? `\`${cell(c.code)}\`` : ''} |`),
    '',
    '## Role assignment and scope',
    '',
    ...(report.assignments.length
      ? ['| Assignment | Reaches the account | Created | Scope |', '|---|---|---|---|', ...report.assignments.map((a) => `| ${cell(a.name)} | ${cell(a.via)} | ${a.createdAt ? cell(when(Date.parse(a.createdAt))) : 'unknown'} | ${cell(a.scope)} |`)]
      : ['No ApplicationImpersonation assignment reaches the account (or the Management Shell was not asked).']),
    '',
    '## Mailboxes impersonated',
    '',
    ...(report.mailboxes.length ? ['| Result | Mailbox | EWS code |', '|---|---|---|', ...report.mailboxes.map((m) => `| ${m.status.toUpperCase()} | ${cell(m.address)} | \`${cell(m.code)}\` |`)] : ['No mailbox was impersonated.']),
    '',
    '## Propagation timeline',
    '',
    ...(report.timeline.length ? ['| Time | Event |', '|---|---|', ...report.timeline.map((e) => `| ${cell(when(e.at))} | ${cell(e.what)} |`)] : ['No wait for propagation was needed.']),
    '',
    '## Commands run',
    '',
    ...(report.commands.length ? report.commands.flatMap((c) => [`### ${c.title}`, '', '```powershell', c.script.trimEnd(), '```', '']) : ['No PowerShell was run (--no-powershell).']),
  ];
  return `${lines.join('\n')}\n`;
}
