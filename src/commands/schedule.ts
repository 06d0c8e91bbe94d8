// imp schedule install|show|remove: run "imp check" (or "imp expiry --check-login") every day, with the same Node and imp script.
// Windows: a Task Scheduler task (through the PowerShell session); elsewhere: a systemd user timer, or a
// crontab line to paste. --scheduler picks one explicitly.
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import type { ReadStream } from 'node:tty';
import { ExitCode, UsageError, errorMessage } from '../errors';
import type { Output } from '../output';
import { cronLine } from '../schedule/cron';
import { currentUser, removeJobFolder, sameUser, writeJobFolder, windowsCommandLine, type ExpiryJob, type Scheduler } from '../schedule/job';
import { installSystemd, removeSystemd, showSystemd, systemdUnits, systemdWatcherStatus } from '../schedule/systemd';
import {
  boundaryOffset,
  describeTaskResult,
  installTask,
  removeTask,
  runTask,
  showTask,
  TASK_PATH,
  taskAction,
  watcherStatus,
  type ScheduledTask,
} from '../schedule/task';
import { addInstallOptions, addScheduleTargetOptions, scheduledJob, type ScheduleOptions } from '../actions/schedule';
import { act, CommandContext } from '../context';

const WHY_PASSWORD =
  'The task runs as {user} with logon type Password. imp reads the service account password from Windows Credential Manager, ' +
  'which is per user and protected by DPAPI: only a task that logs on as the user who stored it can read it (an S4U task cannot). ' +
  "For that logon Task Scheduler needs {user}'s Windows password; it goes to Task Scheduler only, and imp keeps no copy.";

interface Target {
  context: CommandContext;
  scheduler: Scheduler;
  job: ExpiryJob;
}

function target(command: Command, options: ScheduleOptions, extra: string[] = []): Target {
  const context = CommandContext.of(command);
  return { context, ...scheduledJob(context, options, extra) };
}

export function scheduleCommand(): Command {
  const schedule = new Command('schedule');
  schedule.addCommand(
    addInstallOptions(new Command('install'))
      .description('install (or replace) the daily "imp check" run (--job expiry: "imp expiry --check-login"); the job\'s own options go after "--"')
      .option('--password-stdin', "Task Scheduler: read the run-as user's Windows password from stdin instead of asking")
      .option('--print', 'show what would be installed, install nothing')
      .option('--no-test', 'do not run the job once after installing it')
      .action(act(async (extra: string[], options: ScheduleOptions, command: Command) => install(target(command, options, extra), options))),
  );
  schedule.addCommand(
    addScheduleTargetOptions(new Command('show'))
      .description('show the installed daily check, its last run and its last result')
      .action(act(async (options: ScheduleOptions, command: Command) => show(target(command, options)))),
  );
  schedule.addCommand(
    addScheduleTargetOptions(new Command('remove'))
      .description('remove the daily check')
      .action(act(async (options: ScheduleOptions, command: Command) => remove(target(command, options)))),
  );
  return schedule;
}

