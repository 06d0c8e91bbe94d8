// The simulated EWS endpoint on the wire: raw HTTPS requests, checking what real IIS/Exchange would send.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAULTS_FILE } from '../../src/sim/ews';
import { impersonationAssignment, serviceAccount, startFixture, type Fixture } from './fixture';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: string;
}

const ENVELOPE_OPEN =
  '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">';

function soap(body: string, header = ''): string {
  return `${ENVELOPE_OPEN}<soap:Header><t:RequestServerVersion Version="Exchange2013"></t:RequestServerVersion>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

const impersonating = (address: string, element = 'SmtpAddress'): string =>
  `<t:ExchangeImpersonation><t:ConnectingSID><t:${element}>${address}</t:${element}></t:ConnectingSID></t:ExchangeImpersonation>`;

const getCalendar = (mailbox?: string): string =>
  `<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar">` +
  (mailbox ? `<t:Mailbox><t:EmailAddress>${mailbox}</t:EmailAddress></t:Mailbox>` : '') +
  `</t:DistinguishedFolderId></m:FolderIds></m:GetFolder>`;

function post(fx: Fixture, body: string, options: { auth?: string | null; path?: string; method?: string } = {}): Promise<RawResponse> {
  const url = new URL(fx.server.url);
  const auth = options.auth === undefined ? `${fx.org.username}:${fx.org.password}` : options.auth;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: options.path ?? url.pathname,
        method: options.method ?? 'POST',
        ca: fx.ca,
        headers: {
          'Content-Type': 'text/xml; charset=utf-8',
          ...(auth !== null ? { Authorization: `Basic ${Buffer.from(auth, 'utf8').toString('base64')}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function wwwAuthenticate(response: RawResponse): string[] {
  const values: string[] = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) {
    if (response.rawHeaders[i]!.toLowerCase() === 'www-authenticate') values.push(response.rawHeaders[i + 1]!);
  }
  return values;
}

describe('simulated EWS endpoint (wire format)', function () {
  this.timeout(20_000);
  let fx: Fixture;
  beforeEach(async () => {
    fx = await startFixture({ propagationMs: 60_000 });
  });
  afterEach(async () => {
    await fx.close();
  });

  it('answers like IIS: Server, X-Powered-By, request-id, X-FEServer and text/xml', async () => {
    const res = await post(fx, soap(getCalendar()));
    assert.equal(res.status, 200);
    assert.equal(res.headers['server'], 'Microsoft-IIS/10.0');
    assert.equal(res.headers['x-powered-by'], 'ASP.NET');
    assert.equal(res.headers['x-feserver'], 'EX01');
    assert.match(String(res.headers['request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
    assert.match(res.body, /<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11"/);
    assert.match(res.body, /<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError<\/m:ResponseCode><m:Folders><t:CalendarFolder>/);
    assert.match(res.body, /<t:FolderClass>IPF.Appointment<\/t:FolderClass><t:DisplayName>Calendar<\/t:DisplayName>/);
  });

  it('serves only POST /EWS/Exchange.asmx (case-insensitive path)', async () => {
    assert.equal((await post(fx, '', { method: 'GET' })).status, 404);
    assert.equal((await post(fx, soap(getCalendar()), { path: '/owa/' })).status, 404);
    assert.equal((await post(fx, soap(getCalendar()), { path: '/ews/exchange.asmx' })).status, 200);
  });

  it('challenges with Negotiate, NTLM and Basic, and an IIS HTML page, on bad credentials', async () => {
    for (const auth of [null, `${fx.org.username}:wrong`, 'nobody@contoso.com:x']) {
      const res = await post(fx, soap(getCalendar()), { auth });
      assert.equal(res.status, 401);
      assert.deepEqual(wwwAuthenticate(res), ['Negotiate', 'NTLM', 'Basic realm="127.0.0.1"']);
      assert.match(res.body, /401 - Unauthorized: Access is denied due to invalid credentials\./);
    }
  });

  it('offers only Negotiate and NTLM when Basic is off on the vdir', async () => {
    fx.update((s) => { s.webServicesVirtualDirectories[0]!.basicAuthentication = false; });
    const res = await post(fx, soap(getCalendar()));
    assert.equal(res.status, 401);
    assert.deepEqual(wwwAuthenticate(res), ['Negotiate', 'NTLM']);
  });

  it('marks a locked-out account with X-CasErrorCode and the lockout text, whatever the password', async () => {
    fx.update((s) => { serviceAccount(s).lockedOut = true; });
    for (const auth of [`${fx.org.username}:${fx.org.password}`, `${fx.org.username}:wrong`]) {
      const res = await post(fx, soap(getCalendar()), { auth });
      assert.equal(res.status, 401);
      assert.equal(res.headers['x-caserrorcode'], 'AccountLockedOut');
      assert.match(res.body, /The referenced account is currently locked out/);
    }
  });

  it('sends ErrorImpersonateUserDenied as the literal SOAP fault, HTTP 500', async () => {
    const res = await post(fx, soap(getCalendar('room1@contoso.com'), impersonating('room1@contoso.com')));
    assert.equal(res.status, 500);
    assert.ok(
      res.body.includes(
        '<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorImpersonateUserDenied</faultcode>' +
          '<faultstring xml:lang="en-US">The account does not have permission to impersonate the requested user.</faultstring>' +
          '<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorImpersonateUserDenied</e:ResponseCode>' +
          '<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The account does not have permission to impersonate the requested user.</e:Message>' +
          '</detail></s:Fault>',
      ),
      res.body,
    );
  });

  it('looks the impersonation target up before rights: unknown target is an ErrorNonExistentMailbox fault', async () => {
    const res = await post(fx, soap(getCalendar(), impersonating('ghost@contoso.com')));
    assert.equal(res.status, 500);
    assert.match(res.body, /<faultcode [^>]*>a:ErrorNonExistentMailbox<\/faultcode>/);
    assert.match(res.body, /<t:MessageXml xmlns:t="http:\/\/schemas.microsoft.com\/exchange\/services\/2006\/types"><t:Value Name="SmtpAddress">ghost@contoso.com<\/t:Value><\/t:MessageXml>/);
  });

  it('rejects an alias in PrimarySmtpAddress, accepts it in SmtpAddress and takes PrincipalName', async () => {
    fx.update((s) => { s.assignments.push(impersonationAssignment(serviceAccount(s).distinguishedName)); });
    const alias = await post(fx, soap(getCalendar(), impersonating(fx.org.alias, 'PrimarySmtpAddress')));
    assert.equal(alias.status, 500);
    assert.match(alias.body, /a:ErrorNonPrimarySmtpAddress/);
    assert.equal((await post(fx, soap(getCalendar(), impersonating(fx.org.alias)))).status, 200);
    assert.equal((await post(fx, soap(getCalendar(), impersonating('room1@contoso.com', 'PrincipalName')))).status, 200);
    const empty = await post(fx, soap(getCalendar(), '<t:ExchangeImpersonation><t:ConnectingSID></t:ConnectingSID></t:ExchangeImpersonation>'));
    assert.match(empty.body, /a:ErrorInvalidExchangeImpersonationHeader/);
  });

  it('answers an unknown Mailbox with a per-item ErrorNonExistentMailbox (HTTP 200)', async () => {
    const res = await post(fx, soap(getCalendar('ghost@contoso.com')));
    assert.equal(res.status, 200);
    assert.match(
      res.body,
      /<m:GetFolderResponseMessage ResponseClass="Error"><m:MessageText>The SMTP address has no mailbox associated with it.<\/m:MessageText><m:ResponseCode>ErrorNonExistentMailbox<\/m:ResponseCode><m:DescriptiveLinkKey>0<\/m:DescriptiveLinkKey><m:MessageXml><t:Value Name="SmtpAddress">ghost@contoso.com<\/t:Value><\/m:MessageXml>/,
    );
  });

  it('decodes entity-escaped request text', async () => {
    const res = await post(fx, soap(getCalendar('svc-booking&#64;contoso.com').replace('calendar', 'inbox')));
    assert.match(res.body, /ResponseClass="Success"/);
    assert.match(res.body, /<t:Folder>.*<t:DisplayName>Inbox<\/t:DisplayName>/);
  });

  it('lists 0-2 calendar items with FindItem', async () => {
    fx.update((s) => { s.assignments.push(impersonationAssignment(serviceAccount(s).distinguishedName)); });
    for (const room of ['room1@contoso.com', 'room2@contoso.com', 'room3@contoso.com']) {
      const res = await post(
        fx,
        soap(
          `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds>` +
            `<t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>${room}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:ParentFolderIds></m:FindItem>`,
          impersonating(room),
        ),
      );
      const count = (res.body.match(/<t:CalendarItem>/g) ?? []).length;
      assert.ok(count >= 0 && count <= 2);
      assert.match(res.body, new RegExp(`TotalItemsInView="${count}"`));
    }
  });

  it('resolves names: no result is ResponseClass Error ErrorNameResolutionNoResults', async () => {
    const none = await post(fx, soap('<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>ghost@contoso.com</m:UnresolvedEntry></m:ResolveNames>'));
    assert.match(none.body, /ResponseClass="Error"><m:MessageText>No results were found.<\/m:MessageText><m:ResponseCode>ErrorNameResolutionNoResults</);
    const alias = await post(fx, soap('<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>booking@contoso.com</m:UnresolvedEntry></m:ResolveNames>'));
    assert.match(alias.body, /<t:Mailbox><t:Name>Booking Service<\/t:Name><t:EmailAddress>svc-booking@contoso.com<\/t:EmailAddress><t:RoutingType>SMTP<\/t:RoutingType><t:MailboxType>Mailbox<\/t:MailboxType><\/t:Mailbox>/);
  });

  it('answers an unknown operation or malformed XML with a SOAP fault', async () => {
    const unknown = await post(fx, soap('<m:DeleteItem/>'));
    assert.equal(unknown.status, 500);
    assert.match(unknown.body, /a:ErrorInvalidRequest/);
    const malformed = await post(fx, '<soap:Envelope><soap:Body><m:GetFolder></soap:Body>');
    assert.equal(malformed.status, 500);
    assert.match(malformed.body, /a:ErrorSchemaValidation/);
  });

  it('takes faults from ews-faults.json at run time: everyNth busy with the exact BackOffMilliseconds element', async () => {
    writeFileSync(join(fx.stateDir, FAULTS_FILE), JSON.stringify({ serverBusy: { everyNth: 2, backOffMilliseconds: 297749 } }));
    const statuses: number[] = [];
    let busyBody = '';
    for (let i = 0; i < 4; i++) {
      const res = await post(fx, soap(getCalendar()));
      statuses.push(res.status);
      if (res.status === 500) busyBody = res.body;
    }
    assert.deepEqual(statuses, [200, 500, 200, 500]);
    assert.ok(
      busyBody.includes(
        '<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">297749</t:Value></t:MessageXml>',
      ),
    );
    // A changed file replaces the faults and restarts the counters.
    writeFileSync(join(fx.stateDir, FAULTS_FILE), JSON.stringify({ unavailable: { everyNth: 1 } }));
    utimesSync(join(fx.stateDir, FAULTS_FILE), new Date(), new Date(Date.now() + 1_000));
    const unavailable = await post(fx, soap(getCalendar()));
    assert.equal(unavailable.status, 503);
    assert.deepEqual(fx.server.faults, { unavailable: { everyNth: 1 } });
  });

  it('pads ResponseCode texts when asked', async () => {
    fx.server.setFaults({ padResponseCodes: true });
    const res = await post(fx, soap(getCalendar('room1@contoso.com'), impersonating('room1@contoso.com')));
    assert.ok(res.body.includes('<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">\n        ErrorImpersonateUserDenied\n      </e:ResponseCode>'));
  });

  it('applies injected latency to every request', async () => {
    fx.server.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await post(fx, soap(getCalendar()), { auth: null });
    assert.ok(Date.now() - started >= 150);
  });
});
