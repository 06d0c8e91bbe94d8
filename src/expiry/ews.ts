// The EWS side of `imp expiry`: --check-login (log in with the password imp stored) and --no-powershell
// (GetPasswordExpirationDate, the account reading its own expiry without AD tools).
import { getPasswordExpirationDate, probeLogin, type EwsConnection, type EwsFailure } from '../ews';
import { interruption } from '../interrupt';
import { ewsFailureFix, ewsFailureSummary } from '../ews/failures';
import type { PasswordExpiry } from './filetime';
import type { AccountFacts, ExpiryStatus, Finding } from './status';

export interface LoginReport {
  ok: boolean;
  url: string;
  username: string;
  passwordSource: 'keychain' | 'stdin';
  /** When imp stored the password (keychain only). */
  storedAt: string | null;
  /** AD's PasswordLastSet is later than storedAt: the password was changed after imp stored its copy. */
  changedSinceStored: boolean;
  ms: number;
  failure?: { kind: EwsFailure['kind']; message: string; httpStatus?: number };
}

/** EWS answers these only after IIS accepted the logon name and password: the password works. */
const AUTHENTICATED: EwsFailure['kind'][] = ['no-mailbox', 'non-primary', 'access-denied', 'impersonation-denied'];
/** The server was not asked or could not answer: no verdict on the password (UNKNOWN). */
const NOT_ASKED: EwsFailure['kind'][] = ['network', 'timeout', 'unavailable', 'server-busy'];

export interface LoginContext {
  account: string;
  passwordSource: 'keychain' | 'stdin';
  storedAt: string | null;
  /** From AD, when known. */
  passwordLastSet: string | null;
  /** AD already says the password cannot be used (expired, or must change at next logon). */
  passwordUnusable: boolean;
}

const phrase = (sentence: string): string => sentence.replace(/\.$/, '');

export async function checkLogin(connection: EwsConnection, context: LoginContext): Promise<{ login: LoginReport; finding: Finding }> {
  const probe = await probeLogin(connection, context.account, { signal: interruption.signal });
  const changedSinceStored = Boolean(
    context.storedAt && context.passwordLastSet && Date.parse(context.passwordLastSet) > Date.parse(context.storedAt),
  );
  const login: LoginReport = {
    ok: probe.ok,
    url: connection.url,
    username: connection.username,
    passwordSource: context.passwordSource,
    storedAt: context.storedAt,
    changedSinceStored,
    ms: probe.ms,
  };
  const stored = context.passwordSource === 'keychain' ? 'the stored password' : 'the password';
  if (probe.ok) return { login, finding: { status: 'OK', text: `EWS login with ${stored} works` } };

  const { failure } = probe;
  login.failure = { kind: failure.kind, message: failure.message, ...(failure.httpStatus ? { httpStatus: failure.httpStatus } : {}) };
  const who = { account: context.account, username: connection.username };
  if (AUTHENTICATED.includes(failure.kind)) {
    login.ok = true;
    return { login, finding: { status: 'OK', text: `EWS accepted ${stored} (then: ${phrase(ewsFailureSummary(failure, who))})` } };
  }
  if (failure.kind === 'unauthorized' && context.passwordUnusable) {
    return { login, finding: { status: 'CRITICAL', text: 'EWS refused the login, as AD does for a password that can no longer be used' } };
  }
  if (failure.kind === 'unauthorized' && changedSinceStored) {
    return {
      login,
      finding: {
        status: 'CRITICAL',
        text:
          `EWS refused ${stored}: the password in AD and the stored one differ (AD's was set ${context.passwordLastSet}, ` +
          `after imp stored its copy ${context.storedAt})`,
        fix: `Store the current password for imp: imp credentials set --account ${context.account} (and give it to the booking system too).`,
      },
    };
  }
  return {
    login,
    finding: {
      status: NOT_ASKED.includes(failure.kind) ? 'UNKNOWN' : 'CRITICAL',
      text: phrase(ewsFailureSummary(failure, who)),
      fix: ewsFailureFix(failure, who),
    },
  };
}

/** A password expiry beyond this year is what "never" looks like when a server sends DateTime.MaxValue. */
const NEVER_YEAR = 9999;

export type EwsExpiry = { ok: true; facts: AccountFacts } | { ok: false; finding: Finding; lockedOut: boolean | null };

export async function readExpiryFromEws(connection: EwsConnection, account: string): Promise<EwsExpiry> {
  const probe = await getPasswordExpirationDate(connection, account, { signal: interruption.signal });
  if (probe.ok) {
    const date = probe.value;
    const expiry: PasswordExpiry = date === null || date.getUTCFullYear() >= NEVER_YEAR ? { kind: 'never' } : { kind: 'date', at: date };
    // The call logged in with the account's password, and AD lets no disabled or locked-out account do that.
    return { ok: true, facts: { source: 'ews', identity: account, enabled: true, lockedOut: false, passwordLastSet: null, expiry } };
  }
  const { failure } = probe;
  // Only a refused logon is a verdict; anything else leaves the expiry unknown.
  const status: ExpiryStatus = failure.kind === 'unauthorized' || failure.kind === 'locked-out' ? 'CRITICAL' : 'UNKNOWN';
  if (failure.kind === 'unauthorized') {
    return {
      ok: false,
      lockedOut: null,
      finding: {
        status,
        text: 'EWS refused the login (HTTP 401): the password may have expired or must be changed at next logon (AD refuses both), or it is wrong',
        fix:
          'Check the account in AD (imp expiry without --no-powershell, or Get-ADUser -Properties msDS-UserPasswordExpiryTimeComputed). ' +
          `After setting a new password, store it for imp: imp credentials set --account ${account}`,
      },
    };
  }
  const who = { account, username: connection.username };
  return {
    ok: false,
    lockedOut: failure.kind === 'locked-out' ? true : null,
    finding: { status, text: phrase(ewsFailureSummary(failure, who)), fix: ewsFailureFix(failure, who) },
  };
}