async function install({ context, scheduler, job }: Target, options: ScheduleOptions): Promise<ExitCode> {
  const { output } = context;
  const runAs = options.runAs ?? currentUser();
  if (scheduler !== 'task' && (options.runAs || options.passwordStdin)) {
    throw new UsageError('--run-as and --password-stdin are for --scheduler task.', `A ${scheduler} job runs as the user who installs it: run "imp schedule install" as that user.`);
  }
  if (/[\u0000-\u001f\u007f%]/.test(runAs)) throw new UsageError(`--run-as ${JSON.stringify(runAs)} contains a control character or "%".`, 'Pass the user as DOMAIN\\user or user@domain.');
  if (options.print) return printPlan(output, scheduler, job, runAs);

  await warnWithoutCredential(output, job.account, scheduler === 'task' ? runAs : currentUser());
  writeJobFolder(job);
  output.line(`Wrote the job's configuration to ${job.configFile}.`);
  if (scheduler === 'cron') {
    printPlan(output, scheduler, job, runAs);
    return options.test === false ? ExitCode.OK : testDirectly(output, job);
  }
  if (scheduler === 'systemd') {
    const installed = installSystemd(job);
    output.document({ scheduler, operation: 'install', name: job.name, ...installed });
    output.line(`Wrote ${installed.files.join(' and ')}${installed.verified === null ? '' : ' (systemd-analyze verify: no problems)'}.`);
    if (installed.enabled) {
      output.line(`Enabled ${job.name}.timer: "imp ${job.kind}" for ${job.account} runs daily at ${job.at.text}; its status line goes to the journal (journalctl --user -u ${job.name}).`);
    } else {
      output.warn(`systemctl --user is not available here (${installed.reason}); the timer is not active yet.`);
      output.line(`In a login session of this user, run:\n  ${installed.commands.join('\n  ')}`);
      output.line('For runs without a login session: loginctl enable-linger <user> (the keyring must then be unlocked for imp to read the password).');
    }
    return options.test === false ? ExitCode.OK : testDirectly(output, job);
  }

  const password = await taskUserPassword(output, runAs, Boolean(options.passwordStdin));
  const session = context.exchange();
  const result = await installTask(session, job, runAs, password);
  if (result.refused === 'not-elevated') {
    throw new UsageError(
      'Installing the daily check needs an elevated console: it registers the event source "imp" and a task that runs as another logon. Nothing was changed.',
      'Open PowerShell or the Command Prompt with "Run as administrator", then run "imp schedule install" again.',
    );
  }
  if (result.refused === 'unknown-user') {
    throw new UsageError(`--run-as ${runAs}: no such Windows account. Nothing was changed.`, 'Pass the user as DOMAIN\\user (the user who ran "imp credentials set").');
  }
  output.document({ scheduler, ...result });
  const task = result.task!;
  output.line(`${result.existed ? 'Replaced' : 'Registered'} task ${task.taskPath}${task.taskName}: daily at ${job.at.text} local time, as ${task.userId} (logon type ${task.logonType}).`);
  output.line(`  runs: ${quoteExecutable(task.actions[0]?.execute ?? job.node)} ${task.actions[0]?.arguments ?? ''}`);
  if (result.eventSource === 'registered') output.line('Registered the event source "imp" in the Application log.');
  output.line(`Results: Application log, source "imp" (event 1000 OK, 1001 WARNING, 1002 CRITICAL, 1003 UNKNOWN); "imp schedule show --account ${job.account}" shows the last run.`);
  if (options.test === false) return ExitCode.OK;
  output.line('Test run through Task Scheduler (it proves the logon too)…');
  const ran = await runTask(session, job, 120);
  const code = ran.task ? ran.task.lastTaskResult : null;
  output.line(`  result: ${describeTaskResult(code)}`);
  if (code !== 0) output.warn(`the test run did not end OK: the daily check will fail the same way. Its event (Application log, source "imp") says why; see "Running the daily check on Windows" in the README.`);
  return watcherStatus(code);
}

