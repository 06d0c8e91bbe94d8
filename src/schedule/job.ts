// What `imp schedule` schedules: one daily run of `imp expiry` for an account, with the same Node and the same
// imp script that installed it, and the exact command line each scheduler needs.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../errors';
import type { GlobalOptions } from '../commands/context';

export type Scheduler = 'task' | 'systemd' | 'cron';
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
  account: string;
  /** imp-expiry-<account slug>: the task name, and the systemd unit names without suffix. */
  name: string;
  at: TimeOfDay;
  /** process.execPath of the installing imp. */
  node: string;
  /** Absolute path of the imp script (bin/imp.js or dist/cli.js) that installed it. */
  script: string;
  /** Everything after the script: expiry, its options, and the Exchange options of the installing run. */
  args: string[];
  /** Where imp was installed from: imp.config.json there is found by the scheduled runs too. */
  workingDirectory: string;
}

export function jobName(account: string): string {
  const slug = account.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `imp-expiry-${slug}`;
}

/** Options a scheduled run cannot use: it has no terminal and no standard input. */
const REFUSED_EXTRAS: Record<string, string> = {
  '--password-stdin': 'a scheduled run has no standard input; it reads the password from the keychain of the user it runs as',
  '--account': 'the account is given with --account to "imp schedule"',
};

export function checkExtraOptions(extra: string[]): string[] {
  for (const arg of extra) {
    const flag = arg.split('=')[0]!;
    if (REFUSED_EXTRAS[flag]) throw new UsageError(`"${flag}" cannot be passed to the scheduled "imp expiry": ${REFUSED_EXTRAS[flag]}.`, 'Leave it out.');
    if (/[\u0000-\u001f\u007f]/.test(arg)) throw new UsageError('An expiry option contains a control character (newline, tab or NUL).', 'Pass plain options after "--".');
  }
  return extra;
}

/** The global options of the installing run that say how to reach Exchange, with paths made absolute. */
function carriedGlobals(globals: GlobalOptions): string[] {
  const args: string[] = [];
  const path = (flag: string, value: string | undefined): void => {
    if (value) args.push(flag, resolve(value));
  };
  const plain = (flag: string, value: string | undefined): void => {
    if (value) args.push(flag, value);
  };
  path('--config', globals.config);
  path('--powershell', globals.powershell);
  plain('--exchange', globals.exchange);
  plain('--exchange-server', globals.exchangeServer);
  path('--exchange-module', globals.exchangeModule);
  plain('--exchange-credential', globals.exchangeCredential);
  plain('--timeout', globals.timeout);
  return args;
}

export interface JobInput {
  account: string;
  at: TimeOfDay;
  scheduler: Scheduler;
  globals: GlobalOptions;
  extra: string[];
  /** Defaults: this process's Node, its imp script and working directory. */
  node?: string;
  script?: string;
  cwd?: string;
}

export function expiryJob(input: JobInput): ExpiryJob {
  // On Windows the result goes to the event log and nothing needs printing; elsewhere the journal or
  // cron's mail keeps the status line, so it is not silenced.
  const reporting = input.scheduler === 'task' ? ['--event-log', '--quiet'] : [];
  return {
    account: input.account,
    name: jobName(input.account),
    at: input.at,
    node: input.node ?? process.execPath,
    script: resolve(input.script ?? process.argv[1] ?? 'imp'),
    args: ['expiry', '--account', input.account, '--check-login', ...reporting, ...carriedGlobals(input.globals), ...checkExtraOptions(input.extra)],
    workingDirectory: input.cwd ?? process.cwd(),
  };
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
