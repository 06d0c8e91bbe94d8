// The EWS checks behind `imp verify`, `imp credentials test` and `imp expiry`. Each makes one request when
// all is well, and handles throttling itself: ErrorServerBusy says how long to wait (BackOffMilliseconds),
// a 503 means IIS queues are full. Anything permanent (401, denied, no mailbox, TLS) is returned at once.
import type { ExchangeService } from 'ews-javascript-api';
import { failureText, getFolderEnvelope, postSoap, succeeded, type GetFolderRequest } from './get-folder';
import { sleep } from '../clock';
import { ewsSession, loadEws, type EwsConnection, type EwsModule, type EwsSession } from './connection';
import { classifyEwsError, type EwsFailure } from './errors';

export interface ProbeOptions {
  /** Stops waiting out a back-off (the last failure is returned). */
  signal?: AbortSignal;
  /** Retries after ErrorServerBusy; default 5. */
  maxBusyRetries?: number;
  /** Retries after HTTP 503; default 3. */
  maxUnavailableRetries?: number;
  /** Upper bound for one back-off wait; Exchange can ask for minutes. Default 5 minutes. */
  maxBackOffMs?: number;
  /** Called before each wait, e.g. to tell the user why verify paused. */
  onRetry?: (info: { failure: EwsFailure; attempt: number; waitMs: number }) => void;
}

export type ProbeResult<T = undefined> =
  /** `ms` is the wall time of the whole probe, back-off waits included. */
  | { ok: true; ms: number; attempts: number; value: T }
  | { ok: false; failure: EwsFailure; attempts: number; ms: number };

export interface ResolvedName {
  primarySmtpAddress: string;
  name: string;
  /** More than one directory entry matched; the exact address match (or the first) is returned. */
  ambiguous: boolean;
}

export const DEFAULT_MAX_BACK_OFF_MS = 5 * 60_000;
/** Back-off when ErrorServerBusy comes without a hint (e.g. ErrorExceededConnectionCount). */
const BUSY_FALLBACK_MS = 1_000;
const UNAVAILABLE_FIRST_WAIT_MS = 250;

/**
 * ews-javascript-api writes element values into the SOAP XML as they are (EwsServiceXmlWriter.WriteValue
 * escapes nothing), so an address with "&" or "<" (Exchange allows "&" in one) would break the request or
 * change its meaning. Every value imp hands the library passes through here (get-folder.ts escapes the
 * probes' own GetFolder envelopes). test/ews/xml-escaping.test.ts
 * shows, through the simulator's request log, that the server reads back exactly the address imp meant.
 */
