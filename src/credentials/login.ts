// The EWS login behind `imp credentials set --test` and `imp credentials test`: the same probe as the
// ews.login check of `imp verify` (Basic authentication, then the account's own Inbox), read the same way.
import { ExitCode, ImpError } from '../errors';
import type { EwsConnection, EwsFailure, EwsFailureKind } from '../ews';
import { UNANSWERED } from '../ews/errors';
import { interruption } from '../interrupt';
import { ewsFailureFix, ewsFailureSummary } from '../ews/failures';

export interface LoginTarget {
  /** The keychain account; also the mailbox opened when it is an SMTP address. */
  account: string;
  /** Logon name for Basic authentication (UPN or DOMAIN\sam). */
  username: string;
  url: string;
  /** PEM text of the CA to trust. */
  ca?: string;
  insecure: boolean;
}

export interface LoginOutcome {
  ms: number;
  /** Logged in, but EWS had a reservation about the mailbox. */
  warning?: string;
}

/** EWS answers these only after IIS accepted the logon name and password: the password is proven. */
const AUTHENTICATED: ReadonlySet<EwsFailureKind> = new Set(['no-mailbox', 'non-primary', 'access-denied', 'impersonation-denied']);

export class LoginFailedError extends ImpError {
  constructor(target: LoginTarget, failure: EwsFailure, prefix = '') {
    const who = { account: target.account, username: target.username };
    super(`EWS_LOGIN_${failure.kind.toUpperCase().replace(/-/g, '_')}`, `${prefix}${ewsFailureSummary(failure, who)}`, {
      // The server was not asked or could not answer: no verdict on the password (UNKNOWN, not CRITICAL).
      exitCode: UNANSWERED.has(failure.kind) ? ExitCode.UNKNOWN : ExitCode.CRITICAL,
      suggestion: ewsFailureFix(failure, who),
      details: { url: target.url, username: target.username, failure },
    });
  }
}

/**
 * Logs in to EWS with `password`. Returns when the password is accepted; throws LoginFailedError (exit 2
 * when the server refused, 3 when it could not be asked) otherwise. `prefix` leads the error message.
 */
export async function checkLogin(target: LoginTarget, password: string, prefix = ''): Promise<LoginOutcome> {
  const { assertOnPremisesUrl, closeAllEwsConnections, probeLogin } = await import('../ews');
  assertOnPremisesUrl(target.url); // refuses plain HTTP and Exchange Online, with the fix
  const connection: EwsConnection = { url: target.url, username: target.username, password, ca: target.ca, insecure: target.insecure };
  // A DOMAIN\sam account names no mailbox: open the logon's own Inbox then.
  const mailbox = target.account.includes('@') ? target.account : undefined;
  try {
    const result = await probeLogin(connection, mailbox, { signal: interruption.signal });
    if (result.ok) return { ms: result.ms };
    if (AUTHENTICATED.has(result.failure.kind)) {
      return { ms: result.ms, warning: `The password was accepted, but opening ${mailbox ?? 'the Inbox'} failed: ${result.failure.message}` };
    }
    throw new LoginFailedError(target, result.failure, prefix);
  } finally {
    // Keep-alive sockets would hold the process open after the command.
    closeAllEwsConnections();
  }
}
