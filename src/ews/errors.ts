// Turns whatever ews-javascript-api rejected with into one of the outcomes an Exchange admin can act on.
// Library pitfalls handled here:
// - nothing it rejects with is `instanceof Error` (its Exception class does not extend Error);
// - SOAP faults (HTTP 500) arrive as SoapFaultDetails with a numeric ResponseCode, never as
//   ServiceResponseException; per-item errors (HTTP 200) arrive as ServiceResponseException with ErrorCode;
// - 401/403/503 and TLS/socket failures arrive as SoapFaultDetails with only a status and a message, so the
//   headers and Node's error code come from the RecordingXhrApi evidence instead;
// - real Exchange may pad ResponseCode text with whitespace; a code the library cannot map is recovered
//   from the raw response.
import { loadedEws } from './connection';
import { isSoapEnvelope, type HttpEvidence } from './transport';

export type EwsFailureKind =
  | 'unauthorized'
  | 'basic-disabled'
  | 'locked-out'
  | 'forbidden'
  | 'tls'
  | 'impersonation-denied'
  | 'no-mailbox'
  | 'non-primary'
  | 'server-busy'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'access-denied'
  | 'not-soap'
  | 'not-found'
  | 'other';

/** The server did not give an answer about the account: imp cannot tell (UNKNOWN), never CRITICAL. */
export const UNANSWERED: ReadonlySet<EwsFailureKind> = new Set(['network', 'timeout', 'unavailable', 'server-busy', 'not-soap', 'not-found']);

export type TlsProblem = 'self-signed' | 'untrusted-issuer' | 'hostname-mismatch' | 'expired' | 'not-yet-valid' | 'handshake';

export interface EwsFailure {
  kind: EwsFailureKind;
  /** EWS ResponseCode name, e.g. 'ErrorImpersonateUserDenied'. */
  code?: string;
  httpStatus?: number;
  /** ErrorServerBusy's BackOffMilliseconds hint. */
  backOffMs?: number;
  /** For kind 'tls': what is wrong with the certificate. */
  tls?: TlsProblem;
  /** Node/axios error code for transport failures (ECONNREFUSED, CERT_HAS_EXPIRED, …). */
  errorCode?: string;
  message: string;
}

/** Library values read structurally: the classes are not loaded until the first probe, and may never be. */
interface LibraryError {
  message?: unknown;
  HttpStatusCode?: unknown;
  ResponseCode?: unknown;
  FaultCode?: unknown;
  ErrorCode?: unknown;
  ErrorDetails?: { get?: (key: string) => unknown; containsKey?: (key: string) => boolean };
  Response?: { ErrorDetails?: { get?: (key: string) => unknown } };
  Exception?: { message?: unknown; constructor?: { name?: string } };
  code?: unknown;
}

const TLS_CODES: Record<string, TlsProblem> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted-issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted-issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted-issuer',
  CERT_UNTRUSTED: 'untrusted-issuer',
  CERT_SIGNATURE_FAILURE: 'untrusted-issuer',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname-mismatch',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  EPROTO: 'handshake',
  ERR_SSL_WRONG_VERSION_NUMBER: 'handshake',
};

