// Basic authentication never travels over plain HTTP: an http:// EWS URL, given or read from Exchange, is
// refused before any connection is made, by every command that logs in to EWS.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertOnPremisesUrl, CleartextEwsUrlError, isExchangeOnlineHost } from '../../src/ews/connection';
import { prepareState } from '../../src/sim/simulator';
import { Lab, runImp } from '../helpers/imp';

describe('plain-HTTP EWS URLs', function () {
  this.timeout(120_000);
  let server: Server;
  let connections = 0;
  let url: string;
  before(async () => {
    server = createServer((_request, response) => response.end()).on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verify, credentials set --test, credentials test and expiry --check-login refuse --ews-url http://, and the listening server hears nothing', async () => {
    const account = 'svc-booking@contoso.com';
    const commands = [
      ['verify', '--no-powershell', '--account', account, '--ews-url', url, '--password-stdin'],
      ['credentials', 'set', '--test', '--account', account, '--ews-url', url, '--password-stdin'],
      ['credentials', 'test', '--account', account, '--ews-url', url],
      ['expiry', '--account', account, '--check-login', '--no-powershell', '--ews-url', url, '--password-stdin'],
    ];
    const runs = await Promise.all(commands.map((args) => runImp(['--json', ...args], { input: 'not-the-password\n' })));
    runs.forEach((run, index) => {
      assert.equal(run.code, 3, `${commands[index].join(' ')}: ${run.stderr}`);
      assert.ok(run.stderr.includes(`The EWS URL ${url} (--ews-url) is plain HTTP`), `${commands[index].join(' ')}: ${run.stderr}`);
      assert.ok(run.stderr.includes(`--ews-url ${url.replace('http:', 'https:')}`), run.stderr);
      assert.ok(!run.stdout.includes('not-the-password') && !run.stderr.includes('not-the-password'));
    });
    assert.equal(connections, 0, 'a request reached the plain-HTTP server');
  });

  it('verify refuses an http:// InternalUrl read from Exchange, and says how to publish EWS over HTTPS', async () => {
    const lab = new Lab(prepareState({ rooms: 1, users: 1, basicAuthentication: true, propagationMs: 0 }, url));
    try {
      const run = await lab.imp(['--json', 'verify', '--account', lab.settings.account, '--password-stdin'], { input: `${lab.settings.password}\n` });
      assert.equal(run.code, 3, run.stderr);
      const { error } = JSON.parse(run.stdout);
      assert.match(error.message, /is plain HTTP/);
      assert.match(error.message, /the InternalUrl of EX01\\EWS \(Default Web Site\)/i);
      assert.ok(error.suggestion.includes(`-InternalUrl ${url.replace('http:', 'https:')}`), error.suggestion);
      assert.match(error.suggestion, /^Publish EWS over HTTPS: Set-WebServicesVirtualDirectory -Identity '/);
      assert.equal(connections, 0, 'a request reached the plain-HTTP server');
    } finally {
      lab.remove();
    }
  });

  it('names the origin and the https URL; port 80 is dropped', () => {
    assert.throws(() => assertOnPremisesUrl('http://mail.contoso.com:80/EWS/Exchange.asmx'), (e: unknown) => e instanceof CleartextEwsUrlError && e.suggestion === 'Use HTTPS: --ews-url https://mail.contoso.com/EWS/Exchange.asmx' && e.exitCode === 3);
    assert.equal(assertOnPremisesUrl('https://mail.contoso.com/EWS/Exchange.asmx').hostname, 'mail.contoso.com');
  });

  it('knows Exchange Online in every documented cloud', () => {
    for (const host of ['outlook.office365.us', 'outlook-dod.office365.us', 'webmail.apps.mil', 'outlook.office.de', 'partner.outlook.cn', 'OUTLOOK.OFFICE365.US.']) {
      assert.equal(isExchangeOnlineHost(host), true, host);
    }
    for (const host of ['mail.contoso.us', 'apps.mil', 'mail.army.mil', 'office.de', 'outlook.contoso.cn']) assert.equal(isExchangeOnlineHost(host), false, host);
  });
});
