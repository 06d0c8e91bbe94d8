// A simulated on-premises EWS endpoint (IIS + Exchange 2016) over HTTPS on 127.0.0.1, backed by the shared
// state file. Order of checks follows the real stack: IIS authentication, then EWS throttling, then SOAP
// header processing (impersonation: target look-up before RBAC), then the operation.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { passwordMatches, StateCache, type SimState, type SimUser } from '../state';
import { generateCertificateChain, type CertificateOptions } from './certificate';
import { directoryFor, findLogonUser, findMailbox, mayImpersonate, type Directory } from './directory';
import { FaultInjector, type EwsFaults } from './faults';
import { OPERATIONS, passwordExpiryTime } from './operations';
import { RequestLog, type EwsRequestLogEntry } from './request-log';
import { MESSAGES, soapEnvelope, soapFault, type EwsResponseCode } from './soap';
import { child, parseXml, textOf, type XmlElement } from './xml';

export interface EwsSimOptions {
  stateDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** How long a new role assignment takes to reach EWS (the RBAC cache). */
  propagationMs: number;
  /** Faults in force at start; <stateDir>/ews-faults.json overrides them while it exists. */
  faults?: EwsFaults;
  /** Server certificate names and validity, to simulate hostname mismatches or expired certificates. */
  certificate?: CertificateOptions;
}

export interface EwsSimServer {
  /** https://127.0.0.1:<port>/EWS/Exchange.asmx */
  url: string;
  port: number;
  /** PEM of the CA that signed the server certificate: <stateDir>/ca.pem. */
  caFile: string;
  requestLog: EwsRequestLogEntry[];
  /** Faults in force now (after re-reading ews-faults.json if it changed). */
  readonly faults: EwsFaults;
  setFaults(faults: EwsFaults): void;
  close(): Promise<void>;
}

export const CA_FILE = 'ca.pem';
const MAX_BODY_BYTES = 1 << 20;

const IIS_401_INVALID_CREDENTIALS = iisErrorPage(
  '401 - Unauthorized: Access is denied due to invalid credentials.',
  'You do not have permission to view this directory or page using the credentials that you supplied.',
);
const IIS_401_SERVER_CONFIGURATION = iisErrorPage(
  '401 - Unauthorized: Access is denied due to server configuration.',
  'You do not have permission to view this directory or page using the credentials that you supplied because your Web browser is sending a WWW-Authenticate header field that the Web server is not configured to accept.',
);
const IIS_401_LOCKED_OUT = iisErrorPage(
  '401 - Unauthorized: Access is denied due to invalid credentials.',
  'The referenced account is currently locked out and may not be logged on to.',
);
const IIS_404 = iisErrorPage('404 - File or directory not found.', 'The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.');
const HTTP_503 =
  '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n' +
  '<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n' +
  '<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n';

function iisErrorPage(title: string, detail: string): string {
  return (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n' +
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>\r\n' +
    `<title>${title}</title>\r\n</head>\r\n<body>\r\n<div id="header"><h1>Server Error</h1></div>\r\n` +
    `<div id="content">\r\n <div class="content-container"><fieldset>\r\n  <h2>${title}</h2>\r\n` +
    `  <h3>${detail}</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n`
  );
}

