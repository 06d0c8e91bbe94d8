// Next-step hints as complete commands an admin can paste: the account, the mailboxes to check, and the
// options that reached Exchange and EWS this time, so the next run talks to the same place.
import type { ExchangeTarget } from './connection';

/** The global options a next step must repeat to reach the same Exchange. */
export interface ConnectionGlobals extends ExchangeTarget {
  config?: string;
}

/** Display only, never executed: a value as a shell or PowerShell argument (double quotes where needed). */
export function shellArgument(value: string): string {
  return /^[A-Za-z0-9@._:/\\=+-]+$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** The global flags that decide how imp reaches Exchange (and which configuration file it reads). */
export function connectionFlags(globals: ConnectionGlobals): string[] {
  const pairs: [string, string | undefined][] = [
    ['--config', globals.config],
    ['--exchange', globals.exchange],
    ['--exchange-server', globals.exchangeServer],
    ['--exchange-module', globals.exchangeModule],
    ['--exchange-credential', globals.exchangeCredential],
  ];
  return pairs.filter(([, v]) => v !== undefined).flatMap(([flag, v]) => [flag, shellArgument(v!)]);
}

export interface VerifyHint {
  account: string;
  /** grant --scope-rooms: check every room. */
  rooms: boolean;
  /** grant --scope-group: check every member. */
  groups: string[];
  /** --mailbox: check these too. */
  mailboxes?: string[];
  /** --ca, when one is configured. */
  ca?: string;
  wait?: string;
}

/** "imp verify --account … --rooms --group … --wait 30m [--ca …] [connection flags]". */
export function verifyCommandLine(hint: VerifyHint, globals: ConnectionGlobals): string {
  const parts = ['imp', 'verify', '--account', shellArgument(hint.account)];
  if (hint.rooms) parts.push('--rooms');
  for (const group of hint.groups) parts.push('--group', shellArgument(group));
  for (const mailbox of hint.mailboxes ?? []) parts.push('--mailbox', shellArgument(mailbox));
  parts.push('--wait', hint.wait ?? '30m');
  if (hint.ca) parts.push('--ca', shellArgument(hint.ca));
  parts.push(...connectionFlags(globals));
  return parts.join(' ');
}
