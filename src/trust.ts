// Which certificate authorities imp trusts for the EWS server. The internal CA that signs an Exchange
// certificate is usually already in the operating system's store (the server trusts it), while Node by
// default knows only its own bundled Mozilla roots. So imp trusts both, and --ca adds one more.
import * as tls from 'node:tls';

/**
 * The CA certificates (PEM) imp trusts: the system store (Windows certificate store, macOS keychain,
 * OpenSSL's files on Linux, which SSL_CERT_FILE and SSL_CERT_DIR redirect), Node's bundled roots, and
 * `extraCa` (the --ca file's text).
 */
export function trustedCertificates(extraCa?: string): string[] {
  // getCACertificates exists from Node 22.15 (imp's engines); an older Node still gets the bundled roots.
  const system = typeof tls.getCACertificates === 'function' ? tls.getCACertificates('system') : [];
  return [...new Set([...system, ...tls.rootCertificates, ...(extraCa ? [extraCa] : [])])];
}

const contexts = new Map<string, tls.SecureContext>();

/**
 * One SecureContext per distinct --ca for the process: parsing several hundred certificates costs a few
 * milliseconds, which must not be paid per request or per socket.
 */
export function trustContext(extraCa?: string): tls.SecureContext {
  const key = extraCa ?? '';
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: trustedCertificates(extraCa) });
    contexts.set(key, context);
  }
  return context;
}
