// The simulated EWS endpoint used by tests and demos of `imp verify`, `imp credentials test` and `imp expiry`.
export { startEwsServer, CA_FILE, type EwsSimOptions, type EwsSimServer } from './server';
export { FAULTS_FILE, ewsFaultsSchema, type EwsFaults } from './faults';
export { REQUEST_LOG_FILE, type EwsRequestLogEntry } from './request-log';
export { generateCertificateChain, type CertificateChain, type CertificateOptions } from './certificate';
export { NEVER_EXPIRING_PASSWORD_ELEMENT, passwordExpiryTime } from './operations';
