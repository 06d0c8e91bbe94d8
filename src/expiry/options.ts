// The options of `imp expiry`, in one place: the command declares them, and `imp schedule install` checks the
// options it passes through to the scheduled run against the same list, with the same value rules, so that a
// daily job never starts with an option it will refuse (`-- --warn-days abc`).
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../errors';
import { addEwsOptions, type EwsFlags } from '../ews/options';
import { DEFAULT_THRESHOLDS, type Thresholds } from './status';

export interface ExpiryFlags extends Omit<EwsFlags, 'insecure'> {
  account?: string;
  warnDays?: string;
  criticalDays?: string;
  checkLogin?: boolean;
  eventLog?: boolean;
  checkRunAs?: boolean;
  /** false with --no-powershell. */
  powershell?: boolean;
  fix?: 'never-expires';
  dryRun?: boolean;
}

export function withExpiryOptions(command: Command): Command {
  command
    .option('--account <address>', "the service account's SMTP address")
    .option('--warn-days <days>', `WARNING when the password expires within this many days (default ${DEFAULT_THRESHOLDS.warnDays})`)
    .option('--critical-days <days>', `CRITICAL within this many days (default ${DEFAULT_THRESHOLDS.criticalDays})`)
    .option('--check-login', 'also log in to EWS with the password imp stored ("imp credentials set"); a refusal is CRITICAL')
    .option('--event-log', 'also write the result, failures included, to the Windows Application log under the source "imp" (events 1000-1003)')
    .option('--check-run-as', "also check the password expiry of the Windows user this runs as (a scheduled task stops starting once it changes)")
    .option('--no-powershell', 'ask EWS (GetPasswordExpirationDate) instead of Active Directory; logs in with the password');
  return addEwsOptions(command, { urlDefault: '"ewsUrl" in the configuration, else for --check-login the InternalUrl of the EWS virtual directory, as verify finds it; --no-powershell needs one', passwordStdin: true })
    .addOption(new Option('--fix <change>', 'make the change the check recommends, after showing it: never-expires sets PasswordNeverExpires').choices(['never-expires']))
    .option('--dry-run', 'with --fix: show the change, make none');
}

const MAX_DAYS = 3650;

export function dayCount(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) > MAX_DAYS) {
    throw new UsageError(`${flag} "${value}" is not a whole number of days between 0 and ${MAX_DAYS}.`, `Pass e.g. ${flag} ${flag === '--warn-days' ? 14 : 3}.`);
  }
  return Number(text);
}

/** Flags first, then the configuration file's values, then the defaults. */
export function thresholdsOf(flags: Pick<ExpiryFlags, 'warnDays' | 'criticalDays'>, config: { warnDays?: number; criticalDays?: number } = {}): Thresholds {
  const warnDays = dayCount(flags.warnDays ?? config.warnDays, '--warn-days') ?? DEFAULT_THRESHOLDS.warnDays;
  const criticalDays = dayCount(flags.criticalDays ?? config.criticalDays, '--critical-days') ?? DEFAULT_THRESHOLDS.criticalDays;
  if (criticalDays > warnDays) {
    throw new UsageError(
      `--critical-days (${criticalDays}) is larger than --warn-days (${warnDays}).`,
      'CRITICAL must be the nearer threshold: e.g. --warn-days 14 --critical-days 3.',
    );
  }
  return { warnDays, criticalDays };
}

/** What a scheduled run cannot use: it has no terminal and no standard input, and its account is fixed. */
const REFUSED_IN_JOB: Partial<Record<keyof ExpiryFlags, string>> = {
  passwordStdin: 'a scheduled run has no standard input; it reads the password from the keychain of the user it runs as',
  account: 'the account is given with --account to "imp schedule"',
  fix: 'a scheduled check only reports; make the change once, by hand, with "imp expiry --fix"',
  dryRun: 'it only goes with --fix',
};

/**
 * The options after "--" of `imp schedule install`, parsed and checked as `imp expiry` would, and written back
 * in one canonical form (paths absolute, so the job finds them from its own folder).
 */
export function checkJobOptions(extra: string[], cwd = process.cwd(), command: Command = withExpiryOptions(new Command('expiry'))): string[] {
  const name = command.name();
  const probe = command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = probe.parseOptions(extra);
  } catch (error) {
    const message = error instanceof CommanderError ? error.message.replace(/^error: /, '') : String(error);
    throw new UsageError(`The options for the scheduled "imp ${name}" are not valid: ${message}.`, `Pass "imp ${name}" options after "--", e.g. -- --warn-days 21.`);
  }
  const stray = [...parsed.unknown, ...parsed.operands];
  if (stray.length) {
    throw new UsageError(`"${stray[0]}" is not an option of "imp ${name}", so the scheduled run would refuse it.`, `See "imp ${name} --help" for its options.`);
  }
  const flags = probe.opts<ExpiryFlags>();
  for (const [key, why] of Object.entries(REFUSED_IN_JOB)) {
    if (flags[key as keyof ExpiryFlags] !== undefined) throw new UsageError(`"--${kebab(key)}" cannot be passed to the scheduled "imp ${name}": ${why}.`, 'Leave it out.');
  }
  thresholdsOf(flags);
  if (flags.ewsUrl !== undefined && !/^https:\/\/[^\s/]+/i.test(flags.ewsUrl)) {
    throw new UsageError(`--ews-url "${flags.ewsUrl}" is not an https URL.`, 'Pass the on-premises EWS URL, e.g. --ews-url https://mail.contoso.com/EWS/Exchange.asmx.');
  }
  if (flags.ca !== undefined) {
    flags.ca = isAbsolute(flags.ca) ? flags.ca : resolve(cwd, flags.ca);
    if (!existsSync(flags.ca)) throw new UsageError(`--ca file ${flags.ca} does not exist.`, 'Pass the PEM file of the CA that issued the EWS server certificate.');
  }
  // Back to arguments, in the order the options are declared.
  const args: string[] = [];
  for (const option of probe.options) {
    const key = option.attributeName() as keyof ExpiryFlags;
    const value = flags[key] as unknown;
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) args.push(option.long!, String(item));
      continue;
    }
    if (option.negate) {
      if (value === false) args.push(option.long!);
    } else if (typeof value === 'boolean') {
      if (value) args.push(option.long!);
    } else {
      args.push(option.long!, String(value));
    }
  }
  return args;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
