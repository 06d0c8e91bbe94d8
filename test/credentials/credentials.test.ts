// imp credentials end to end: the built CLI, the real Secret Service (scripts/with-keyring), and the
// simulated Exchange's HTTPS EWS endpoint for the login checks.
import { strict as assert } from 'node:assert';
import { readCredential } from '../../src/credentials/keychain';
import { jsonBody, runImp, SimProcess, type Lab } from '../helpers/imp';
import { changeLab, clearKeychain, hostilePassword, requireTestKeyring, setLabPassword } from './support';

describe('imp credentials', function () {
  this.timeout(120_000);
  let sim: SimProcess;
  let lab: Lab;
  let ews: string[];

  before(async () => {
    requireTestKeyring();
    sim = await SimProcess.start(['--rooms', '2', '--users', '1']);
    lab = sim.lab;
    ews = ['--ews-url', lab.settings.ewsUrl!, '--ca', lab.settings.caFile!, '--username', lab.settings.username];
  });
  after(async () => {
    await clearKeychain();
    await sim?.stop();
  });
  afterEach(async () => {
    await clearKeychain();
    // Back to the lab as imp sim made it.
    changeLab(lab, (account, state) => {
      account.lockedOut = false;
      for (const vdir of state.webServicesVirtualDirectories) vdir.basicAuthentication = true;
    });
    setLabPassword(lab, lab.settings.password);
  });

  const account = () => lab.settings.account;
  const store = (password: string, ...extra: string[]) =>
    runImp(['credentials', 'set', '--account', account(), '--password-stdin', ...extra], { input: `${password}\n` });

  it('set → list → test → verify → delete; then verify fails with exit 3 saying nothing is stored', async () => {
    const set = await store(lab.settings.password, '--test', ...ews);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Stored the password for svc-booking@contoso.com in the Secret Service keyring/);
    assert.match(set.stdout, /Tested first: EWS accepted it/);

    const list = await runImp(['--json', 'credentials', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(jsonBody(list.stdout), { accounts: [account()] });

    const test = await runImp(['--json', 'credentials', 'test', '--account', account(), ...ews]);
    assert.equal(test.code, 0, test.stderr);
    const tested = JSON.parse(test.stdout);
    assert.equal(tested.status, 'ok');
    assert.equal(tested.login.username, lab.settings.username);
    assert.match(tested.storedAt, /^\d{4}-\d\d-\d\dT/);

    // verify takes the password from the keychain when --password-stdin is not given.
    const verifyArgs = ['--json', 'verify', '--account', account(), ...ews, '--no-powershell', '--wait', '0'];
    const verify = await runImp(verifyArgs);
    assert.notEqual(verify.code, 3, verify.stderr);
    const report = JSON.parse(verify.stdout);
    assert.equal(report.checks.find((c: { id: string }) => c.id === 'ews.login')?.status, 'pass', verify.stdout);

    const removed = await runImp(['credentials', 'delete', '--account', account()]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Deleted the stored password for svc-booking@contoso.com/);
    assert.deepEqual(jsonBody((await runImp(['--json', 'credentials', 'list'])).stdout), { accounts: [] });

    const again = await runImp(verifyArgs);
    assert.equal(again.code, 3);
    assert.equal(JSON.parse(again.stdout).error.code, 'CREDENTIAL_NOT_STORED');
    assert.match(again.stderr, /No credential is stored for svc-booking@contoso.com/);
  });

  it('round-trips a 256-character password of quotes, $, backticks and non-ASCII exactly, and it logs in', async () => {
    const password = hostilePassword();
    setLabPassword(lab, password);
    // A CRLF line ending (a Windows pipe) is not part of the password.
    const set = await runImp(['credentials', 'set', '--account', account(), '--password-stdin', '--test', ...ews], { input: `${password}\r\nsecond line\n` });
    assert.equal(set.code, 0, set.stderr);
    const stored = await readCredential(account());
    assert.ok(stored?.password === password, 'the keychain holds exactly the password that was sent');

    const test = await runImp(['credentials', 'test', '--account', account(), ...ews]);
    assert.equal(test.code, 0, test.stderr);
    assert.match(test.stdout, /logs in/);
  });

  it('set --test stores nothing when EWS refuses the password: exit 2, HTTP 401, and the fix', async () => {
    const set = await store('not-the-password', '--test', ...ews);
    assert.equal(set.code, 2, set.stderr);
    assert.match(set.stderr, /Nothing was stored: EWS refused the logon svc-booking@contoso.com \(HTTP 401\): wrong password/);
    assert.match(set.stderr, /fix: .*imp credentials set --account svc-booking@contoso.com/);
    assert.equal(await readCredential(account()), null);
  });

  it('test says which login failure it is, with the fix (exit 2)', async () => {
    assert.equal((await store(lab.settings.password)).code, 0);
    const test = (...extra: string[]) => runImp(['credentials', 'test', '--account', account(), ...extra]);

    setLabPassword(lab, 'changed-by-the-ad-admin');
    let run = await test(...ews);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /HTTP 401\): wrong password or logon name/);
    setLabPassword(lab, lab.settings.password);

    changeLab(lab, (svc) => (svc.lockedOut = true));
    run = await test(...ews);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /locked out in Active Directory/);
    assert.match(run.stderr, /fix: Unlock the account \(Unlock-ADAccount\)/);
    changeLab(lab, (svc) => (svc.lockedOut = false));

    changeLab(lab, (_svc, state) => state.webServicesVirtualDirectories.forEach((v) => (v.basicAuthentication = false)));
    run = await test(...ews);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /does not accept Basic authentication/);
    assert.match(run.stderr, /fix: Set-WebServicesVirtualDirectory .* -BasicAuthentication \$true/);
    changeLab(lab, (_svc, state) => state.webServicesVirtualDirectories.forEach((v) => (v.basicAuthentication = true)));

    // The simulator's certificate comes from its own CA: without --ca it is untrusted.
    run = await test('--ews-url', lab.settings.ewsUrl!, '--username', lab.settings.username);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /TLS certificate of the EWS server was not accepted/);
    assert.match(run.stderr, /fix: Trust the CA .*--ca/);

    // Nobody answering is no verdict on the password: UNKNOWN.
    run = await test('--ews-url', 'https://127.0.0.1:9/EWS/Exchange.asmx', '--username', lab.settings.username);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /EWS could not be reached/);

    run = await test(...ews);
    assert.equal(run.code, 0, run.stderr);
  });

  it('--insecure logs in without the CA, with a loud warning', async () => {
    const set = await store(lab.settings.password, '--test', '--insecure', '--ews-url', lab.settings.ewsUrl!, '--username', lab.settings.username);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /warning: --insecure: the EWS server certificate is NOT verified/);
  });

  it('test with nothing stored: exit 3, and says how to store it', async () => {
    const run = await runImp(['--json', 'credentials', 'test', '--account', account(), ...ews]);
    assert.equal(run.code, 3);
    assert.equal(JSON.parse(run.stdout).error.code, 'CREDENTIAL_NOT_STORED');
    assert.match(run.stderr, /No credential is stored for svc-booking@contoso.com/);
    assert.match(run.stderr, /fix: Store it with "imp credentials set --account svc-booking@contoso.com"/);
  });

  it('set refuses bad input with exit 3 and stores nothing', async () => {
    const cases: [string, string[], string, RegExp][] = [
      ['an empty password', ['--password-stdin'], '\n', /--password-stdin received an empty password/],
      ['no input at all', ['--password-stdin'], '', /--password-stdin received an empty password/],
      ['piped stdin without --password-stdin', [], 'hunter2\n', /Standard input is not a terminal[\s\S]*fix: Pipe the password in with --password-stdin/],
      ['--test without an EWS URL', ['--password-stdin', '--test'], 'hunter2\n', /needs the EWS URL[\s\S]*fix: Pass --ews-url/],
      ['login options without --test', ['--password-stdin', '--ews-url', lab.settings.ewsUrl!], 'hunter2\n', /only apply to the login test/],
      ['an unreadable CA file', ['--password-stdin', '--test', '--ews-url', lab.settings.ewsUrl!, '--ca', '/nonexistent/ca.pem'], 'hunter2\n', /Cannot read the CA certificate/],
    ];
    for (const [what, args, input, message] of cases) {
      const run = await runImp(['credentials', 'set', '--account', account(), ...args], { input });
      assert.equal(run.code, 3, `${what}: ${run.stderr}`);
      assert.match(run.stderr, message, what);
    }
    const bad = await runImp(['credentials', 'set', '--account', 'not an address', '--password-stdin'], { input: 'x\n' });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /neither an address/);
    assert.deepEqual(jsonBody((await runImp(['--json', 'credentials', 'list'])).stdout), { accounts: [] });
  });

  it('keys accounts case-insensitively, lists accounts only, and deleting a missing one is a clean no-op', async () => {
    assert.equal((await store('first-password')).code, 0);
    const replaced = await runImp(['--json', 'credentials', 'set', '--account', 'SVC-Booking@Contoso.com', '--password-stdin'], { input: 'second-password\n' });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(JSON.parse(replaced.stdout).replaced, true);
    assert.equal((await readCredential(account()))?.password, 'second-password');

    // An admin account for --exchange-credential, in DOMAIN\user form.
    const admin = await runImp(['credentials', 'set', '--account', 'CONTOSO\\ExAdmin', '--password-stdin'], { input: 'admin-password\n' });
    assert.equal(admin.code, 0, admin.stderr);

    const list = await runImp(['credentials', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^ {2}contoso\\exadmin$/m);
    assert.match(list.stdout, /^ {2}svc-booking@contoso.com$/m);
    assert.ok(!/password/.test(list.stdout.replace(/Passwords stored/, '')), 'no secret in the listing');
    assert.deepEqual(jsonBody((await runImp(['--json', 'credentials', 'list'])).stdout), { accounts: ['contoso\\exadmin', 'svc-booking@contoso.com'] });

    const removed = await runImp(['--json', 'credentials', 'delete', '--account', 'Svc-Booking@contoso.COM']);
    assert.deepEqual(jsonBody(removed.stdout), { status: 'deleted', account: account() });
    const missing = await runImp(['credentials', 'delete', '--account', account()]);
    assert.equal(missing.code, 0);
    assert.match(missing.stdout, /No password was stored for svc-booking@contoso.com; nothing to delete/);
    const help = await runImp(['credentials', 'delete', '--help']);
    assert.match(help.stdout, /0 when the password is gone, including when none was stored/);
  });
});
