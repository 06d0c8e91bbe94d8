// Exchange's "couldn't be found" errors, turned into what the admin typed wrong: the flag, the value,
// what Exchange has that is close (ambiguous name resolution), and for an account without a mailbox
// the cmdlet that gives it one. Bad input: exit 3, as for any other bad flag.
import { ExitCode, ImpError } from '../errors';
import { isNotFound, PowerShellCommandError } from '../powershell/errors';
import { quote } from './names';

/** Which flag each template parameter comes from. */
const FLAG_OF_PARAMETER: Record<string, string> = {
  account: '--account',
  mailboxes: '--mailbox',
  groups: '--group',
  scopeGroups: '--scope-group',
  serviceAccounts: '--service-account',
};

/** What kind of object a flag names, for the message. */
const KIND_OF_FLAG: Record<string, 'mailbox' | 'group'> = {
  '--account': 'mailbox',
  '--mailbox': 'mailbox',
  '--service-account': 'mailbox',
  '--group': 'group',
  '--scope-group': 'group',
};

export interface MissingValue {
  flag: string;
  value: string;
  kind: 'mailbox' | 'group';
}

/** What near-matches.ps1 found. */
export interface NearMatches {
  /** Up to five recipients whose names or addresses start like the value (Get-Recipient -Anr). */
  matches: { name: string; primarySmtpAddress: string | null; recipientTypeDetails: string }[];
  /** The value names an AD user that has no mailbox (Get-User says RecipientTypeDetails User). */
  userWithoutMailbox: { name: string; userPrincipalName: string } | null;
}

/** The identity Exchange could not find: its error record's target, or the quoted object in its message. */
export function missingIdentity(error: PowerShellCommandError): string | undefined {
  const quoted = /object '(.+?)' couldn't be found/i.exec(error.record.message)?.[1];
  return quoted || error.record.targetObject || undefined;
}

/** The flag and value behind a not-found error, when one of the run's parameters holds it. */
export function missingValue(error: unknown, parameters: object): MissingValue | undefined {
  if (!(error instanceof PowerShellCommandError) || !isNotFound(error.record)) return undefined;
  const identity = missingIdentity(error)?.toLowerCase();
  if (!identity) return undefined;
  for (const [parameter, value] of Object.entries(parameters)) {
    const flag = FLAG_OF_PARAMETER[parameter];
    if (!flag) continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    const found = values.find((v) => v.toLowerCase() === identity);
    if (found) return { flag, value: found, kind: KIND_OF_FLAG[flag] };
  }
  return undefined;
}

/** What to tell the admin about a value Exchange could not find: the flag and value, then near matches or Enable-Mailbox. */
export function describeMissing(missing: MissingValue, near: NearMatches | undefined, cmdlet?: string): { message: string; suggestion: string } {
  const { flag, value, kind } = missing;
  let message = `${flag} "${value}": Exchange has no ${kind} by that name${cmdlet ? ` (${cmdlet})` : ''}.`;
  let suggestion: string;
  if (near?.userWithoutMailbox) {
    const user = near.userWithoutMailbox;
    message = `${flag} "${value}": the AD account ${user.name} (${user.userPrincipalName}) has no mailbox; EWS impersonation needs one.`;
    suggestion = `Give it a mailbox: Enable-Mailbox -Identity ${quote(user.userPrincipalName)}, then run imp again with its primary SMTP address.`;
  } else if (near?.matches.length) {
    const names = near.matches.map((m) => (kind === 'mailbox' && m.primarySmtpAddress ? m.primarySmtpAddress : m.name));
    suggestion = `Did you mean ${names.map((n) => `${flag} ${quote(n)}`).join(' or ')}?`;
  } else {
    suggestion =
      kind === 'group'
        ? `Check the name with Get-Group -Anr ${quote(value)} (a group's Name, alias or address).`
        : `Check the address with Get-Recipient -Anr ${quote(value.split('@')[0])}; an account without a mailbox needs Enable-Mailbox.`;
  }
  return { message, suggestion };
}

export class ExchangeNotFoundError extends ImpError {
  constructor(missing: MissingValue, near: NearMatches | undefined, cause: PowerShellCommandError) {
    const { message, suggestion } = describeMissing(missing, near, cause.record.command || undefined);
    const { flag, value } = missing;
    super('EXCHANGE_NOT_FOUND', message, { exitCode: ExitCode.UNKNOWN, suggestion, cause, details: { flag, value, exchangeError: cause.record.message, nearMatches: near?.matches ?? [] } });
  }
}

type Run = (template: string, parameters: object) => Promise<unknown>;

/**
 * The error to show for a failed template run: a not-found for one of the admin's values becomes an
 * ExchangeNotFoundError with near matches (asked in the same PowerShell session); anything else is
 * left as it is.
 */
export async function explainNotFound(error: PowerShellCommandError, parameters: object, run: Run): Promise<ImpError | undefined> {
  const missing = missingValue(error, parameters);
  if (!missing) return undefined;
  let near: NearMatches | undefined;
  try {
    near = (await run('near-matches', { value: missing.value, kind: missing.kind })) as NearMatches;
  } catch {
    near = undefined; // the suggestion is a courtesy; the error itself stands
  }
  return new ExchangeNotFoundError(missing, near, error);
}
