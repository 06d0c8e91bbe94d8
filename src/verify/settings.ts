// What one `imp verify` run was asked to check, from the flags and the configuration file, validated
// before anything is contacted.
import type { Command } from 'commander';
import { MAX_TIMER_MS, parseDuration } from '../duration';
import { UsageError } from '../errors';
import { readCaFile, type EwsFlags } from '../ews/options';
import { checkAccount, checkAddress, checkGroupName } from '../exchange/names';
import type { CommandContext } from '../context';

/** Exchange's default EWS throttling policy allows 27 concurrent connections per user; stay well under. */
export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_WAIT = '30m';
export const DEFAULT_POLL_INTERVAL = '10s';
// Exchange takes up to 30 minutes to propagate a grant: probing less often than every 10 minutes only delays the pass.
const MAX_POLL_INTERVAL_MS = 10 * 60_000;
const MIN_POLL_INTERVAL_MS = 100;

export interface VerifyTargetOptions {
  account?: string;
  mailbox?: string[];
  rooms?: boolean;
  group?: string[];
}

export interface VerifyOptions extends VerifyTargetOptions, EwsFlags {
  wait?: string;
  pollInterval?: string;
  concurrency?: string;
  probe?: 'all' | 'canary';
  report?: string;
  /** false with --no-powershell. */
  powershell: boolean;
}

export interface VerifySettings {
  account: string;
  /** The EWS logon name (the configured one; an alias's primary address may replace the default, see Evidence.username). */
  username: string;
  /** Given with --ews-url (or the configuration); else the virtual directory's InternalUrl is used. */
  ewsUrl?: string;
  mailboxes: string[];
  rooms: boolean;
  groups: string[];
  /** How long after the assignment's creation to wait for propagation; 0 probes once. */
  waitMs: number;
  pollIntervalMs: number;
  concurrency: number;
  /** PEM text. */
  ca?: string;
  insecure: boolean;
  passwordStdin: boolean;
  /** Ask the Management Shell (false with --no-powershell: EWS only). */
  powershell: boolean;
  /** --probe canary: one EWS probe instead of one per mailbox (the scope check still covers every one). */
  canaryOnly: boolean;
}

const repeat = (value: string, all: string[] = []) => [...all, value];

/** The options that decide what the Management Shell part of verify asks (shared with imp script verify). */
export function addVerifyTargetOptions(command: Command): Command {
  return command
    .option('--account <address>', "the service account's primary SMTP address")
    .option('--mailbox <address>', 'a mailbox to impersonate (repeatable)', repeat)
    .option('--rooms', 'impersonate every room mailbox')
    .option('--group <name>', 'impersonate every mailbox in this group (repeatable)', repeat);
}

/** The verify template's input. */
export function verifyShellParameters(context: Pick<CommandContext, 'setting'>, options: VerifyTargetOptions) {
  const mailboxes = options.mailbox ?? [];
  for (const m of mailboxes) checkAddress(m, '--mailbox', 'room1@contoso.com');
  return {
    account: checkAccount(context.setting('account', options.account)),
    mailboxes,
    rooms: Boolean(options.rooms),
    groups: (options.group ?? []).map((group) => checkGroupName(group, '--group')),
  };
}

export function verifySettings(context: Pick<CommandContext, 'setting' | 'config'>, options: VerifyOptions): VerifySettings {
  const { account, mailboxes, rooms, groups } = verifyShellParameters(context, options);
  const concurrencyText = options.concurrency ?? context.config.concurrency?.toString() ?? String(DEFAULT_CONCURRENCY);
  // Digits only: Number() also takes "0x10", "1e1" and " 5".
  const concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : NaN;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) {
    throw new UsageError(`--concurrency "${concurrencyText}" must be a whole number from 1 to 100.`, `Use the default (${DEFAULT_CONCURRENCY}) unless your EWS throttling policy allows more.`);
  }
  if (!options.powershell && (options.rooms || options.group?.length)) {
    throw new UsageError('--rooms and --group need the Management Shell to list mailboxes, and --no-powershell turns it off.', 'Name the mailboxes with --mailbox, or run without --no-powershell.');
  }
  return {
    account,
    username: context.setting('username', options.username) ?? account,
    ewsUrl: context.setting('ewsUrl', options.ewsUrl),
    mailboxes,
    rooms,
    groups,
    waitMs: parseDuration(context.setting('wait', options.wait) ?? DEFAULT_WAIT, '--wait', { max: MAX_TIMER_MS }),
    pollIntervalMs: Math.max(MIN_POLL_INTERVAL_MS, parseDuration(context.setting('pollInterval', options.pollInterval) ?? DEFAULT_POLL_INTERVAL, '--poll-interval', { max: MAX_POLL_INTERVAL_MS })),
    concurrency,
    ca: readCaFile(context.setting('ca', options.ca)),
    insecure: Boolean(options.insecure),
    passwordStdin: Boolean(options.passwordStdin),
    powershell: options.powershell,
    canaryOnly: options.probe === 'canary',
  };
}
