// Response XML in the shapes real Exchange sends (see the shared reference, EWS section).
import { escapeXml } from './xml';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
};

/** Exchange 2016 CU23, as captured from a real server. */
export const SERVER_VERSION = { major: 15, minor: 1, majorBuild: 2507, minorBuild: 6, version: 'V2017_07_11' };

export const MESSAGES = {
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorServerBusy: 'The server cannot service this request right now. Try again later.',
  ErrorNonPrimarySmtpAddress: 'The primary SMTP address must be specified when referencing a mailbox.',
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
  ErrorNameResolutionNoResults: 'No results were found.',
  ErrorNameResolutionMultipleResults: 'Multiple results were found.',
  ErrorInvalidRequest: 'The request is invalid.',
  ErrorInvalidExchangeImpersonationHeader: 'The impersonation header is invalid.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
} as const;
export type EwsResponseCode = keyof typeof MESSAGES | 'ErrorSchemaValidation' | 'NoError';

/** Real Exchange sometimes wraps ResponseCode values in whitespace and newlines. */
export function responseCodeText(code: string, pad: boolean): string {
  return pad ? `\n        ${code}\n      ` : code;
}

function messageXml(values: Record<string, string> | undefined, prefix: 't' | 'm', declareNamespace: boolean): string {
  if (!values || !Object.keys(values).length) return '';
  const xmlns = declareNamespace ? ` xmlns:t="${NS.types}"` : '';
  const inner = Object.entries(values)
    .map(([name, value]) => `<t:Value Name="${escapeXml(name)}">${escapeXml(value)}</t:Value>`)
    .join('');
  return `<${prefix}:MessageXml${xmlns}>${inner}</${prefix}:MessageXml>`;
}

/** SOAP 1.1 fault, sent with HTTP 500: how Exchange reports failures in header processing and throttling. */
export function soapFault(code: EwsResponseCode, message: string, details: Record<string, string> | undefined, pad: boolean): string {
  const text = escapeXml(message);
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault>` +
    `<faultcode xmlns:a="${NS.types}">a:${code}</faultcode>` +
    `<faultstring xml:lang="en-US">${text}</faultstring>` +
    `<detail><e:ResponseCode xmlns:e="${NS.errors}">${responseCodeText(code, pad)}</e:ResponseCode>` +
    `<e:Message xmlns:e="${NS.errors}">${text}</e:Message>` +
    messageXml(details, 't', true) +
    `</detail></s:Fault></s:Body></s:Envelope>`
  );
}

/** A successful SOAP envelope with the real ServerVersionInfo header around one response element. */
export function soapEnvelope(body: string): string {
  const v = SERVER_VERSION;
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS.soap}"><s:Header>` +
    `<h:ServerVersionInfo MajorVersion="${v.major}" MinorVersion="${v.minor}" MajorBuildNumber="${v.majorBuild}" ` +
    `MinorBuildNumber="${v.minorBuild}" Version="${v.version}" xmlns:h="${NS.types}" xmlns="${NS.types}" ` +
    `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></s:Header>` +
    `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
    body +
    `</s:Body></s:Envelope>`
  );
}

/** `<m:GetFolderResponse>` etc., wrapping one response message per requested item. */
export function operationResponse(operation: string, messages: string[]): string {
  return (
    `<m:${operation}Response xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:ResponseMessages>` +
    messages.join('') +
    `</m:ResponseMessages></m:${operation}Response>`
  );
}

export function successMessage(operation: string, content: string, pad: boolean): string {
  return (
    `<m:${operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>${responseCodeText('NoError', pad)}</m:ResponseCode>` +
    content +
    `</m:${operation}ResponseMessage>`
  );
}

type ErrorOptions = { pad: boolean; details?: Record<string, string>; content?: string; message?: string };

/** MessageText, ResponseCode, DescriptiveLinkKey and MessageXml of a failed response message. */
export function errorContent(code: EwsResponseCode, options: ErrorOptions): string {
  const message = options.message ?? (MESSAGES as Record<string, string>)[code] ?? code;
  return (
    `<m:MessageText>${escapeXml(message)}</m:MessageText>` +
    `<m:ResponseCode>${responseCodeText(code, options.pad)}</m:ResponseCode>` +
    `<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>` +
    messageXml(options.details, 'm', false) +
    (options.content ?? '')
  );
}

/** A per-item error: HTTP 200 with ResponseClass="Error" (or "Warning"). */
export function errorMessage(
  operation: string,
  code: EwsResponseCode,
  options: ErrorOptions & { responseClass?: 'Error' | 'Warning' },
): string {
  return (
    `<m:${operation}ResponseMessage ResponseClass="${options.responseClass ?? 'Error'}">` +
    errorContent(code, options) +
    `</m:${operation}ResponseMessage>`
  );
}
