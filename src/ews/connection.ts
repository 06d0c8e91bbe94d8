// How `imp` talks to an on-premises EWS endpoint: Basic credentials, the customer's CA, one keep-alive
// agent per connection, and a cheap ExchangeService per probe (about 13 µs each; ImpersonatedUserId lives on
// the service, so concurrent probes cannot share one).
import { createHash } from 'node:crypto';
import * as https from 'node:https';
import type { ExchangeService } from 'ews-javascript-api';
import { trustContext } from '../trust';
import { ExitCode, ImpError } from '../errors';
import { quote } from '../exchange/names';
import { RecordingXhrApi } from './transport';

export interface EwsConnection {
  /** e.g. https://mail.contoso.com/EWS/Exchange.asmx */
  url: string;
  /** UPN, DOMAIN\user, or the primary SMTP address. */
  username: string;
  password: string;
  /** PEM text of the CA that issued the server certificate (internal PKI). */
  ca?: string;
  /** Skip certificate verification altogether (last resort; prefer `ca`). */
  insecure?: boolean;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Sockets kept open to the server; keep it at or above the probe concurrency. Default 32. */
  maxSockets?: number;
}

export type EwsModule = typeof import('ews-javascript-api');

let ewsModule: Promise<EwsModule> | undefined;
let loadedModule: EwsModule | undefined;

/** Loads ews-javascript-api on first use only: requiring it costs ~400 ms and ~23 MB at start-up. */
export function loadEws(): Promise<EwsModule> {
  ewsModule ??= import('ews-javascript-api').then((m) => {
    // Native import() of this CommonJS package gives named exports; a bundler may only give `default`.
    const resolved = (typeof m.ExchangeService === 'function' ? m : (m as unknown as { default: EwsModule }).default) as EwsModule;
    loadedModule = resolved;
    return resolved;
  });
  return ewsModule;
}

/** The library, if something already loaded it (errors.ts uses it to name numeric ServiceError values). */
export function loadedEws(): EwsModule | undefined {
  return loadedModule;
}

export class ExchangeOnlineNotSupportedError extends ImpError {
  constructor(readonly host: string) {
    super(
      'EXCHANGE_ONLINE_NOT_SUPPORTED',
      `${host} is Exchange Online. imp only works with on-premises Exchange (2016, 2019, Subscription Edition): ` +
        `Microsoft removed the ApplicationImpersonation role from Exchange Online in February 2025, and EWS in ` +
        `Exchange Online is being switched off (off by default from 1 October 2026, permanently from 1 April 2027). ` +
        `For Exchange Online, register an Entra ID application with the full_access_as_app permission, or use RBAC ` +
        `for Applications (New-ServicePrincipal, New-ManagementRoleAssignment -App) to limit it to the booking mailboxes.`,
      { exitCode: ExitCode.UNKNOWN, suggestion: 'Pass the EWS URL of your on-premises Exchange, e.g. https://mail.contoso.com/EWS/Exchange.asmx.' },
    );
    this.name = 'ExchangeOnlineNotSupportedError';
  }
}

export class EwsUrlError extends ImpError {
  constructor(readonly url: string, detail: string, suggestion = 'Pass the on-premises EWS URL, e.g. https://mail.contoso.com/EWS/Exchange.asmx.') {
    super('EWS_URL_INVALID', `Invalid EWS URL "${url}": ${detail}`, { exitCode: ExitCode.UNKNOWN, suggestion });
    this.name = 'EwsUrlError';
  }
}

/** Where an EWS URL came from: a flag or the configuration, or an EWS virtual directory in Exchange. */
export type EwsUrlOrigin = { flag: string } | { virtualDirectory: string; property: 'InternalUrl' | 'ExternalUrl' };

