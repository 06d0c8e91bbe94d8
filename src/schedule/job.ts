// What `imp schedule` schedules: one daily run of `imp expiry` for an account, with the same Node and the same
// imp script that installed it, and the exact command line each scheduler needs.
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { posix, resolve, win32 } from 'node:path';
import { UsageError } from '../errors';
import type { GlobalOptions } from '../global-options';
import { DEFAULT_CONFIG_FILE, type Config } from '../config';
import type { Command } from 'commander';
import { checkJobOptions } from '../expiry/options';

export type Scheduler = 'task' | 'systemd' | 'cron';

/** What runs every day: imp check (verify's scope and canary, and the password expiry), or imp expiry alone. */
export type JobKind = 'check' | 'expiry';
export const JOB_KINDS: JobKind[] = ['check', 'expiry'];
export const SCHEDULERS: Scheduler[] = ['task', 'systemd', 'cron'];

/** Task Scheduler on Windows, a systemd user timer elsewhere; --scheduler overrides (tests use "task" on Linux). */
export function defaultScheduler(platform: NodeJS.Platform = process.platform): Scheduler {
  return platform === 'win32' ? 'task' : 'systemd';
}

export interface TimeOfDay {
  hour: number;
  minute: number;
  /** HH:mm */
  text: string;
}

export function parseTimeOfDay(text: string): TimeOfDay {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new UsageError(`--at "${text}" is not a time of day.`, 'Pass a 24-hour time, e.g. --at 07:00 or --at 18:30.');
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return { hour, minute, text: `${String(hour).padStart(2, '0')}:${m[2]}` };
}

export interface ExpiryJob {
  kind: JobKind;
  account: string;
  /** imp-<kind>-<account slug>: the task name, and the systemd unit names without suffix. */
  name: string;
  at: TimeOfDay;
  /** The first run's date and time: local time without a UTC offset, so the task keeps its wall-clock time across daylight saving. */
  startBoundary: string;
  /** process.execPath of the installing imp, or --node. */
  node: string;
  /** Absolute path of the imp script (bin/imp.js or dist/cli.js) that installed it. */
  script: string;
  /** Everything after the script: expiry, its options, and --config pointing at the job's own configuration. */
  args: string[];
  /** A folder imp owns for this job (never the installer's current directory): its working directory. */
  workingDirectory: string;
  /** The job's configuration file, in workingDirectory. */
  configFile: string;
  /** What configFile holds: the installing run's configuration and Exchange options, paths made absolute. */
  config: Record<string, unknown>;
}

export function jobName(account: string, kind: JobKind = 'expiry'): string {
  const slug = account.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `imp-${kind}-${slug}`;
}

/** imp's folder for scheduled jobs: ProgramData on Windows (the run-as user can read it), the XDG config folder elsewhere. */
export function jobsRoot(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return win32.join(env.ProgramData || 'C:\\ProgramData', 'imp');
  return posix.join(env.XDG_CONFIG_HOME || posix.join(homedir(), '.config'), 'imp');
}

/** Configuration keys that are paths: relative ones are made absolute against the installer's directory. */
const PATH_SETTINGS = new Set(['ca', 'exchangeModule', 'powershell']);

/** The installing run's configuration file with its global options over it, as the job will read it. */
function jobConfig(config: Config, globals: GlobalOptions, cwd: string): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...config };
  for (const key of ['powershell', 'exchange', 'exchangeServer', 'exchangeModule', 'exchangeCredential', 'timeout'] as const) {
    if (globals[key] !== undefined) merged[key] = globals[key];
  }
  delete merged.account;
  for (const [key, value] of Object.entries(merged)) {
    // A bare "pwsh" is looked up on PATH; anything with a separator is a path.
    if (PATH_SETTINGS.has(key) && typeof value === 'string' && (key !== 'powershell' || /[\\/]/.test(value))) merged[key] = resolve(cwd, value);
  }
  return merged;
}

