// The EWS client used by `imp verify`, `imp credentials test` and `imp expiry`.
// Importing this module does not load ews-javascript-api; the first probe does.
export {
  assertOnPremisesUrl,
  closeAllEwsConnections,
  closeEwsConnection,
  EwsSession,
  EwsUrlError,
  ewsSession,
  ExchangeOnlineNotSupportedError,
  isExchangeOnlineHost,
  loadEws,
  type EwsConnection,
  type EwsServiceHandle,
} from './connection';
export { classifyEwsError, responseCodeFromXml, type EwsFailure, type EwsFailureKind, type TlsProblem } from './errors';
export {
  getPasswordExpirationDate,
  probeImpersonation,
  probeLogin,
  resolveName,
  type ProbeOptions,
  type ProbeResult,
  type ResolvedName,
} from './probes';
export { RecordingXhrApi, type HttpEvidence } from './transport';
