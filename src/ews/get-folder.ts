// The GetFolder requests of the login and impersonation probes, without ews-javascript-api: verify sends
// one per mailbox. Through the library each probe built an ExchangeService, a request object tree, an
// XML writer and a DOM parse of the answer: CPU per request, which kept the EWS phase far above
// mailboxes x latency / concurrency, and loading the library alone costs about 60 MB. Here the request
// is a string template and the answer is read only for what the probe needs: success, or the HTTP
// evidence that errors.ts classifies exactly as it classifies the library's failures. ResolveNames and
// GetPasswordExpirationDate still go through ews-javascript-api.
import * as http from 'node:http';
import * as https from 'node:https';
import type { EwsSession } from './connection';
import { responseCodeFromXml } from './errors';
import type { HttpEvidence } from './transport';

export interface GetFolderRequest {
  folder: 'calendar' | 'inbox';
  /** Whose folder; the logon's own when absent. */
  mailbox?: string;
  /** ExchangeImpersonation as this address (ConnectingSID/SmtpAddress). */
  impersonate?: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xml = (text: string): string => text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

/** What ews-javascript-api sends for Folder.Bind(folder, IdOnly), byte for byte; addresses are escaped as data. */
export function getFolderEnvelope({ folder, mailbox, impersonate }: GetFolderRequest): string {
  const impersonation = impersonate
    ? `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${xml(impersonate)}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
    : '';
  const owner = mailbox ? `<t:Mailbox><t:EmailAddress>${xml(mailbox)}</t:EmailAddress></t:Mailbox>` : '';
  return (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">' +
    `<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"></t:RequestServerVersion>${impersonation}</soap:Header>` +
    '<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>' +
    `<t:DistinguishedFolderId Id="${folder}">${owner}</t:DistinguishedFolderId>` +
    '</m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>'
  );
}

/** What every request of a session shares, worked out once: the URL's parts and the Basic credentials. */
const requestBases = new WeakMap<EwsSession, https.RequestOptions & { headers: Record<string, string> }>();

function requestBase(session: EwsSession): https.RequestOptions & { headers: Record<string, string> } {
  let base = requestBases.get(session);
  if (!base) {
    const { connection, url, agent } = session;
    base = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), // an IPv6 literal without its brackets
      port: url.port,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      agent,
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        Accept: 'text/xml',
        Authorization: `Basic ${Buffer.from(`${connection.username}:${connection.password}`, 'utf8').toString('base64')}`,
      },
    };
    requestBases.set(session, base);
  }
  return base;
}

/** Enough of any answer for errors.ts: a GetFolder answer or a SOAP fault is a few kB. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POSTs a SOAP envelope over the session's keep-alive agent (its TLS sessions are reused too). Never
 * throws: a transport failure comes back as evidence without a status, as RecordingXhrApi records it.
 */
export function postSoap(session: EwsSession, envelope: string): Promise<HttpEvidence> {
  const { connection, url } = session;
  const timeoutMs = connection.timeoutMs ?? 30_000;
  const body = Buffer.from(envelope, 'utf8');
  const base = requestBase(session);
  return new Promise((resolve) => {
    const request = (url.protocol === 'http:' ? http : https).request({ ...base, headers: { ...base.headers, 'Content-Length': body.length } });
    const failed = (error: NodeJS.ErrnoException): void => resolve({ headers: {}, errorCode: error.code, errorMessage: error.message });
    request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error(`timeout of ${timeoutMs}ms exceeded`), { code: 'ETIMEDOUT' })));
    request.on('error', failed);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', failed);
      response.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode, headers, ...(text ? { body: text } : {}) });
      });
    });
    request.end(body);
  });
}

/** An HTTP 200 whose every ResponseCode is NoError, with a successful response class. */
export function succeeded(evidence: HttpEvidence): boolean {
  return evidence.status === 200 && !!evidence.body && /ResponseClass="Success"/.test(evidence.body) && responseCodeFromXml(evidence.body) === 'NoError';
}

/** The server's own words for a failure, as the library would have put them in its error message. */
export function failureText(evidence: HttpEvidence): string {
  const body = evidence.body ?? '';
  const message = /<(?:[\w.-]+:)?MessageText\b[^>]*>([^<]*)</.exec(body) ?? /<faultstring\b[^>]*>([^<]*)</.exec(body);
  if (message) return message[1]!.trim();
  return evidence.errorMessage ?? (evidence.status !== undefined ? `HTTP ${evidence.status}` : 'no answer');
}
