// imp status: who holds ApplicationImpersonation, through what, over which mailboxes, and since when.
// Read-only and needs no service account password: the guide's Get-ManagementRoleAssignment step,
// and a security audit of a right that reads every mailbox.
import { Command } from 'commander';
import { ExitCode } from '../errors';
import { exitCodeOf } from '../monitoring';
import { formatDuration } from '../duration';
import { formatLocalTime } from '../local-time';
import type { Output } from '../output';
import type { StatusEvidence } from '../status/evidence';
import { judgeStatus, type AssignmentStatus, type StatusVerdict } from '../status/judge';
import { statusAction, type StatusOptions } from '../actions/status';
import { act, CommandContext } from '../context';

export function statusCommand(): Command {
  return statusAction.addOptions(new Command('status')).action(
    act(async (options: StatusOptions, command: Command) => {
      const context = CommandContext.of(command);
      const parameters = statusAction.parameters(context, options);
      const { statusEvidenceSchema } = await import('../status/evidence'); // zod: loaded only when needed
      const { result } = await context.exchange().run(statusAction.template, parameters, statusEvidenceSchema);
      const verdict = judgeStatus(result, Date.now());
      return report(context.output, result, verdict);
    }),
  );
}


function report(output: Output, evidence: StatusEvidence, verdict: StatusVerdict): ExitCode {
  const alias = evidence.account && !evidence.account.isPrimary ? evidence.account : undefined;
  output.document({
    ...verdict,
    ...(alias ? { requestedAccount: alias.emailAddresses.find((a) => !a.startsWith('SMTP:'))?.replace(/^smtp:/i, '') ?? null } : {}),
  });
  if (alias) output.line(`${alias.primarySmtpAddress} is the primary SMTP address of ${alias.name}'s mailbox; the address given is an alias. Configure the booking system with the primary address.`);
  for (const line of renderStatus(verdict, output.verbose)) output.line(line);
  output.summary(verdict.status, verdict.summary);
  return exitCodeOf(verdict.status);
}

function scopeText(a: AssignmentStatus, verbose: boolean): string {
  if (a.scope.kind === 'organization') return 'the whole organisation';
  if (a.scope.kind === 'ou') return `OU ${a.scope.root}`;
  const root = a.scope.root ? `, under ${a.scope.root}` : '';
  return verbose ? `scope "${a.scope.name}" (${a.scope.filter}${root})` : `scope "${a.scope.name}"`;
}

function stateText(a: AssignmentStatus): string {
  switch (a.state) {
    case 'delegating':
      return `delegating (${a.delegationType}): lets its holders hand the role out, gives no access itself`;
    case 'disabled':
      return 'disabled';
    case 'effective':
      return 'enabled, past Exchange\'s 30 minutes: in effect';
    case 'propagating':
      return a.effectiveAt ? `enabled, younger than 30 minutes: in effect by ${formatLocalTime(Date.parse(a.effectiveAt))}` : 'enabled, creation time unknown';
  }
}

export function renderStatus(verdict: StatusVerdict, verbose: boolean): string[] {
  const lines: string[] = [];
  if (!verdict.assignments.length) lines.push(verdict.account ? `No ApplicationImpersonation assignment reaches ${verdict.account}.` : 'No ApplicationImpersonation assignment exists.');
  for (const a of verdict.assignments) {
    lines.push(`${a.name}`);
    lines.push(`  assigned to   ${a.assignee} (${a.assigneeType})`);
    if (a.delegationType === 'Regular') {
      const users = a.effectiveUsers.map((u) => (u.assignmentChain ? `${u.name} (via ${u.assignmentChain})` : u.name));
      lines.push(`  effective for ${users.length ? users.join(', ') : 'nobody (the group has no members)'}`);
      lines.push(`  over          ${scopeText(a, verbose)}`);
      if (!verbose && a.scope.kind === 'custom') lines.push(`                filter: ${a.scope.filter}${a.scope.root ? `; root: ${a.scope.root}` : ''}`);
    }
    lines.push(`  created       ${a.createdAt ? `${formatLocalTime(Date.parse(a.createdAt))} (${a.ageMs === null ? '?' : formatAge(a.ageMs)} ago)` : 'unknown'}`);
    lines.push(`  state         ${stateText(a)}`);
    for (const finding of a.findings) lines.push(`  AUDIT         ${finding}`);
  }
  return lines;
}

function formatAge(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  if (days >= 2) return `${days} days`;
  const hours = Math.floor(ms / 3_600_000);
  if (hours >= 2) return `${hours} hours`;
  return formatDuration(Math.round(ms / 1000) * 1000);
}
