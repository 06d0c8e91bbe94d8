// The EWS client (real ews-javascript-api) against the simulated endpoint (real HTTPS), no mocks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyEwsError,
  ewsSession,
  ExchangeOnlineNotSupportedError,
  getPasswordExpirationDate,
  loadEws,
  probeImpersonation,
  probeLogin,
  resolveName,
  type ProbeResult,
} from '../../src/ews';
import { FAULTS_FILE, REQUEST_LOG_FILE } from '../../src/sim/ews';
import { hashPassword } from '../../src/sim/state';
import { impersonationAssignment, serviceAccount, startFixture, type Fixture } from './fixture';

function failureOf(result: ProbeResult<unknown>) {
  assert.equal(result.ok, false, 'expected the probe to fail');
  return (result as Extract<ProbeResult<unknown>, { ok: false }>).failure;
}

function assertOk(result: ProbeResult<unknown>): void {
  if (!result.ok) assert.fail(`probe failed: ${result.failure.kind} ${result.failure.message}`);
}

describe('EWS probes against the simulated endpoint', function () {
  this.timeout(30_000);
  let fx: Fixture;
  const PROPAGATION_MS = 60_000;

  beforeEach(async () => {
    fx = await startFixture({ propagationMs: PROPAGATION_MS });
  });
  afterEach(async () => {
    await fx.close();
  });

  describe('login', () => {
    it('logs in with the right password in one request', async () => {
      const result = await probeLogin(fx.connection, fx.org.account);
      assertOk(result);
      assert.equal(result.attempts, 1);
      assert.equal(fx.server.requestLog.length, 1);
      assert.deepEqual(
        { user: fx.server.requestLog[0]!.user, op: fx.server.requestLog[0]!.operation, status: fx.server.requestLog[0]!.status },
        { user: fx.org.username, op: 'GetFolder', status: 200 },
      );
    });

    it('accepts NETBIOS\\sam and the primary SMTP address as user names', async () => {
      assertOk(await probeLogin(fx.connect({ username: 'CONTOSO\\svc-booking' }), fx.org.account));
      assertOk(await probeLogin(fx.connect({ username: fx.org.account })));
    });

    it('reports a wrong password as unauthorized after exactly one request', async () => {
      const result = await probeLogin(fx.connect({ password: 'not-the-password' }), fx.org.account);
      const failure = failureOf(result);
      assert.equal(failure.kind, 'unauthorized');
      assert.equal(failure.httpStatus, 401);
      assert.equal(result.attempts, 1);
      assert.equal(fx.server.requestLog.length, 1);
      assert.equal(fx.server.requestLog[0]!.status, 401);
    });

    it('reports an unknown user as unauthorized', async () => {
      assert.equal(failureOf(await probeLogin(fx.connect({ username: 'nobody@contoso.com' }))).kind, 'unauthorized');
    });

    it('recognises a locked-out account', async () => {
      fx.update((s) => { serviceAccount(s).lockedOut = true; });
      const failure = failureOf(await probeLogin(fx.connection, fx.org.account));
      assert.equal(failure.kind, 'locked-out');
      assert.match(failure.message, /locked out/);
    });

    it('reports disabled accounts and expired passwords as unauthorized', async () => {
      fx.update((s) => { serviceAccount(s).enabled = false; });
      assert.equal(failureOf(await probeLogin(fx.connection)).kind, 'unauthorized');
      fx.update((s) => {
        const svc = serviceAccount(s);
        svc.enabled = true;
        svc.passwordNeverExpires = false;
        svc.passwordLastSet = new Date(Date.now() - 50 * 86_400_000).toISOString();
      });
      assert.equal(failureOf(await probeLogin(fx.connection)).kind, 'unauthorized');
    });

    it('recognises Basic authentication turned off on the EWS virtual directory', async () => {
      fx.update((s) => { s.webServicesVirtualDirectories[0]!.basicAuthentication = false; });
      const failure = failureOf(await probeLogin(fx.connection, fx.org.account));
      assert.equal(failure.kind, 'basic-disabled');
      assert.match(failure.message, /Set-WebServicesVirtualDirectory/);
    });

    it("reports another user's mailbox without impersonation as access-denied", async () => {
      const failure = failureOf(await probeLogin(fx.connection, 'room1@contoso.com'));
      assert.equal(failure.kind, 'access-denied');
      assert.equal(failure.code, 'ErrorAccessDenied');
    });

    it('reports an account without a mailbox as no-mailbox', async () => {
      fx.update((s) => { s.users.find((u) => u.samAccountName === 'svc-nomailbox')!.passwordHash = hashPassword('Pa55word!'); });
      const failure = failureOf(await probeLogin(fx.connect({ username: 'svc-nomailbox@contoso.com', password: 'Pa55word!' })));
      assert.equal(failure.kind, 'no-mailbox');
    });

    it('logs in with a password full of quotes, $, backticks, non-ASCII, 256 characters long', async () => {
      const base = `'"$\`ünï©ødé€😀 \\;&|<>`;
      const password = (base.repeat(20)).slice(0, 256);
      assert.equal([...password].length >= 240, true);
      fx.update((s) => { serviceAccount(s).passwordHash = hashPassword(password); });
      assertOk(await probeLogin(fx.connect({ password }), fx.org.account));
      assert.equal(failureOf(await probeLogin(fx.connect({ password: password.slice(0, -1) }))).kind, 'unauthorized');
    });

    it('never writes the password to the request log', async () => {
      await probeLogin(fx.connection, fx.org.account);
      await probeLogin(fx.connect({ password: `${fx.org.password}-wrong` }));
      await probeImpersonation(fx.connection, 'room1@contoso.com');
      const file = readFileSync(join(fx.stateDir, REQUEST_LOG_FILE), 'utf8');
      assert.equal(file.trim().split('\n').length, 3);
      assert.equal(file.includes(fx.org.password), false);
      assert.equal(file.includes(Buffer.from(`${fx.org.username}:${fx.org.password}`).toString('base64')), false);
      assert.equal(JSON.stringify(fx.server.requestLog).includes(fx.org.password), false);
    });
  });

  describe('TLS', () => {
    it('fails with tls/untrusted-issuer without the CA, and works with it', async () => {
      const failure = failureOf(await probeLogin(fx.connect({ ca: undefined }), fx.org.account));
      assert.equal(failure.kind, 'tls');
      assert.equal(failure.tls, 'untrusted-issuer');
      assert.match(failure.message, /CA/);
      assertOk(await probeLogin(fx.connection, fx.org.account));
      assertOk(await probeLogin(fx.connect({ ca: undefined, insecure: true }), fx.org.account));
    });

    it('names a host name mismatch and an expired certificate', async () => {
      const mismatch = await startFixture({ certificate: { dnsNames: ['mail.contoso.com'], ipAddresses: [] } });
      const expired = await startFixture({
        certificate: { notBefore: new Date(Date.now() - 90 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) },
      });
      try {
        const m = failureOf(await probeLogin(mismatch.connection));
        assert.deepEqual([m.kind, m.tls], ['tls', 'hostname-mismatch']);
        const x = failureOf(await probeLogin(expired.connection));
        assert.deepEqual([x.kind, x.tls], ['tls', 'expired']);
      } finally {
        await mismatch.close();
        await expired.close();
      }
    });
  });

  describe('impersonation', () => {
    const svcDn = (): string => serviceAccount(fx.org.state).distinguishedName;

    it('is denied before any assignment exists', async () => {
      const result = await probeImpersonation(fx.connection, 'room1@contoso.com');
      const failure = failureOf(result);
      assert.equal(failure.kind, 'impersonation-denied');
      assert.equal(failure.code, 'ErrorImpersonateUserDenied');
      assert.equal(failure.httpStatus, 500);
      assert.equal(result.attempts, 1);
    });

    it('is allowed once an assignment is older than the propagation delay, in one request', async () => {
      fx.update((s) => { s.assignments.push(impersonationAssignment(svcDn(), { ageMs: PROPAGATION_MS + 5_000 })); });
      const result = await probeImpersonation(fx.connection, 'room1@contoso.com');
      assertOk(result);
      assert.equal(fx.server.requestLog.length, 1);
      assert.deepEqual(
        [fx.server.requestLog[0]!.impersonated, fx.server.requestLog[0]!.mailbox, fx.server.requestLog[0]!.responseCode],
        ['room1@contoso.com', 'room1@contoso.com', 'NoError'],
      );
    });

    it('is still denied while the assignment is younger than the propagation delay', async () => {
      fx.update((s) => { s.assignments.push(impersonationAssignment(svcDn(), { ageMs: 1_000 })); });
      assert.equal(failureOf(await probeImpersonation(fx.connection, 'room1@contoso.com')).kind, 'impersonation-denied');
    });

    it('is denied by a disabled assignment', async () => {
      fx.update((s) => { s.assignments.push(impersonationAssignment(svcDn(), { enabled: false })); });
      assert.equal(failureOf(await probeImpersonation(fx.connection, 'room1@contoso.com')).kind, 'impersonation-denied');
    });

    it('follows a custom write scope: rooms allowed, users denied', async () => {
      fx.update((s) => {
        s.scopes.push({
          guid: '6c1f1f6e-0000-4000-8000-000000000001',
          name: 'Booking Rooms',
          recipientFilter: "RecipientTypeDetails -eq 'RoomMailbox'",
          recipientRoot: null,
          exclusive: false,
          whenCreatedUTC: new Date(Date.now() - 7_200_000).toISOString(),
        });
        s.assignments.push(impersonationAssignment(svcDn(), { scope: 'Booking Rooms' }));
      });
      assertOk(await probeImpersonation(fx.connection, 'room2@contoso.com'));
      assert.equal(failureOf(await probeImpersonation(fx.connection, 'user1@contoso.com')).kind, 'impersonation-denied');
    });

    it('follows a MemberOfGroup scope on Room Bookers: members allowed, others denied', async () => {
      const roomBookers = fx.org.state.groups.find((g) => g.name === 'Room Bookers')!.distinguishedName;
      fx.update((s) => {
        s.scopes.push({
          guid: '6c1f1f6e-0000-4000-8000-000000000002',
          name: 'Room Bookers and rooms',
          recipientFilter: `(MemberOfGroup -eq '${roomBookers.replace(/'/g, "''")}') -or (RecipientTypeDetails -eq 'RoomMailbox')`,
          recipientRoot: null,
          exclusive: false,
          whenCreatedUTC: new Date().toISOString(),
        });
        s.assignments.push(impersonationAssignment(svcDn(), { scope: 'Room Bookers and rooms' }));
      });
      assertOk(await probeImpersonation(fx.connection, 'user1@contoso.com'));
      assertOk(await probeImpersonation(fx.connection, 'room1@contoso.com'));
      assert.equal(failureOf(await probeImpersonation(fx.connection, 'administrator@contoso.com')).kind, 'impersonation-denied');
    });

    it('is granted through a (nested) security group the account belongs to', async () => {
      fx.update((s) => {
        const roomBookers = s.groups.find((g) => g.name === 'Room Bookers')!;
        roomBookers.members.push(svcDn());
        s.groups.push({
          guid: '6c1f1f6e-0000-4000-8000-000000000003',
          name: 'Impersonators',
          samAccountName: 'impersonators',
          distinguishedName: 'CN=Impersonators,OU=Users,OU=Contoso,DC=contoso,DC=com',
          recipientTypeDetails: 'MailUniversalSecurityGroup',
          primarySmtpAddress: null,
          members: [roomBookers.distinguishedName],
        });
        s.assignments.push(
          impersonationAssignment('CN=Impersonators,OU=Users,OU=Contoso,DC=contoso,DC=com', { assigneeType: 'SecurityGroup' }),
        );
      });
      assertOk(await probeImpersonation(fx.connection, 'room3@contoso.com'));
    });

    it('is granted by an assignment to Room Bookers when the account is a member', async () => {
      fx.update((s) => {
        const roomBookers = s.groups.find((g) => g.name === 'Room Bookers')!;
        roomBookers.members.push(svcDn());
        s.assignments.push(impersonationAssignment(roomBookers.distinguishedName, { assigneeType: 'SecurityGroup' }));
      });
      assertOk(await probeImpersonation(fx.connection, 'user2@contoso.com'));
    });

    it('is not granted by Delegating assignments, even via Organization Management', async () => {
      fx.update((s) => {
        s.assignments.push(impersonationAssignment(svcDn(), { delegation: 'Delegating' }));
        s.groups.find((g) => g.name === 'Organization Management')!.members.push(svcDn());
      });
      assert.equal(failureOf(await probeImpersonation(fx.connection, 'room1@contoso.com')).kind, 'impersonation-denied');
    });

    it('reports an unknown target as no-mailbox even without rights', async () => {
      const failure = failureOf(await probeImpersonation(fx.connection, 'ghost@contoso.com'));
      assert.equal(failure.kind, 'no-mailbox');
      assert.equal(failure.code, 'ErrorNonExistentMailbox');
    });

    it('accepts an alias with SmtpAddress but rejects it with PrimarySmtpAddress (non-primary)', async () => {
      fx.update((s) => { s.assignments.push(impersonationAssignment(svcDn())); });
      assertOk(await probeImpersonation(fx.connection, fx.org.alias));
      // The library writes <t:PrimarySmtpAddress> only when asking for Exchange2007_SP1.
      const ews = await loadEws();
      const { service, transport } = await ewsSession(fx.connection).createService();
      const legacy = new ews.ExchangeService(ews.ExchangeVersion.Exchange2007_SP1);
      legacy.Credentials = service.Credentials;
      legacy.Url = service.Url;
      legacy.XHRApi = transport;
      legacy.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, fx.org.alias);
      const error = await ews.Folder.Bind(legacy, new ews.FolderId(ews.WellKnownFolderName.Calendar)).then(
        () => assert.fail('expected ErrorNonPrimarySmtpAddress'),
        (e: unknown) => e,
      );
      const failure = classifyEwsError(error, transport.evidence);
      assert.deepEqual([failure.kind, failure.code], ['non-primary', 'ErrorNonPrimarySmtpAddress']);
    });
  });

  describe('throttling and faults', () => {
    const writeFaults = (faults: object): void => writeFileSync(join(fx.stateDir, FAULTS_FILE), JSON.stringify(faults));

    it('waits BackOffMilliseconds after ErrorServerBusy, then succeeds', async () => {
      fx.update((s) => { s.assignments.push(impersonationAssignment(serviceAccount(s).distinguishedName)); });
      writeFaults({ serverBusy: { count: 1, backOffMilliseconds: 300 } });
      const waits: number[] = [];
      const started = Date.now();
      const result = await probeImpersonation(fx.connection, 'room1@contoso.com', { onRetry: (r) => waits.push(r.waitMs) });
      assertOk(result);
      assert.equal(result.attempts, 2);
      assert.deepEqual(waits, [300]);
      assert.ok(Date.now() - started >= 300, 'waited at least the back-off');
      assert.deepEqual(fx.server.requestLog.map((e) => [e.operation, e.status, e.responseCode]), [['GetFolder', 500, 'ErrorServerBusy'], ['GetFolder', 200, 'NoError']]);
    });

    it('classifies ErrorServerBusy with its back-off, and stops waiting when aborted', async () => {
      fx.server.setFaults({ serverBusy: { everyNth: 1, backOffMilliseconds: 120_000 } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const result = await probeLogin(fx.connection, undefined, { signal: controller.signal });
      const failure = failureOf(result);
      assert.deepEqual([failure.kind, failure.code, failure.backOffMs], ['server-busy', 'ErrorServerBusy', 120_000]);
      assert.ok(Date.now() - started < 5_000);
    });

    it('caps the back-off and gives up after maxBusyRetries', async () => {
      fx.server.setFaults({ serverBusy: { everyNth: 1, backOffMilliseconds: 120_000 } });
      const result = await probeLogin(fx.connection, undefined, { maxBackOffMs: 10, maxBusyRetries: 2 });
      assert.equal(failureOf(result).kind, 'server-busy');
      assert.equal(result.attempts, 3);
    });

    it('retries HTTP 503 with a short back-off', async () => {
      writeFaults({ unavailable: { count: 2 } });
      const result = await probeLogin(fx.connection, fx.org.account);
      assertOk(result);
      assert.equal(result.attempts, 3);
      assert.deepEqual(fx.server.requestLog.map((e) => e.status), [503, 503, 200]);
    });

    it('reports lasting 503s as unavailable', async () => {
      fx.server.setFaults({ unavailable: { everyNth: 1 } });
      const result = await probeLogin(fx.connection, undefined, { maxUnavailableRetries: 1 });
      assert.deepEqual([failureOf(result).kind, failureOf(result).httpStatus, result.attempts], ['unavailable', 503, 2]);
    });

    it('recognises whitespace-padded response codes', async () => {
      writeFaults({ padResponseCodes: true });
      const denied = failureOf(await probeImpersonation(fx.connection, 'room1@contoso.com'));
      assert.deepEqual([denied.kind, denied.code], ['impersonation-denied', 'ErrorImpersonateUserDenied']);
      const perItem = failureOf(await probeLogin(fx.connection, 'room1@contoso.com'));
      assert.deepEqual([perItem.kind, perItem.code], ['access-denied', 'ErrorAccessDenied']);
      assertOk(await probeLogin(fx.connection, fx.org.account));
      assert.match(readFileSync(join(fx.stateDir, REQUEST_LOG_FILE), 'utf8'), /"responseCode":"ErrorImpersonateUserDenied"/);
    });

    it('recovers a padded code from the raw response when the library could not map it', () => {
      const body =
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>a:ErrorImpersonateUserDenied</faultcode>' +
        '<detail><e:ResponseCode xmlns:e="x">\n        ErrorImpersonateUserDenied\n      </e:ResponseCode></detail></s:Fault></s:Body></s:Envelope>';
      // What the library rejects with when its enum lookup of the padded text fails: the default code.
      const failure = classifyEwsError({ message: 'x', HttpStatusCode: 500, ResponseCode: undefined }, { status: 500, headers: {}, body });
      assert.deepEqual([failure.kind, failure.code], ['impersonation-denied', 'ErrorImpersonateUserDenied']);
    });

    it('reports a server slower than timeoutMs as timeout', async () => {
      fx.server.setFaults({ latencyMs: 1_500 });
      const failure = failureOf(await probeLogin(fx.connect({ timeoutMs: 300 })));
      assert.equal(failure.kind, 'timeout');
    });

    it('reports a closed port as network', async () => {
      const failure = failureOf(await probeLogin(fx.connect({ url: 'https://127.0.0.1:1/EWS/Exchange.asmx' })));
      assert.deepEqual([failure.kind, failure.errorCode], ['network', 'ECONNREFUSED']);
    });
  });

  describe('directory and password expiry', () => {
    it('resolves an alias to the primary SMTP address', async () => {
      const result = await resolveName(fx.connection, fx.org.alias);
      assertOk(result);
      assert.deepEqual(result.ok && result.value, { primarySmtpAddress: 'svc-booking@contoso.com', name: 'Booking Service', ambiguous: false });
    });

    it('resolves an unknown address to null', async () => {
      const result = await resolveName(fx.connection, 'ghost@contoso.com');
      assertOk(result);
      assert.equal(result.ok && result.value, null);
    });

    it('reads the password expiry date, and null when it never expires', async () => {
      const never = await getPasswordExpirationDate(fx.connection, fx.org.account);
      assertOk(never);
      assert.equal(never.ok && never.value, null);
      const inTenDays = Date.now() + 10 * 86_400_000;
      fx.update((s) => {
        const svc = serviceAccount(s);
        svc.passwordNeverExpires = false;
        svc.passwordLastSet = new Date(inTenDays - s.organization.maxPasswordAgeDays * 86_400_000).toISOString();
      });
      const dated = await getPasswordExpirationDate(fx.connection, fx.org.account);
      assertOk(dated);
      const date = dated.ok ? dated.value : null;
      assert.ok(date instanceof Date);
      assert.ok(Math.abs(date.getTime() - inTenDays) < 2_000, `${date.toISOString()} vs ${new Date(inTenDays).toISOString()}`);
    });
  });

  describe('connection', () => {
    it('refuses Exchange Online with a typed error', async () => {
      for (const url of ['https://outlook.office365.com/EWS/Exchange.asmx', 'https://outlook.office.com/EWS/Exchange.asmx', 'https://mail.contoso.onmicrosoft.outlook.com/EWS/Exchange.asmx', 'https://x.office365.com/EWS/Exchange.asmx']) {
        await assert.rejects(probeLogin(fx.connect({ url })), (e: unknown) => {
          assert.ok(e instanceof ExchangeOnlineNotSupportedError);
          assert.match(e.message, /February 2025/);
          assert.match(e.message, /full_access_as_app/);
          return true;
        });
      }
    });

    it('does not load ews-javascript-api until the first probe', () => {
      const script =
        "require('./src/ews'); console.log(Object.keys(require.cache).some((k) => k.includes('ews-javascript-api')))";
      const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
      assert.equal(run.stdout.trim(), 'false', run.stderr);
    });

    it('shares one keep-alive agent per connection and reuses sockets', async () => {
      fx.update((s) => { s.assignments.push(impersonationAssignment(serviceAccount(s).distinguishedName)); });
      const targets = Array.from({ length: 30 }, (_, i) => `room${(i % 3) + 1}@contoso.com`);
      const results = await Promise.all(targets.map((t) => probeImpersonation(fx.connection, t)));
      results.forEach(assertOk);
      const agent = ewsSession(fx.connection).agent;
      const open = Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
      assert.ok(open > 0 && open <= 32, `free sockets: ${open}`);
    });
  });
});