/** The first run at `at`, as a local date and time without offset (Task Scheduler's StartBoundary). */
export function startBoundary(at: TimeOfDay, now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(at.hour)}:${pad(at.minute)}:00`;
}

export interface JobInput {
  kind?: JobKind;
  /** The job command's options, to check the options after "--" against (default: imp expiry's). */
  command?: Command;
  account: string;
  at: TimeOfDay;
  scheduler: Scheduler;
  globals: GlobalOptions;
  /** The installing run's configuration file (already validated). */
  config?: Config;
  extra: string[];
  /** Defaults: this process's Node (or --node), its imp script, working directory, imp's jobs folder and clock. */
  node?: string;
  script?: string;
  cwd?: string;
  root?: string;
  now?: Date;
}

export function expiryJob(input: JobInput): ExpiryJob {
  const cwd = input.cwd ?? process.cwd();
  const kind = input.kind ?? 'expiry';
  const name = jobName(input.account, kind);
  const root = input.root ?? jobsRoot();
  const join = root.includes('\\') && !root.includes('/') ? win32.join : posix.join;
  const workingDirectory = join(root, name);
  const configFile = join(workingDirectory, DEFAULT_CONFIG_FILE);
  // On Windows the result goes to the event log and nothing needs printing, and the run-as user's own password
  // is watched too; elsewhere the journal or cron's mail keeps the status line, so it is not silenced.
  const onWindows = input.scheduler === 'task';
  const head =
    kind === 'check'
      ? ['check', '--account', input.account, ...(onWindows ? ['--event-log', '--check-run-as', '--quiet'] : [])]
      : ['expiry', '--account', input.account, '--check-login', ...(onWindows ? ['--event-log', '--check-run-as', '--quiet'] : [])];
  const job: ExpiryJob = {
    kind,
    account: input.account,
    name,
    at: input.at,
    startBoundary: startBoundary(input.at, input.now ?? new Date()),
    node: input.node ? resolve(cwd, input.node) : process.execPath,
    script: resolve(input.script ?? process.argv[1] ?? 'imp'),
    args: [...head, '--config', configFile, ...checkJobOptions(input.extra, cwd, input.command)],
    workingDirectory,
    configFile,
    config: jobConfig(input.config ?? {}, input.globals, cwd),
  };
  checkJobValues(job, input.scheduler);
  return job;
}

/** Writes the job's folder and configuration; the scheduled run starts there and reads nothing else. */
export function writeJobFolder(job: ExpiryJob): void {
  mkdirSync(job.workingDirectory, { recursive: true, mode: 0o755 });
  writeFileSync(job.configFile, `${JSON.stringify(job.config, null, 2)}\n`, { mode: 0o644 });
  // A config file is code to imp (it names the PowerShell to run): never writable by others.
  chmodSync(job.configFile, 0o644);
}

export function removeJobFolder(job: ExpiryJob): boolean {
  if (!existsSync(job.workingDirectory)) return false;
  rmSync(job.workingDirectory, { recursive: true, force: true });
  return true;
}

/** Folders that package managers clean or that exist only for one shell: a daily job must not start from there. */
const EPHEMERAL: { pattern: RegExp; what: string }[] = [
  { pattern: /[\\/]_npx[\\/]|[\\/]npm-cache[\\/]/i, what: "npx's cache, which npm cleans" },
  { pattern: /fnm_multishells/i, what: 'a per-shell fnm folder that disappears with the shell' },
  { pattern: /[\\/]\.?nvm[\\/]/i, what: 'a Node version managed by nvm, which goes when that version is removed or switched' },
];

/** Units, cron lines and tasks carry data, never structure: no control characters anywhere, no % where Task Scheduler expands it. */
export function checkJobValues(job: ExpiryJob, scheduler: Scheduler): void {
  const values: [string, string][] = [
    ['--account', job.account],
    ['the Node path', job.node],
    ['the imp script path', job.script],
    ['the job folder', job.workingDirectory],
    ...job.args.map((arg): [string, string] => ['an option of the scheduled run', arg]),
    ...Object.entries(job.config).map(([key, value]): [string, string] => [`the configuration value "${key}"`, String(value)]),
  ];
  for (const [what, value] of values) {
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new UsageError(`${what} contains a control character (newline, tab, NUL…): ${JSON.stringify(value)}.`, 'Pass plain values: a scheduled job must never carry a line break into its definition.');
    }
    // Task Scheduler expands %VAR% in a task's arguments and working directory (the action's fields).
    if (scheduler === 'task' && value.includes('%') && !what.startsWith('the configuration value')) {
      throw new UsageError(`${what} contains "%": ${JSON.stringify(value)}. Task Scheduler would expand %NAME% in it as an environment variable.`, 'Use a value without "%" (a path without it, or a plain option value).');
    }
  }
  for (const [what, path] of [['Node', job.node], ['imp', job.script]] as const) {
    const ephemeral = EPHEMERAL.find((e) => e.pattern.test(path));
    if (ephemeral) {
      throw new UsageError(
        `${what} runs from ${path}, ${ephemeral.what}: the daily job would stop working.`,
        what === 'Node'
          ? 'Pass --node <path to a Node installed for the machine>, e.g. C:\\Program Files\\nodejs\\node.exe or /usr/bin/node.'
          : 'Install imp for good (npm install -g imp, or a release folder) and run "imp schedule install" from there.',
      );
    }
  }
}

/** The user a task runs as by default: whoever installs it, as DOMAIN\user on Windows. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  if (env.USERDOMAIN && env.USERNAME) return `${env.USERDOMAIN}\\${env.USERNAME}`;
  return userInfo().username;
}

export function sameUser(a: string, b: string): boolean {
  const bare = (u: string): string => u.toLowerCase().replace(/^.*\\/, '').replace(/@.*$/, '');
  return a.toLowerCase() === b.toLowerCase() || bare(a) === bare(b);
}

// Quoting, one function per consumer of a command line.

/** One argument as CommandLineToArgvW (and so node.exe) parses it back. */
export function windowsArgument(arg: string): string {
  if (arg && !/[\s"]/.test(arg)) return arg;
  // Backslashes are literal except before a quote: double those, and the ones before the closing quote.
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export function windowsCommandLine(args: string[]): string {
  return args.map(windowsArgument).join(' ');
}

/** One word of a POSIX shell command (cron runs /bin/sh). */
export function shellWord(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One argument of a systemd ExecStart= line: quoted, with specifiers (%) and variables ($) escaped. */
export function systemdArgument(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}
