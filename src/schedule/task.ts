// Windows Task Scheduler through imp's PowerShell session (templates/schedule-task.ps1).
import type { z } from 'zod';
import { EVENT_LOG_NAME, EVENT_SOURCE } from '../expiry/event-log';
import type { PowerShellSession } from '../powershell/session';
import { ExitCode } from '../errors';
import { windowsCommandLine, type ExpiryJob } from './job';

export const TASK_PATH = '\\imp\\';

/** Built when Task Scheduler is asked: printing the task, its script or --help needs no zod. */
async function taskResultSchema() {
  const { z } = await import('zod');
  const { list } = await import('../exchange/schemas');
  const scheduledTask = z.object({
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
  return z.object({
    operation: z.enum(['install', 'show', 'run', 'remove']),
    existed: z.boolean(),
    eventSource: z.enum(['registered', 'exists']).nullable(),
    /** install changed nothing: not-elevated (an administrator must install), unknown-user (no such run-as account). */
    refused: z.enum(['not-elevated', 'unknown-user']).nullable(),
    userSid: z.string().nullable(),
    task: scheduledTask.nullable(),
  });
}
export type TaskResult = z.infer<Awaited<ReturnType<typeof taskResultSchema>>>;
export type ScheduledTask = NonNullable<TaskResult['task']>;

export const DESCRIPTION_NOTE = 'Last result = imp exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.';

/** The task's exec action: node.exe, then imp's script and options as one Windows command line. */
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
    description: `imp: daily ${job.kind} of ${job.account}. ${DESCRIPTION_NOTE}`,
    startBoundary: job.startBoundary,
    user,
    eventLogName: EVENT_LOG_NAME,
    eventSource: EVENT_SOURCE,
  };
}

export async function installTask(session: PowerShellSession, job: ExpiryJob, user: string, password: string): Promise<TaskResult> {
  return (await session.runWithSecret('schedule-task', taskInstallParameters(job, user), password, await taskResultSchema())).result;
}

export async function showTask(session: PowerShellSession, job: ExpiryJob): Promise<TaskResult> {
  return (await session.run('schedule-task', { operation: 'show', ...taskParameters(job) }, await taskResultSchema())).result;
}

/** Starts the task through Task Scheduler and waits for it to end, so the logon is tested too. */
export async function runTask(session: PowerShellSession, job: ExpiryJob, waitSeconds: number): Promise<TaskResult> {
  return (await session.run('schedule-task', { operation: 'run', ...taskParameters(job), waitSeconds }, await taskResultSchema())).result;
}

export async function removeTask(session: PowerShellSession, job: ExpiryJob): Promise<TaskResult> {
  return (await session.run('schedule-task', { operation: 'remove', ...taskParameters(job) }, await taskResultSchema())).result;
}

/**
 * LastTaskResult in words. 0-3 are imp's own exit codes; the rest are Task Scheduler's SCHED_S_* codes and the
 * Win32 errors (as HRESULT 0x8007xxxx) a task meets before imp even starts.
 */
const RESULT_WORDS: Record<number, string> = {
  0: 'OK',
  1: 'WARNING',
  2: 'CRITICAL',
  3: 'UNKNOWN',
  0x41300: 'ready, not run since registration',
  0x41301: 'running now',
  0x41303: 'has not run yet',
  0x41306: 'terminated (it ran longer than its 30-minute limit, or was stopped)',
  0x41325: 'queued: an earlier run is still going',
  0x8004131f: 'not started: an instance is already running',
  0x800710e0: 'refused by Task Scheduler (the operator or administrator has refused the request: the task or its conditions prevented the start)',
  0x8007052e: 'logon failure: the stored password of the run-as user is wrong, most likely because it changed; re-run "imp schedule install"',
  0x80070532: "logon failure: the run-as user's password has expired; set a new one, then re-run \"imp schedule install\"",
  0x80070533: 'logon failure: the run-as user is disabled',
  0x80070569: "logon failure: the run-as user lacks the right \"Log on as a batch job\" on this computer",
  0x80070775: 'logon failure: the run-as user is locked out',
  0x80070002: 'the program was not found (node or imp moved: re-run "imp schedule install")',
  0x8007010b: 'the working directory does not exist (re-run "imp schedule install")',
};

export const TASK_HAS_NOT_RUN = 0x41303;

/** The code as Task Scheduler shows it: decimal for imp's 0-3, 0xXXXXXXXX for the rest (COM gives HRESULTs as signed). */
export function taskResultCode(code: number): string {
  const unsigned = code >>> 0;
  return unsigned <= 3 ? String(unsigned) : `0x${unsigned.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function describeTaskResult(code: number | null): string {
  if (code === null) return 'unknown';
  const words = RESULT_WORDS[code >>> 0];
  return words ? `${taskResultCode(code)} (${words})` : `${taskResultCode(code)} (not an imp exit code: see the task's history)`;
}

/** Exit status of `imp schedule show`, so monitoring can watch the watcher: it must have run, and its last run worked. */
export function watcherStatus(lastResult: number | null): ExitCode {
  if (lastResult === null) return ExitCode.UNKNOWN;
  const code = lastResult >>> 0;
  if (code <= 3) return code as ExitCode;
  if (code === TASK_HAS_NOT_RUN || code === 0x41300 || code === 0x41301 || code === 0x41325) return ExitCode.WARNING;
  return ExitCode.CRITICAL;
}

/** An offset in a StartBoundary ("…T07:00:00+01:00", "…Z") pins the run to UTC: it moves an hour with daylight saving. */
export function boundaryOffset(startBoundary: string): string | null {
  return /(Z|[+-]\d{2}:\d{2})$/.exec(startBoundary)?.[1] ?? null;
}