/** The same problems recognised by Node's message text, when no code survived. */
const TLS_MESSAGES: [RegExp, TlsProblem][] = [
  [/self[- ]signed certificate/i, 'self-signed'],
  [/unable to verify the first certificate|unable to get (local )?issuer certificate|certificate signature failure/i, 'untrusted-issuer'],
  [/does not match certificate's altnames|Hostname\/IP does not match/i, 'hostname-mismatch'],
  [/certificate has expired/i, 'expired'],
  [/certificate is not yet valid/i, 'not-yet-valid'],
  [/wrong version number|ssl3_get_record|SSL routines|handshake failure/i, 'handshake'],
];

const TLS_TEXT: Record<TlsProblem, string> = {
  'self-signed': 'the server certificate is self-signed (or its chain ends in a self-signed CA that is not trusted)',
  'untrusted-issuer': 'the server certificate was issued by a CA this machine does not trust (typically an internal PKI)',
  'hostname-mismatch': 'the server certificate does not name this host (use the host name the certificate was issued for)',
  expired: 'the server certificate has expired',
  'not-yet-valid': 'the server certificate is not valid yet (check the clocks)',
  handshake: 'the TLS handshake failed (is the URL really HTTPS on this port?)',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** Each way of not reaching the server in words of its own. */
function networkMessage(code: string | undefined, message: string): string {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return `The connection was reset before EWS answered (${code}): a proxy, load balancer or firewall may be cutting it. (${message})`;
    case 'ECONNREFUSED':
      return `Nothing accepts connections at that host and port (ECONNREFUSED). (${message})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name does not resolve (${code}). (${message})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `There is no network route to the host (${code}). (${message})`;
    default:
      return `Could not reach the EWS endpoint: ${message}`;
  }
}

/** What a server sent instead of SOAP, briefly: never more than a short, single-line excerpt. */
function whatCameBack(body: string | undefined): string {
  const text = (body ?? '').trim();
  if (!text) return 'the body was empty';
  const excerpt = (value: string) => JSON.stringify(value.replace(/\s+/g, ' ').slice(0, 80));
  if (/<html[\s>]/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return title ? `an HTML page titled ${excerpt(title)}` : 'an HTML page';
  }
  const root = /^(?:<\?xml[^>]*\?>\s*)?<([\w.:-]+)/.exec(text)?.[1];
  if (root) return `XML that is not a SOAP envelope, <${root}>`;
  return `plain text ${excerpt(text)}`;
}

const CODE_KINDS: Record<string, EwsFailureKind> = {
  ErrorImpersonateUserDenied: 'impersonation-denied',
  ErrorImpersonationDenied: 'impersonation-denied', // Exchange 2007's name for it
  ErrorImpersonationFailed: 'impersonation-denied',
  ErrorNonExistentMailbox: 'no-mailbox',
  ErrorNonPrimarySmtpAddress: 'non-primary',
  ErrorServerBusy: 'server-busy',
  ErrorExceededConnectionCount: 'server-busy',
  ErrorTooManyObjectsOpened: 'server-busy',
  ErrorAccessDenied: 'access-denied',
};

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  // faultstring with xml:lang parses into an object { 'xml:lang', faultstring }.
  if (value && typeof value === 'object' && typeof (value as { faultstring?: unknown }).faultstring === 'string') {
    return (value as { faultstring: string }).faultstring;
  }
  return undefined;
}

function serviceErrorName(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value !== 'number') return undefined;
  const names = loadedEws()?.ServiceError as unknown as Record<number, string> | undefined;
  return names?.[value];
}

/** First ResponseCode other than NoError in a raw response, whitespace-padded or not. */
export function responseCodeFromXml(xml: string | undefined): string | undefined {
  if (!xml) return undefined;
  const pattern = /<(?:[\w.-]+:)?ResponseCode\b[^>]*>\s*([A-Za-z0-9_]+)\s*</g;
  let first: string | undefined;
  for (let m = pattern.exec(xml); m; m = pattern.exec(xml)) {
    if (m[1] !== 'NoError') return m[1];
    first ??= m[1];
  }
  const fault = /<faultcode\b[^>]*>\s*(?:[\w.-]+:)?([A-Za-z0-9_]+)\s*</.exec(xml);
  return fault?.[1] ?? first;
}

function backOffFromXml(xml: string | undefined): number | undefined {
  const m = xml && /<(?:[\w.-]+:)?Value\s+Name="BackOffMilliseconds"\s*>\s*(\d+)\s*</.exec(xml);
  return m ? Number(m[1]) : undefined;
}

function tlsProblem(code: string | undefined, message: string): TlsProblem | undefined {
  if (code && TLS_CODES[code]) return TLS_CODES[code];
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) return 'handshake';
  return TLS_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
}

function ewsCode(error: LibraryError, evidence: HttpEvidence | undefined, status: number | undefined): string | undefined {
  const fromLibrary =
    status === 500 || error.FaultCode !== undefined
      ? serviceErrorName(error.ResponseCode) ?? text(error.FaultCode)?.replace(/^\s*[\w.-]+:/, '').trim()
      : serviceErrorName(error.ErrorCode);
  // A padded code the library could not map leaves ResponseCode/ErrorCode undefined (or the default
  // ErrorInternalServerError): the raw response still has it.
  const fromWire = status === 200 || status === 500 ? responseCodeFromXml(evidence?.body) : undefined;
  if (fromWire && (!fromLibrary || fromLibrary === 'ErrorInternalServerError' || fromLibrary === 'NoError')) return fromWire;
  return fromLibrary === 'NoError' ? undefined : fromLibrary;
}

function backOffMilliseconds(error: LibraryError, evidence: HttpEvidence | undefined): number | undefined {
  const details = error.ErrorDetails ?? error.Response?.ErrorDetails;
  const raw = typeof details?.get === 'function' ? details.get('BackOffMilliseconds') : undefined;
  const fromLibrary = raw === undefined || raw === null || raw === '' ? NaN : Number(raw);
  if (Number.isFinite(fromLibrary)) return fromLibrary;
  return backOffFromXml(evidence?.body);
}

const CODE_MESSAGES: Partial<Record<EwsFailureKind, string>> = {
  'impersonation-denied':
    'The account does not have permission to impersonate this mailbox (ErrorImpersonateUserDenied): no ApplicationImpersonation ' +
    'assignment for it, one created too recently to have reached EWS yet (allow up to 30 minutes), or the mailbox is outside ' +
    "the assignment's scope.",
  'no-mailbox': 'The SMTP address has no mailbox associated with it (ErrorNonExistentMailbox).',
  'non-primary': 'An alias was used where Exchange requires the primary SMTP address (ErrorNonPrimarySmtpAddress).',
  'access-denied': 'Access to the mailbox was denied (ErrorAccessDenied).',
};

/**
 * Classifies a rejection from ews-javascript-api. Pass the RecordingXhrApi evidence of the service that made
 * the call: without it, 401 variants and TLS details are told apart by message text only.
 */
export function classifyEwsError(error: unknown, evidence?: HttpEvidence): EwsFailure {
  const e = (error && typeof error === 'object' ? error : { message: String(error) }) as LibraryError;
  const rawMessage = text(e.message) ?? '';
  const libraryStatus = typeof e.HttpStatusCode === 'number' ? e.HttpStatusCode : undefined;
  const status = evidence?.status ?? (libraryStatus === 200 && e.FaultCode === undefined ? undefined : libraryStatus);
  const transportCode = evidence?.errorCode ?? (typeof e.code === 'string' ? e.code : undefined);
  const transportMessage = evidence?.errorMessage ?? rawMessage;

  // No HTTP answer at all: TLS, timeout or network.
  if (status === undefined) {
    const problem = tlsProblem(transportCode, transportMessage);
    if (problem) {
      return {
        kind: 'tls',
        tls: problem,
        errorCode: transportCode,
        message: `TLS error: ${TLS_TEXT[problem]}. Pass the issuing CA's certificate (PEM) rather than turning verification off. (${transportMessage})`,
      };
    }
    if (transportCode === 'ECONNABORTED' || transportCode === 'ETIMEDOUT' || /timeout of \d+ms exceeded|timed? ?out/i.test(transportMessage)) {
      return { kind: 'timeout', errorCode: transportCode, message: `The EWS request timed out (${transportMessage}).` };
    }
    if ((transportCode && NETWORK_CODES.has(transportCode)) || /ECONN|ENOTFOUND|EHOSTUNREACH|socket hang up|getaddrinfo/i.test(transportMessage)) {
      return { kind: 'network', errorCode: transportCode, message: networkMessage(transportCode, transportMessage) };
    }
  }

  // The transport marks it; a probe sent without the library (calendar-probe.ts) brings its body instead.
  const notSoap = evidence !== undefined && (status === 200 || status === 500) && (evidence.notSoap ?? (!isSoapEnvelope(evidence.body) && !responseCodeFromXml(evidence.body)));
  if (notSoap && status !== undefined) {
    return { kind: 'not-soap', httpStatus: status, message: `EWS answered HTTP ${status} with no SOAP body (${whatCameBack(evidence.body)}).` };
  }
  if (status === 404) {
    return { kind: 'not-found', httpStatus: 404, message: 'EWS answered HTTP 404: nothing is published at this URL (the EWS path is /EWS/Exchange.asmx).' };
  }

  const headers = evidence?.headers ?? {};
  if (status === 401) {
    const challenge = headers['www-authenticate'];
    const body = evidence?.body ?? '';
    if (/lock/i.test(headers['x-caserrorcode'] ?? '') || /currently locked out/i.test(body)) {
      return {
        kind: 'locked-out',
        httpStatus: 401,
        message: 'The account is locked out in Active Directory (too many wrong passwords). Unlock it (Unlock-ADAccount) and check what else uses the old password.',
      };
    }
    if (challenge !== undefined && !/\bBasic\b/i.test(challenge)) {
      return {
        kind: 'basic-disabled',
        httpStatus: 401,
        message:
          `Basic authentication is turned off on the EWS virtual directory (the server only offers: ${challenge}). Enable it with ` +
          `Set-WebServicesVirtualDirectory -Identity "<Server>\\EWS (Default Web Site)" -BasicAuthentication $true, then iisreset.`,
      };
    }
    return {
      kind: 'unauthorized',
      httpStatus: 401,
      message: 'The server rejected the user name or password (HTTP 401). Check the password, the user name format (UPN or DOMAIN\\user), and that the account is enabled and its password has not expired.',
    };
  }
  if (status === 403) {
    return {
      kind: 'forbidden',
      httpStatus: 403,
      message: 'The server refused the request (HTTP 403), e.g. an authentication policy blocks Basic authentication to EWS for this account (Get-AuthenticationPolicy, BlockLegacyAuthWebServices).',
    };
  }
  if (status === 503) {
    return { kind: 'unavailable', httpStatus: 503, message: 'The EWS endpoint is temporarily unavailable (HTTP 503).' };
  }

  const code = ewsCode(e, evidence, status);
  const kind = code ? CODE_KINDS[code] : undefined;
  if (kind === 'server-busy') {
    const backOffMs = backOffMilliseconds(e, evidence);
    return {
      kind,
      code,
      httpStatus: status,
      backOffMs,
      message: `Exchange is throttling this account (${code})${backOffMs !== undefined ? `; it asks to wait ${backOffMs} ms` : ''}.`,
    };
  }
  if (kind) return { kind, code, httpStatus: status, message: CODE_MESSAGES[kind] ?? rawMessage };
  const detail = rawMessage || (status ? `HTTP ${status}` : 'unknown error');
  return {
    kind: 'other',
    ...(code ? { code } : {}),
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(transportCode ? { errorCode: transportCode } : {}),
    message: code ? `${code}: ${detail}` : detail,
  };
}
