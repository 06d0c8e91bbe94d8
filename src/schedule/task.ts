// Windows Task Scheduler through imp's PowerShell session (templates/schedule-task.ps1).
import { z } from 'zod';
import { list } from '../exchange/schemas';
import { EVENT_LOG_NAME, EVENT_SOURCE } from '../expiry/event-log';
import type { PowerShellSession } from '../powershell/session';
import { windowsCommandLine, type ExpiryJob } from './job';

export const TASK_PATH = '\\imp\\';

const scheduledTaskSchema = z.object({
  taskName: z.string(),
  taskPath: z.string(),
  state: z.string(),
  description: z.string(),
  actions: list(z.object({ execute: z.string(), arguments: z.string(), workingDirectory: z.string() })),
  triggers: list(z.object({ type: z.string(), startBoundary: z.string(), enabled: z.boolean() })),
  userId: z.string(),
  logonType: z.string(),
  runLevel: z.string(),
  lastRunTime: z.string().nullable(),
  lastTaskResult: z.number().nullable(),
  nextRunTime: z.string().nullable(),
});
export type ScheduledTask = z.infer<typeof scheduledTaskSchema>;

const taskResultSchema = z.object({
  operation: z.enum(['install', 'show', 'remove']),
  existed: z.boolean(),
  eventSource: z.enum(['registered', 'exists', 'unavailable']).nullable(),
  task: scheduledTaskSchema.nullable(),
});
export type TaskResult = z.infer<typeof taskResultSchema>;

export const DESCRIPTION_NOTE = 'Last result = imp exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.';

/** The action as Register-ScheduledTask gets it: node.exe, then imp's script and options as one string. */
export function taskAction(job: ExpiryJob): { execute: string; argument: string; workingDirectory: string } {
  return { execute: job.node, argument: windowsCommandLine([job.script, ...job.args]), workingDirectory: job.workingDirectory };
}

function taskParameters(job: ExpiryJob) {
  return { taskName: job.name, taskPath: TASK_PATH };
}

/** The install template's input, without the password (imp seals it in; a script run by hand asks for it). */
export function taskInstallParameters(job: ExpiryJob, user: string) {
  return {
    operation: 'install',
    ...taskParameters(job),
    ...taskAction(job),
    description: `imp: daily password expiry check of ${job.account}. ${DESCRIPTION_NOTE}`,
    at: job.at.text,
    user,
    eventLogName: EVENT_LOG_NAME,
    eventSource: EVENT_SOURCE,
  };
}

export async function installTask(session: PowerShellSession, job: ExpiryJob, user: string, password: string): Promise<TaskResult> {
  return (await session.runWithSecret('schedule-task', taskInstallParameters(job, user), password, taskResultSchema)).result;
}

export async function showTask(session: PowerShellSession, job: ExpiryJob): Promise<TaskResult> {
  return (await session.run('schedule-task', { operation: 'show', ...taskParameters(job) }, taskResultSchema)).result;
}

export async function removeTask(session: PowerShellSession, job: ExpiryJob): Promise<TaskResult> {
  return (await session.run('schedule-task', { operation: 'remove', ...taskParameters(job) }, taskResultSchema)).result;
}

const RESULT_NAMES: Record<number, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN', 267009: 'running now', 267011: 'has not run yet' };

/** LastTaskResult in words: imp's exit codes, Task Scheduler's own codes in hex. */
export function describeTaskResult(code: number | null): string {
  if (code === null) return 'unknown';
  const name = RESULT_NAMES[code];
  if (code <= 3 && name) return `${code} (${name})`;
  return name ?? `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** "07:00" from a StartBoundary such as 2026-11-27T07:00:00 or 2026-11-27T07:00:00+01:00. */
export function triggerTime(startBoundary: string): string {
  return /T(\d{2}:\d{2})/.exec(startBoundary)?.[1] ?? startBoundary;
}
