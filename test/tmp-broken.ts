import * as https from 'node:https';
import { generateCertificateChain } from '../src/sim/ews';
import { probeLogin } from '../src/ews';
(async () => {
  const chain = generateCertificateChain();
  for (const [status, body, type] of [[500, '', 'text/plain'], [500, 'Internal Server Error', 'text/plain'], [500, '<html><body>x</body></html>', 'text/html'], [500, '<?xml version="1.0"?><foo/>', 'text/xml'], [200, '<html>login</html>', 'text/html'], [404, 'not found', 'text/html'], [503, '', 'text/plain']] as const) {
    const server = https.createServer({ key: chain.keyPem, cert: chain.certPem }, (req, res) => { req.resume(); req.on('end', () => { res.writeHead(status, { 'Content-Type': type }); res.end(body); }); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as any).port;
    try {
      const r = await probeLogin({ url: `https://127.0.0.1:${port}/EWS/Exchange.asmx`, username: 'u', password: 'p', ca: chain.caCertPem }, 'a@b.c');
      console.log(status, JSON.stringify(body).slice(0, 20), JSON.stringify(r.ok ? r : r.failure));
    } catch (e) { console.log(status, 'THREW', e); }
    server.close();
  }
  process.exit(0);
})();
process.on('uncaughtException', (e) => console.log('UNCAUGHT', e));
