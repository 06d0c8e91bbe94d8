// schedule: the daily job ("imp check", or "imp expiry --check-login") and its Task Scheduler registration
// (templates/schedule-task.ps1). imp schedule install and imp script schedule install the same job.
import { Command, Option } from 'commander';
import type { CommandContext } from '../context';
import { checkAccount } from '../exchange/names';
import { currentUser, defaultScheduler, expiryJob, JOB_KINDS, parseTimeOfDay, SCHEDULERS, type ExpiryJob, type JobKind, type Scheduler } from '../schedule/job';
import { taskInstallParameters } from '../schedule/task';
import type { Action } from './action';
import { addCheckOptions } from './check';

export interface ScheduleOptions {
  account?: string;
  scheduler?: Scheduler;
  job?: JobKind;
  at?: string;
  runAs?: string;
  print?: boolean;
  passwordStdin?: boolean;
  node?: string;
  /** false with --no-test. */
  test?: boolean;
}

/** Which job, for which account, on which scheduler: the options of install, show and remove. */
export function addScheduleTargetOptions(command: Command): Command {
  return command
    .option('--account <address>', "the service account's SMTP address")
    .addOption(new Option('--job <kind>', 'what runs every day: check (imp check: the scope, one canary login and the password expiry) or expiry (imp expiry --check-login)').choices(JOB_KINDS).default('check'))
    .addOption(new Option('--scheduler <kind>', 'task (Windows Task Scheduler), systemd (user timer) or cron (default: task on Windows, systemd elsewhere)').choices(SCHEDULERS));
}

/** What to install. */
export function addInstallOptions(command: Command): Command {
  return addScheduleTargetOptions(command)
    .option('--at <HH:mm>', 'time of day, local time', '07:00')
    .option('--run-as <user>', 'Task Scheduler: the Windows user the task runs as, who must own the keychain credential (default: you)')
    .option('--node <path>', 'the Node the job runs with (default: the one running imp now; never an npx, fnm or nvm folder)')
    .argument('[job-options...]', 'more options of the job ("imp check" or "imp expiry"), after "--", e.g. -- --rooms --warn-days 21');
}

/** The job the options describe; `extra` are the job's own options (after "--"), checked as the job will parse them. */
export function scheduledJob(context: CommandContext, options: ScheduleOptions, extra: string[] = []): { scheduler: Scheduler; job: ExpiryJob } {
  const account = checkAccount(context.setting('account', options.account));
  const scheduler = options.scheduler ?? defaultScheduler();
  const kind = options.job ?? 'check';
  const job = expiryJob({
    kind,
    ...(kind === 'check' ? { command: addCheckOptions(new Command('check')) } : {}),
    account,
    at: parseTimeOfDay(options.at ?? '07:00'),
    scheduler,
    globals: context.globals,
    config: context.config,
    extra,
    ...(options.node ? { node: options.node } : {}),
  });
  return { scheduler, job };
}

export const scheduleAction: Action<ScheduleOptions> = {
  template: 'schedule-task',
  addOptions: addInstallOptions,
  parameters: (context: CommandContext, options: ScheduleOptions, extra: string[] = []) => taskInstallParameters(scheduledJob(context, { ...options, scheduler: 'task' }, extra).job, options.runAs ?? currentUser()),
};
