// Whatever address reaches the SOAP XML arrives at the server as exactly that address: the simulator parses
// requests as strictly as Exchange (a bare "&" is malformed), and its request log shows what it read.
import { strict as assert } from 'node:assert';
import { probeImpersonation, probeLogin } from '../../src/ews';
import { impersonationAssignment, serviceAccount, startFixture, type Fixture } from './fixture';

describe('addresses in the SOAP XML', function () {
  this.timeout(60_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
    fx.update((state) => {
      state.assignments.push(impersonationAssignment(serviceAccount(state).distinguishedName));
      // Exchange accepts "&" in an address; such a room must still be probed as itself.
      const room = state.users.find((u) => u.mailbox?.primarySmtpAddress === 'room1@contoso.com')!;
      room.mailbox!.primarySmtpAddress = "r&d-o'brien@contoso.com";
      room.mailbox!.emailAddresses = ["SMTP:r&d-o'brien@contoso.com"];
    });
  });
  after(() => fx.close());

  const lastLogged = () => fx.server.requestLog[fx.server.requestLog.length - 1]!;

  it('impersonates an address with "&" and "\'" as exactly that address', async () => {
    const result = await probeImpersonation(fx.connection, "r&d-o'brien@contoso.com");
    assert.ok(result.ok, result.ok ? '' : result.failure.message);
    assert.equal(lastLogged().impersonated, "r&d-o'brien@contoso.com");
  });

  it('markup in an address stays text: no comment, no false pass for another mailbox', async () => {
    for (const hostile of ['room2@contoso.com<!--x-->', 'room2@contoso.com</t:SmtpAddress><t:SmtpAddress>room3@contoso.com', 'a&b<c>"@contoso.com']) {
      const result = await probeImpersonation(fx.connection, hostile);
      assert.ok(!result.ok, `${hostile} passed`);
      assert.equal(result.failure.kind, 'no-mailbox', `${hostile}: ${result.failure.message}`);
      assert.equal(lastLogged().impersonated, hostile);
    }
    const login = await probeLogin(fx.connection, 'svc-booking@contoso.com<!--x-->');
    assert.ok(!login.ok);
    assert.equal(lastLogged().responseCode, 'ErrorNonExistentMailbox');
  });
});