/** Basic credentials decoded as UTF-8; the password may hold anything except nothing before the first colon. */
function parseBasic(header: string | undefined): { username: string; password: string } | null {
  const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function passwordExpired(user: SimUser, state: SimState, now: number): boolean {
  const expiry = passwordExpiryTime(user, state.organization.maxPasswordAgeDays);
  return expiry !== 'never' && expiry <= now;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type ImpersonationOutcome =
  | { ok: true; target: SimUser }
  | { ok: false; code: EwsResponseCode; details?: Record<string, string>; requested: string };

/**
 * ConnectingSID: the server tries PrincipalName, SID, PrimarySmtpAddress, then SmtpAddress. The target is
 * looked up before rights are checked, so an unknown target is ErrorNonExistentMailbox even without rights.
 */
function impersonate(
  directory: Directory,
  caller: SimUser,
  header: XmlElement,
  propagationMs: number,
): ImpersonationOutcome {
  const sid = child(header, 'ConnectingSID');
  const principalName = textOf(child(sid, 'PrincipalName'));
  const sidValue = textOf(child(sid, 'SID'));
  const primary = textOf(child(sid, 'PrimarySmtpAddress'));
  const smtp = textOf(child(sid, 'SmtpAddress'));
  let target: SimUser | undefined;
  let requested: string;
  if (principalName) {
    requested = principalName;
    target = directory.byPrincipalName.get(principalName.toLowerCase());
    if (target && !target.mailbox) target = undefined;
  } else if (sidValue) {
    requested = sidValue; // SIDs are not simulated: no account matches one
  } else if (primary) {
    requested = primary;
    target = findMailbox(directory, primary);
    if (target && target.mailbox!.primarySmtpAddress.toLowerCase() !== primary.toLowerCase()) {
      return { ok: false, code: 'ErrorNonPrimarySmtpAddress', details: { Primary: target.mailbox!.primarySmtpAddress }, requested };
    }
  } else if (smtp) {
    requested = smtp;
    target = findMailbox(directory, smtp);
  } else {
    return { ok: false, code: 'ErrorInvalidExchangeImpersonationHeader', requested: '' };
  }
  if (!target) return { ok: false, code: 'ErrorNonExistentMailbox', details: { SmtpAddress: requested }, requested };
  if (!mayImpersonate(directory, caller, target, Date.now(), propagationMs)) {
    return { ok: false, code: 'ErrorImpersonateUserDenied', requested };
  }
  return { ok: true, target };
}

export async function startEwsServer(options: EwsSimOptions): Promise<EwsSimServer> {
  mkdirSync(options.stateDir, { recursive: true });
  const chain = generateCertificateChain(options.certificate);
  const caFile = join(options.stateDir, CA_FILE);
  writeFileSync(caFile, chain.caCertPem, 'utf8'); // the CA key stays in memory and is dropped after start-up

  const cache = new StateCache(options.stateDir);
  const injector = new FaultInjector(options.stateDir, options.faults);
  const log = new RequestLog(options.stateDir);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const faults = injector.current();
    if (faults.latencyMs) await delay(faults.latencyMs);

    const credentials = parseBasic(req.headers.authorization);
    const entry: Omit<EwsRequestLogEntry, 'status' | 'responseCode'> = {
      time: new Date().toISOString(),
      user: credentials?.username ?? null,
      operation: null,
    };
    let state: SimState | undefined;
    try {
      state = cache.get();
    } catch {
      state = undefined; // answered below with a 500, after the path check
    }
    const headers: Record<string, string | string[]> = {
      'Cache-Control': 'private',
      Server: 'Microsoft-IIS/10.0',
      'request-id': randomUUID(),
      'X-AspNet-Version': '4.0.30319',
      'X-Powered-By': 'ASP.NET',
      'X-FEServer': state?.organization.exchangeServer ?? 'EX01',
    };
    const send = (status: number, responseCode: string, text: string, contentType: string, extra: Record<string, string | string[]> = {}): void => {
      log.append({ ...entry, status, responseCode });
      res.writeHead(status, { ...headers, ...extra, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const html = 'text/html';
    const xml = 'text/xml; charset=utf-8';
    const fault = (code: EwsResponseCode, details?: Record<string, string>): void =>
      send(500, code, soapFault(code, (MESSAGES as Record<string, string>)[code] ?? code, details, !!faults.padResponseCodes), xml);

    const path = (req.url ?? '').split('?')[0]!.toLowerCase();
    if (req.method !== 'POST' || path !== '/ews/exchange.asmx') return send(404, 'NotFound', IIS_404, html);
    if (!state) return send(500, 'ErrorInternalServerError', 'state.json could not be read', 'text/plain');
    if (body === null) return send(413, 'RequestEntityTooLarge', '', 'text/plain');

    // IIS authentication: the vdir decides which schemes exist at all.
    const directory = directoryFor(state);
    const exchangeServer = state.organization.exchangeServer.toLowerCase();
    const vdir =
      state.webServicesVirtualDirectories.find((v) => v.server.toLowerCase() === exchangeServer) ?? state.webServicesVirtualDirectories[0];
    if (!vdir?.basicAuthentication) {
      return send(401, 'BasicAuthDisabled', IIS_401_SERVER_CONFIGURATION, html, { 'WWW-Authenticate': ['Negotiate', 'NTLM'] });
    }
    const realm = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
    const challenge = { 'WWW-Authenticate': ['Negotiate', 'NTLM', `Basic realm="${realm}"`] };
    const caller = credentials ? findLogonUser(directory, credentials.username) : undefined;
    if (!credentials || !caller) return send(401, 'Unauthorized', IIS_401_INVALID_CREDENTIALS, html, challenge);
    // AD refuses a locked-out account before looking at the password.
    if (caller.lockedOut) {
      return send(401, 'AccountLockedOut', IIS_401_LOCKED_OUT, html, { ...challenge, 'X-CasErrorCode': 'AccountLockedOut' });
    }
    if (!passwordMatches(caller, credentials.password) || !caller.enabled || passwordExpired(caller, state, Date.now())) {
      return send(401, 'Unauthorized', IIS_401_INVALID_CREDENTIALS, html, challenge);
    }

    // Parsed before throttling only so that the request log names the operation of throttled requests too.
    let envelope: XmlElement | undefined;
    let parseError: Error | undefined;
    try {
      envelope = parseXml(body);
    } catch (error) {
      parseError = error as Error;
    }
    const request = child(envelope, 'Body')?.children[0];
    entry.operation = request?.name ?? null;

    // Throttling: IIS queue overflow (503) and EWS budget (ErrorServerBusy with a back-off hint).
    if (injector.unavailableNow(faults)) return send(503, 'ServiceUnavailable', HTTP_503, html);
    const backOff = injector.serverBusy(faults);
    if (backOff !== undefined) return fault('ErrorServerBusy', { BackOffMilliseconds: String(backOff) });

    if (!envelope) {
      const message = `The request failed schema validation: ${parseError?.message ?? 'no envelope'}`;
      return send(500, 'ErrorSchemaValidation', soapFault('ErrorSchemaValidation', message, undefined, !!faults.padResponseCodes), xml);
    }
    const operation = request && OPERATIONS[request.name];
    if (!request || !operation) return fault('ErrorInvalidRequest');

    let impersonated: SimUser | undefined;
    const impersonationHeader = child(child(envelope, 'Header'), 'ExchangeImpersonation');
    if (impersonationHeader) {
      const outcome = impersonate(directory, caller, impersonationHeader, options.propagationMs);
      if (!outcome.ok) {
        if (outcome.requested) entry.impersonated = outcome.requested;
        return fault(outcome.code, outcome.details);
      }
      impersonated = outcome.target;
      entry.impersonated = outcome.target.mailbox!.primarySmtpAddress;
    }

    const result = operation(request, { directory, caller, impersonated, pad: !!faults.padResponseCodes, now: Date.now() });
    if (result.mailbox) entry.mailbox = result.mailbox;
    return send(200, result.responseCode, soapEnvelope(result.body), xml);
  }

  const server: Server = createServer({ key: chain.keyPem, cert: chain.certPem }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`Simulator error: ${(error as Error).message}`);
      } else res.destroy();
    });
  });
  // Long keep-alive so a client agent never races the server closing an idle socket.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://127.0.0.1:${port}/EWS/Exchange.asmx`,
    port,
    caFile,
    requestLog: log.entries,
    get faults() {
      return injector.current();
    },
    setFaults: (faults) => injector.set(faults),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