export function xmlText(value: string): string {
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Never let the password reach a message, whatever a server or library echoes. */
function redact(failure: EwsFailure, password: string): EwsFailure {
  if (password.length < 3 || !failure.message.includes(password)) return failure;
  return { ...failure, message: failure.message.split(password).join('***') };
}

/** How long to wait before the next attempt, or undefined to give up. */
function retryDelay(failure: EwsFailure, retries: { busy: number; unavailable: number; network: number }, options: ProbeOptions): number | undefined {
  const cap = options.maxBackOffMs ?? DEFAULT_MAX_BACK_OFF_MS;
  if (failure.kind === 'server-busy' && retries.busy < (options.maxBusyRetries ?? 5)) {
    retries.busy++;
    return Math.min(failure.backOffMs ?? BUSY_FALLBACK_MS * 2 ** (retries.busy - 1), cap);
  }
  if (failure.kind === 'unavailable' && retries.unavailable < (options.maxUnavailableRetries ?? 3)) {
    retries.unavailable++;
    const base = UNAVAILABLE_FIRST_WAIT_MS * 2 ** (retries.unavailable - 1);
    return Math.min(base + Math.floor(Math.random() * base * 0.2), cap);
  }
  // A keep-alive socket the server closed just as it was reused: once, straight away. Probes only read.
  if (failure.kind === 'network' && (failure.errorCode === 'ECONNRESET' || failure.errorCode === 'EPIPE') && retries.network < 1) {
    retries.network++;
    return 0;
  }
  return undefined;
}

/** One attempt's outcome: the value, or the failure as errors.ts classified it. */
type Attempt<T> = { value: T } | { failure: EwsFailure };

async function runProbe<T>(connection: EwsConnection, options: ProbeOptions, attempt: (session: EwsSession) => Promise<Attempt<T>>): Promise<ProbeResult<T>> {
  const session = ewsSession(connection); // throws for Exchange Online or a malformed URL
  const started = performance.now();
  const retries = { busy: 0, unavailable: 0, network: 0 };
  const elapsed = (): number => Math.round(performance.now() - started);
  for (let attempts = 1; ; attempts++) {
    const outcome = await attempt(session);
    if ('value' in outcome) return { ok: true, ms: elapsed(), attempts, value: outcome.value };
    const failure = redact(outcome.failure, connection.password);
    const waitMs = retryDelay(failure, retries, options);
    if (waitMs === undefined || options.signal?.aborted) return { ok: false, failure, attempts, ms: elapsed() };
    options.onRetry?.({ failure, attempt: attempts, waitMs });
    if (!(await sleep(waitMs, options.signal))) return { ok: false, failure, attempts, ms: elapsed() };
  }
}

/** An attempt through ews-javascript-api: a fresh ExchangeService whose transport records the answer. */
function viaLibrary<T>(call: (ews: EwsModule, service: ExchangeService) => Promise<T>): (session: EwsSession) => Promise<Attempt<T>> {
  return async (session) => {
    const ews = await loadEws();
    const { service, transport } = await session.createService();
    try {
      return { value: await call(ews, service) };
    } catch (error) {
      return { failure: classifyEwsError(error, transport.evidence) };
    }
  };
}

/**
 * An attempt as one GetFolder request sent without the library (get-folder.ts). Like the library's, a
 * request in flight is not cancelled by the signal (it only stops back-off waits): the server's answer
 * is the probe's result.
 */
function viaGetFolder(request: GetFolderRequest): (session: EwsSession) => Promise<Attempt<undefined>> {
  const envelope = getFolderEnvelope(request);
  return async (session) => {
    const evidence = await postSoap(session, envelope);
    return succeeded(evidence) ? { value: undefined } : { failure: classifyEwsError({ message: failureText(evidence) }, evidence) };
  };
}

/** Logs in and opens the account's own Inbox (no impersonation). `account` is the mailbox address to open. */
export function probeLogin(connection: EwsConnection, account?: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return runProbe(connection, options, viaGetFolder({ folder: 'inbox', mailbox: account }));
}

/**
 * Impersonates the target (ConnectingSID/SmtpAddress, which accepts any proxy address) and opens its
 * calendar: exactly what the booking system does. One request when it works, sent without the library:
 * verify sends one per mailbox.
 */
export function probeImpersonation(connection: EwsConnection, target: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return runProbe(connection, options, viaGetFolder({ folder: 'calendar', mailbox: target, impersonate: target }));
}

/** Resolves an address or name in the directory; an alias resolves to the mailbox's primary address. Null when nothing matches. */
export function resolveName(connection: EwsConnection, address: string, options: ProbeOptions = {}): Promise<ProbeResult<ResolvedName | null>> {
  return runProbe(connection, options, viaLibrary(async (ews, service) => {
    // ErrorNameResolutionNoResults is not thrown by the library: it comes back as an empty collection.
    const resolutions = await service.ResolveName(xmlText(address), ews.ResolveNameSearchLocation.DirectoryOnly, false);
    const mailboxes = resolutions.GetEnumerator().map((r) => r.Mailbox);
    if (!mailboxes.length) return null;
    const wanted = address.replace(/^smtp:/i, '').toLowerCase();
    const match = mailboxes.find((m) => m.Address?.toLowerCase() === wanted) ?? mailboxes[0]!;
    return { primarySmtpAddress: match.Address, name: match.Name, ambiguous: mailboxes.length > 1 };
  }));
}

/**
 * The password expiry EWS reports for the account (GetPasswordExpirationDate, Exchange 2010 SP2+), read with
 * the account's own credentials. Null when the password never expires.
 */
export function getPasswordExpirationDate(connection: EwsConnection, address: string, options: ProbeOptions = {}): Promise<ProbeResult<Date | null>> {
  return runProbe(connection, options, viaLibrary(async (_ews, service) => {
    const date = await service.GetPasswordExpirationDate(xmlText(address));
    // The library's DateTime wraps a moment; TotalMilliSeconds is the instant, whatever zone it was shifted to.
    return date ? new Date(date.TotalMilliSeconds) : null;
  }));
}