/** Runs the job's exact command, in its folder, once: what the scheduler will run tomorrow. */
function testDirectly(output: Output, job: ExpiryJob): ExitCode {
  output.line('Test run of the job…');
  const run = spawnSync(job.node, [job.script, ...job.args], { cwd: job.workingDirectory, encoding: 'utf8', timeout: 10 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = `${run.stdout ?? ''}`.trim().split('\n')[0] || `${run.stderr ?? ''}`.trim().split('\n')[0] || '(no output)';
  const code = run.status === null ? ExitCode.UNKNOWN : (Math.min(run.status, 3) as ExitCode);
  output.line(`  result: exit ${run.status ?? run.signal}: ${line}`);
  if (code !== ExitCode.OK) output.warn('the test run did not end OK: the daily run will end the same way until that is fixed.');
  return code;
}

async function show({ context, scheduler, job }: Target): Promise<ExitCode> {
  const { output } = context;
  if (scheduler === 'cron') {
    output.document({ scheduler, operation: 'show', name: job.name, line: cronLine(job) });
    output.line(`imp does not edit crontabs: look for "${job.name}" in "crontab -l". The line imp would add:\n${cronLine(job)}`);
    return ExitCode.OK;
  }
  if (scheduler === 'systemd') {
    const shown = showSystemd(job);
    output.document({ scheduler, operation: 'show', name: job.name, ...shown });
    if (!shown.installed) return notInstalled(output, job, `${shown.dir}/${job.name}.timer`);
    output.line(`${job.name}.timer (${shown.dir}): ${shown.onCalendar ?? '?'}`);
    output.line(`  runs: ${shown.execStart ?? '?'}`);
    const p = shown.properties;
    if (p) {
      output.line(`  timer: ${p.ActiveState ?? '?'}; last run ${p.LastTriggerUSec || 'never'}; next ${p.NextElapseUSecRealtime || '?'}`);
      output.line(`  last result: ${p.Result ?? '?'} (exit status ${p.ExecMainStatus ?? '?'}: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)`);
    } else {
      output.line('  (systemctl --user is not available here: no run information)');
    }
    return systemdWatcherStatus(p);
  }
  const result = await showTask(context.exchange(), job);
  output.document({ scheduler, ...result });
  if (!result.task) return notInstalled(output, job, `${TASK_PATH}${job.name}`);
  printTask(output, result.task);
  return result.task.state === 'Disabled' ? ExitCode.CRITICAL : watcherStatus(result.task.lastTaskResult);
}

async function remove({ context, scheduler, job }: Target): Promise<ExitCode> {
  const { output } = context;
  if (scheduler === 'cron') {
    output.document({ scheduler, operation: 'remove', name: job.name });
    removeJobFolder(job);
    output.line(`imp does not edit crontabs: remove the "${job.name}" line with "crontab -e".`);
    return ExitCode.OK;
  }
  if (scheduler === 'systemd') {
    const removed = removeSystemd(job);
    removeJobFolder(job);
    output.document({ scheduler, operation: 'remove', name: job.name, ...removed });
    output.line(removed.removed.length ? `Removed ${removed.removed.join(' and ')}${removed.disabled ? ' (timer stopped)' : ''}.` : `No ${job.name} timer is installed; nothing to remove.`);
    return ExitCode.OK;
  }
  const result = await removeTask(context.exchange(), job);
  removeJobFolder(job);
  output.document({ scheduler, ...result });
  output.line(result.existed ? `Removed task ${TASK_PATH}${job.name}.` : `No task ${TASK_PATH}${job.name} exists; nothing to remove.`);
  return ExitCode.OK;
}

function notInstalled(output: Output, job: ExpiryJob, where: string): ExitCode {
  output.line(`No daily expiry check is installed for ${job.account} (${where}).`);
  output.line(`  Install one with: imp schedule install --account ${job.account}`);
  return ExitCode.CRITICAL;
}

/** A local clock time of an ISO instant, as the admin's machine shows it. */
function localTime(iso: string): string {
  const t = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

function printTask(output: Output, task: ScheduledTask): void {
  const trigger = task.triggers[0];
  const action = task.actions[0];
  output.line(`Task ${task.taskPath}${task.taskName} (${task.state})`);
  // NextRunTime is what Task Scheduler will really do; the StartBoundary text may carry an offset that DST shifts.
  const next = task.nextRunTime ? `${trigger?.type.toLowerCase() ?? 'runs'} at ${localTime(task.nextRunTime).slice(11)}` : 'no next run';
  output.line(`  when     : ${next}${trigger && !trigger.enabled ? ' (trigger disabled)' : ''}`);
  const offset = trigger ? boundaryOffset(trigger.startBoundary) : null;
  if (offset) output.warn(`the trigger's start (${trigger!.startBoundary}) carries a UTC offset: it moves by an hour with daylight saving. Re-run "imp schedule install" to store local time.`);
  output.line(`  runs as  : ${task.userId} (logon type ${task.logonType})`);
  if (action) output.line(`  command  : ${quoteExecutable(action.execute)} ${action.arguments}`);
  output.line(`  last run : ${task.lastRunTime ? localTime(task.lastRunTime) : 'never'}, result ${describeTaskResult(task.lastTaskResult)}`);
  output.line(`  next run : ${task.nextRunTime ? localTime(task.nextRunTime) : 'not scheduled'}`);
}

function quoteExecutable(path: string): string {
  return windowsCommandLine([path]);
}

function printPlan(output: Output, scheduler: Scheduler, job: ExpiryJob, runAs: string): ExitCode {
  if (scheduler === 'cron') {
    const line = cronLine(job);
    output.document({ scheduler, operation: 'print', name: job.name, line, configFile: job.configFile, config: job.config });
    output.line(line);
    if (!output.json) output.note('Add it with "crontab -e". The keyring must be unlocked when it runs (a logged-in session, or pam_gnome_keyring) for imp to read the password.');
    return ExitCode.OK;
  }
  if (scheduler === 'systemd') {
    const units = systemdUnits(job);
    output.document({ scheduler, operation: 'print', name: job.name, ...units, configFile: job.configFile, config: job.config });
    output.line(`# ${units.serviceName}\n${units.service}\n# ${units.timerName}\n${units.timer}`);
    return ExitCode.OK;
  }
  const action = taskAction(job);
  output.document({ scheduler, operation: 'print', taskName: job.name, taskPath: TASK_PATH, at: job.at.text, startBoundary: job.startBoundary, user: runAs, logonType: 'Password', ...action, config: job.config });
  output.line(`Task ${TASK_PATH}${job.name}: daily at ${job.at.text}, as ${runAs} (logon type Password)`);
  output.line(`  start    : ${job.startBoundary} (local time, no UTC offset: stays at ${job.at.text} across daylight saving)`);
  output.line(`  execute  : ${action.execute}`);
  output.line(`  argument : ${action.argument}`);
  output.line(`  in       : ${action.workingDirectory}`);
  output.line(`  config   : ${job.configFile} ${JSON.stringify(job.config)}`);
  return ExitCode.OK;
}

/** The run-as user's Windows password: --password-stdin, else a hidden prompt on a terminal. */
async function taskUserPassword(output: Output, user: string, fromStdin: boolean): Promise<string> {
  const why = WHY_PASSWORD.replace(/\{user\}/g, user);
  if (fromStdin) {
    output.debug(why);
    const { readPasswordFromStdin } = await import('../credentials/password');
    return readPasswordFromStdin();
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(`Registering the task needs the Windows password of ${user}. ${why}`, 'Run it in a terminal to be asked, or pipe the password in with --password-stdin.');
  }
  output.note(why);
  const { askHidden } = await import('../credentials/prompt');
  const password = await askHidden(`Windows password of ${user} (not shown): `, { input: process.stdin as ReadStream, output: process.stderr });
  if (!password) throw new UsageError('The password is empty; no task was registered.', `Type the Windows password of ${user}.`);
  return password;
}

/** A scheduled check without a stored credential fails every day: say so now (only the run-as user's own keychain can be read). */
async function warnWithoutCredential(output: Output, account: string, runAs: string): Promise<void> {
  if (!sameUser(runAs, currentUser())) {
    output.warn(`the check runs as ${runAs}: that user must store the service account password ("imp credentials set --account ${account}" run as ${runAs}).`);
    return;
  }
  try {
    const { readCredential } = await import('../credentials/keychain');
    if (!(await readCredential(account))) {
      output.warn(`no password for ${account} is in your keychain yet, so --check-login will fail: run "imp credentials set --account ${account}".`);
    }
  } catch (error) {
    output.warn(`could not look into the keychain (${errorMessage(error)}); the scheduled --check-login needs "imp credentials set --account ${account}" to have been run as this user.`);
  }
}
