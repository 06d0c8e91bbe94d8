// A server that answers EWS with anything but SOAP (an empty 500, plain text, an HTML page, other XML),
// 404, 503, a reset or silence: each is caught at the EWS boundary with a message of its own, never a crash
// or a probe that never settles, and imp verify exits 3 (UNKNOWN) with one JSON document.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllEwsConnections, probeImpersonation, probeLogin, type EwsConnection, type ProbeResult } from '../../src/ews';
import { generateCertificateChain } from '../../src/sim/ews';
import { runImp } from '../helpers/imp';

const SOAP_FAULT =
  '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>' +
  '<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorSchemaValidation</faultcode>' +
  '<faultstring xml:lang="en-US">The request failed schema validation.</faultstring></s:Fault></s:Body></s:Envelope>';

/** What the server does, by the first path segment of the request. */
const ANSWERS: Record<string, { status?: number; type?: string; body?: string; reset?: true; silent?: true }> = {
  empty500: { status: 500, type: 'text/plain', body: '' },
  text500: { status: 500, type: 'text/plain', body: 'Internal Server Error' },
  html500: { status: 500, type: 'text/html', body: '<html><head><title>Runtime Error</title></head><body>Server Error in \'/EWS\' Application.</body></html>' },
  xml500: { status: 500, type: 'text/xml', body: '<?xml version="1.0"?><error><code>42</code></error>' },
  truncated500: { status: 500, type: 'text/xml', body: SOAP_FAULT.slice(0, 200) },
  login200: { status: 200, type: 'text/html', body: '<html><head><title>Sign in</title></head><body>proxy sign-in page</body></html>' },
  fault500: { status: 500, type: 'text/xml; charset=utf-8', body: SOAP_FAULT },
  missing404: { status: 404, type: 'text/html', body: '<html><body>404 - File or directory not found.</body></html>' },
  busy503: { status: 503, type: 'text/html', body: '<html><body>Service Unavailable</body></html>' },
  reset: { reset: true },
  silent: { silent: true },
};

describe('broken EWS answers', function () {
  this.timeout(120_000);
  const chain = generateCertificateChain();
  let server: Server;
  let base: string;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imp-broken-'));
    writeFileSync(join(dir, 'ca.pem'), chain.caCertPem);
    server = createServer({ key: chain.keyPem, cert: chain.certPem }, (request, response) => {
      const answer = ANSWERS[(request.url ?? '').split('/')[1] ?? ''];
      request.resume();
      request.on('end', () => {
        if (!answer) return response.writeHead(500).end();
        if (answer.reset) return request.socket.destroy();
        if (answer.silent) return;
        response.writeHead(answer.status!, { 'Content-Type': answer.type!, 'Content-Length': Buffer.byteLength(answer.body!) });
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    closeAllEwsConnections();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const connection = (mode: string): EwsConnection => ({ url: `${base}/${mode}/EWS/Exchange.asmx`, username: 'svc-booking@contoso.com', password: 'pw', ca: chain.caCertPem, timeoutMs: 1500 });

  /** The probe must settle: a TypeError inside ews-javascript-api used to leave it pending for ever. */
  async function probe(mode: string, impersonating = false): Promise<ProbeResult> {
    const options = { maxUnavailableRetries: 0 };
    // Login goes through ews-javascript-api; the impersonation probe is sent without it (calendar-probe.ts).
    const settled = impersonating ? probeImpersonation(connection(mode), 'room1@contoso.com', options) : probeLogin(connection(mode), 'svc-booking@contoso.com', options);
    const never = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${mode}: the probe never settled`)), 15_000).unref());
    return Promise.race([settled, never]);
  }

  const expected: [string, string, RegExp][] = [
    ['empty500', 'not-soap', /^EWS answered HTTP 500 with no SOAP body \(the body was empty\)\.$/],
    ['text500', 'not-soap', /^EWS answered HTTP 500 with no SOAP body \(plain text "Internal Server Error"\)\.$/],
    ['html500', 'not-soap', /^EWS answered HTTP 500 with no SOAP body \(an HTML page titled "Runtime Error"\)\.$/],
    ['xml500', 'not-soap', /^EWS answered HTTP 500 with no SOAP body \(XML that is not a SOAP envelope, <error>\)\.$/],
    ['truncated500', 'not-soap', /^EWS answered HTTP 500 with no SOAP body \(XML that is not a SOAP envelope, <s:Envelope>\)\.$/],
    ['login200', 'not-soap', /^EWS answered HTTP 200 with no SOAP body \(an HTML page titled "Sign in"\)\.$/],
    ['missing404', 'not-found', /HTTP 404: nothing is published at this URL/],
    ['busy503', 'unavailable', /temporarily unavailable \(HTTP 503\)/],
    ['reset', 'network', /^The connection was reset before EWS answered \(ECONNRESET\)/],
    ['silent', 'timeout', /^The EWS request timed out/],
  ];
  for (const [mode, kind, message] of expected) {
    it(`${mode}: ${kind}, for the login and the impersonation probe alike`, async () => {
      for (const impersonating of [false, true]) {
        const result = await probe(mode, impersonating);
        assert.ok(!result.ok);
        assert.equal(result.failure.kind, kind, result.failure.message);
        assert.match(result.failure.message, message);
      }
    });
  }

  it('a real SOAP fault is still read as one', async () => {
    const result = await probe('fault500');
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'ErrorSchemaValidation');
  });

  it('imp verify: an empty HTTP 500 and a reset are UNKNOWN (exit 3), in one JSON document', async () => {
    const verify = (mode: string) =>
      runImp(['--json', 'verify', '--no-powershell', '--account', 'svc-booking@contoso.com', '--ews-url', connection(mode).url, '--ca', join(dir, 'ca.pem'), '--password-stdin'], { input: 'pw\n' });
    const [empty, reset] = await Promise.all([verify('empty500'), verify('reset')]);
    for (const [run, message] of [[empty, /EWS answered HTTP 500 with no SOAP body/], [reset, /connection was reset/]] as const) {
      assert.equal(run.code, 3, run.stderr);
      const document = JSON.parse(run.stdout);
      assert.equal(document.status, 'UNKNOWN');
      const login = document.checks.find((c: { id: string }) => c.id === 'ews.login');
      assert.match(login.message, message);
      assert.doesNotMatch(run.stderr, /TypeError|at .*\.js:\d+/);
    }
  });
});