/** Basic authentication over plain HTTP would send the service account password readable to anyone on the path. */
export class CleartextEwsUrlError extends ImpError {
  constructor(readonly url: string, origin: EwsUrlOrigin) {
    const https = url.replace(/^http:/i, 'https:').replace(/:80(?=[/?#]|$)/, '');
    const from = 'flag' in origin ? origin.flag : `the ${origin.property} of ${origin.virtualDirectory}`;
    super(
      'EWS_URL_CLEARTEXT',
      `The EWS URL ${url} (${from}) is plain HTTP: Basic authentication would send the service account password unencrypted. No request was sent.`,
      {
        exitCode: ExitCode.UNKNOWN,
        suggestion:
          'flag' in origin
            ? `Use HTTPS: ${origin.flag} ${https}`
            : `Publish EWS over HTTPS: Set-WebServicesVirtualDirectory -Identity ${quote(origin.virtualDirectory)} -${origin.property} ${https}; or pass --ews-url ${https}`,
        details: { url },
      },
    );
    this.name = 'CleartextEwsUrlError';
  }
}

/** Exchange Online's EWS hosts, in every cloud Microsoft documents (worldwide, GCC High, DoD, Germany, 21Vianet). */
const EXCHANGE_ONLINE_HOSTS = ['outlook.com', 'outlook.office365.com', 'outlook.office.com', 'outlook.office365.us', 'webmail.apps.mil', 'outlook.office.de', 'partner.outlook.cn'];
const EXCHANGE_ONLINE_SUFFIXES = ['.outlook.com', '.office365.com', '.office365.us', '.outlook.cn'];

export function isExchangeOnlineHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return EXCHANGE_ONLINE_HOSTS.includes(h) || EXCHANGE_ONLINE_SUFFIXES.some((s) => h.endsWith(s));
}

/**
 * Parses the EWS URL and refuses, before any request is made, what imp must never send a password to:
 * Exchange Online, and plain HTTP. `origin` names where the URL came from, for the fix.
 */
export function assertOnPremisesUrl(url: string, origin: EwsUrlOrigin = { flag: '--ews-url' }): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EwsUrlError(url, 'not an absolute URL');
  }
  if (parsed.protocol === 'http:') throw new CleartextEwsUrlError(url, origin);
  if (parsed.protocol !== 'https:') throw new EwsUrlError(url, 'use https://');
  if (isExchangeOnlineHost(parsed.hostname)) throw new ExchangeOnlineNotSupportedError(parsed.hostname);
  return parsed;
}

export interface EwsServiceHandle {
  service: ExchangeService;
  /** What the wire said about this service's last request. */
  transport: RecordingXhrApi;
}

/** Per-connection resources shared by all probes: the keep-alive agent. */
export class EwsSession {
  readonly agent: https.Agent;
  readonly url: URL;

  constructor(readonly connection: EwsConnection) {
    this.url = assertOnPremisesUrl(connection.url);
    const maxSockets = connection.maxSockets ?? 32;
    // HTTPS only: assertOnPremisesUrl refused http:// above, so a password never travels in clear text.
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets,
      // The system store, Node's roots and --ca (src/trust.ts), as one SecureContext: an Agent given `ca`
      // re-joins every PEM into its pool key on each request and re-parses them for each socket.
      secureContext: trustContext(connection.ca),
      ...(connection.insecure ? { rejectUnauthorized: false } : {}),
    });
  }

  /** A fresh ExchangeService whose XHR layer records what the server answered. */
  async createService(): Promise<EwsServiceHandle> {
    const ews = await loadEws();
    const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
    service.Credentials = new ews.WebCredentials(this.connection.username, this.connection.password);
    service.Url = new ews.Uri(this.connection.url);
    // Not `rejectUnauthorized` on XhrApi: that makes it build a new agent per request, dropping keep-alive
    // and the CA. ExchangeService.Timeout is never applied by the library; axios' timeout is.
    const inner = new ews.XhrApi({
      timeout: this.connection.timeoutMs ?? 30_000,
      httpsAgent: this.agent,
    });
    const transport = new RecordingXhrApi(inner);
    service.XHRApi = transport;
    return { service, transport };
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Sessions by what the connection says, not by object identity: callers that rebuild `{ ...connection }`
 * per probe still share one agent instead of leaving a trail of idle keep-alive sockets.
 */
const sessions = new Map<string, EwsSession>();
/** A connection object is not changed once used (probes take it read-only), so its key can be kept. */
const byConnection = new WeakMap<EwsConnection, { key: string; session: EwsSession }>();

function sessionKey(connection: EwsConnection): string {
  const digest = (text: string | undefined): string => (text ? createHash('sha256').update(text, 'utf8').digest('base64') : '');
  return JSON.stringify([
    connection.url,
    connection.username,
    digest(connection.password),
    digest(connection.ca),
    !!connection.insecure,
    connection.timeoutMs ?? null,
    connection.maxSockets ?? null,
  ]);
}

/** The shared session for this connection, created on first use (throws for Exchange Online or a bad URL). */
export function ewsSession(connection: EwsConnection): EwsSession {
  // The same connection object again (verify's probes): no key to hash, while its session is still open.
  const known = byConnection.get(connection);
  if (known && sessions.get(known.key) === known.session) return known.session;
  const key = sessionKey(connection);
  let session = sessions.get(key);
  if (!session) {
    session = new EwsSession(connection);
    sessions.set(key, session);
  }
  byConnection.set(connection, { key, session });
  return session;
}

/** Closes the keep-alive sockets of this connection. */
export function closeEwsConnection(connection: EwsConnection): void {
  const key = sessionKey(connection);
  sessions.get(key)?.close();
  sessions.delete(key);
}

/** Closes every session, e.g. when a command finishes. */
export function closeAllEwsConnections(): void {
  for (const session of sessions.values()) session.close();
  sessions.clear();
}
