// ews-javascript-api turns every non-200 answer into a SoapFaultDetails that keeps only the status and a
// message: the WWW-Authenticate and X-CasErrorCode headers, the 401 body and Node's TLS error code are
// gone by then. This XHR wrapper sits between the library and @ewsjs/xhr and keeps the last answer, so
// errors.ts can tell "Basic disabled" from "wrong password" and "self-signed" from "expired".
import type { IXHRApi, IXHROptions, IXHRProgress, XhrApi } from 'ews-javascript-api';

/** What the wire said about the last request, kept per ExchangeService (one per probe). */
export interface HttpEvidence {
  status?: number;
  /** Header names lower-cased; repeated headers (WWW-Authenticate) joined with ", ". */
  headers: Record<string, string>;
  /** Response body text (needed to recover ResponseCodes the library could not map). */
  body?: string;
  /** Node/axios error code for failures without an HTTP answer: CERT_HAS_EXPIRED, ECONNREFUSED, ECONNABORTED… */
  errorCode?: string;
  errorMessage?: string;
  /** A 200 or 500 answer whose body is not a SOAP envelope (empty, text, HTML, other XML). */
  notSoap?: boolean;
}

/** The library types this as Promise<XMLHttpRequest>, a DOM type this Node project does not load. */
type XhrResult = ReturnType<IXHRApi['xhr']>;

const MAX_BODY_CHARS = 64 * 1024;

function flattenHeaders(raw: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!raw || typeof raw !== 'object') return headers;
  // axios gives an AxiosHeaders instance; toJSON() flattens it, a plain object works as is.
  const source = typeof (raw as { toJSON?: unknown }).toJSON === 'function' ? (raw as { toJSON(): unknown }).toJSON() : raw;
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function evidenceFrom(response: Record<string, unknown>): HttpEvidence {
  const body = typeof response['responseText'] === 'string' ? (response['responseText'] as string) : undefined;
  const status = typeof response['status'] === 'number' ? (response['status'] as number) : undefined;
  const evidence: HttpEvidence = { status, headers: flattenHeaders(response['headers']) };
  if (body) evidence.body = body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body;
  if (status === undefined) {
    // No HTTP answer: an axios/Node error (TLS, socket, timeout). Its own code may sit on a cause.
    const cause = response['cause'] as { code?: unknown } | undefined;
    const code = response['code'] ?? cause?.code;
    if (typeof code === 'string') evidence.errorCode = code;
    if (typeof response['message'] === 'string') evidence.errorMessage = response['message'] as string;
  }
  return evidence;
}

/** A SOAP 1.1 envelope, as Exchange answers, closed at the end (a truncated one cannot be read either). */
export function isSoapEnvelope(body: string | undefined): boolean {
  if (!body) return false;
  const open = /<([\w.-]+:)?Envelope\b[^>]*\bxmlns(:[\w.-]+)?\s*=\s*["']http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/["']/.exec(body);
  return Boolean(open) && new RegExp(`</${open![1] ?? ''}Envelope>\\s*$`).test(body);
}

/**
 * ews-javascript-api reads the body of every 200 and 500 answer as SOAP, and an empty body, plain text, an
 * HTML page or other XML makes it throw a TypeError outside any promise (a crash, and a probe that never
 * settles). Such an answer is turned into a rejection the library passes on without reading a body; the
 * evidence keeps the real status and body for errors.ts.
 */
function withoutUnparsableBody(status: number | undefined, answer: unknown): object | undefined {
  // The whole body: the evidence keeps only its first 64 KB.
  const body = (answer as { responseText?: unknown } | undefined)?.responseText;
  if ((status !== 200 && status !== 500) || isSoapEnvelope(typeof body === 'string' ? body : undefined)) return undefined;
  return {
    status: 0,
    message: `HTTP ${status} without a SOAP body`,
    responseText: '',
    getAllResponseHeaders: () => '',
    getResponseHeader: () => null,
  };
}

export class RecordingXhrApi implements IXHRApi {
  /** The last answer (or transport failure) seen; undefined before the first request. */
  evidence: HttpEvidence | undefined;

  constructor(private readonly inner: XhrApi) {}

  get apiName(): string {
    return `recording;${this.inner.apiName}`;
  }

  async xhr(options: IXHROptions, progress?: (data: IXHRProgress) => void): XhrResult {
    this.evidence = undefined;
    let response: Awaited<XhrResult>;
    try {
      response = await this.inner.xhr(options, progress);
    } catch (failure) {
      this.evidence = evidenceFrom((failure ?? {}) as Record<string, unknown>);
      const refusal = withoutUnparsableBody(this.evidence.status, failure);
      this.evidence.notSoap = Boolean(refusal);
      throw refusal ?? failure;
    }
    this.evidence = evidenceFrom(response as unknown as Record<string, unknown>);
    const refusal = withoutUnparsableBody(this.evidence.status, response);
    this.evidence.notSoap = Boolean(refusal);
    if (refusal) throw refusal;
    return response;
  }

  xhrStream(options: IXHROptions, progress: (data: IXHRProgress) => void): XhrResult {
    return this.inner.xhrStream(options, progress);
  }

  disconnect(): void {
    this.inner.disconnect();
  }
}
