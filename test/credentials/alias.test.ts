// An alias address given to imp credentials set, test, delete (and verify, expiry --check-login): the
// password is stored and found under the primary address, which the Management Shell names where it is
// configured and EWS ResolveNames otherwise; the primary is named, and nothing is stored under the alias.
import { strict as assert } from 'node:assert';
import { runImp, SimProcess } from '../helpers/imp';
import { clearKeychain, requireTestKeyring } from './support';

describe('imp credentials with an alias address', function () {
  this.timeout(120_000);
  let sim: SimProcess;
  before(async () => {
    requireTestKeyring();
    sim = await SimProcess.start(['--rooms', '1', '--users', '1']);
  });
  after(async () => {
    await clearKeychain();
    await sim?.stop();
  });

  it('test --account <alias> uses the password stored for the primary address and names it', async () => {
    const s = sim.lab.settings;
    const set = await runImp(['credentials', 'set', '--account', s.account, '--password-stdin'], { input: `${s.password}\n` });
    assert.equal(set.code, 0, set.stderr);
    const run = await runImp(['credentials', 'test', '--account', s.alias, '--ews-url', s.ewsUrl!, '--ca', s.caFile!]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, new RegExp(`${s.alias} is an alias; the primary SMTP address of its mailbox is ${s.account}, and the password is stored under it\\.`));
    assert.match(run.stdout, new RegExp(`EWS accepted it for ${s.account}`));
    const list = await runImp(['--json', 'credentials', 'list']);
    assert.deepEqual(JSON.parse(list.stdout).accounts, [s.account]);

    // verify given the alias, without the Management Shell: EWS ResolveNames finds the primary, whose password logs in.
    const verify = await runImp(['--json', 'verify', '--no-powershell', '--account', s.alias, '--mailbox', 'room1@contoso.com', '--wait', '0', '--ews-url', s.ewsUrl!, '--ca', s.caFile!]);
    const report = JSON.parse(verify.stdout);
    assert.match(verify.stderr, new RegExp(`${s.alias} is an alias of ${s.account}: verify uses the password stored for ${s.account}`));
    const status = (id: string) => report.checks.find((c: { id: string }) => c.id === id);
    assert.equal(status('ews.login').status, 'pass', JSON.stringify(report.checks) + verify.stderr);
    assert.equal(status('ews.impersonation').code, 'ErrorImpersonateUserDenied', 'impersonation was tried as the primary (no role granted in this lab)');
    assert.equal(status('account.mailbox').code, 'ErrorNonPrimarySmtpAddress', 'and it still says the booking system needs the primary address');

    const unknown = await runImp(['credentials', 'test', '--account', 'nobody@contoso.com', '--ews-url', s.ewsUrl!, '--ca', s.caFile!]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /No credential is stored for nobody@contoso.com/);
  });

  it('set, expiry --check-login, verify and delete given the alias: the Management Shell names the primary, and the password lives under it', async () => {
    await clearKeychain();
    const s = sim.lab.settings;
    const shell = sim.lab.moduleArgs;
    const stored = async () => JSON.parse((await runImp(['--json', 'credentials', 'list'])).stdout).accounts;

    const set = await runImp([...shell, 'credentials', 'set', '--account', s.alias, '--password-stdin'], { input: `${s.password}\n` });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, new RegExp(`^${s.alias} is an alias; the primary SMTP address of its mailbox is ${s.account}, so the password is stored under it; configure the booking system with it too\\.\nStored the password for ${s.account}`));
    assert.deepEqual(await stored(), [s.account], 'stored under the primary address only');

    // expiry --check-login given the alias: its template found the mailbox, and the login uses the primary's password.
    const expiry = await runImp([...shell, '--json', 'expiry', '--account', s.alias, '--check-login', '--ca', s.caFile!]);
    assert.equal(JSON.parse(expiry.stdout).login?.ok, true, expiry.stdout + expiry.stderr);
    assert.match(expiry.stderr, new RegExp(`${s.alias} is an alias of ${s.account}: the login uses the password stored for ${s.account}`));

    // verify given the alias, with the Management Shell: the password stored under the primary logs in.
    // (credentials test given the alias: the first test, through EWS; the Management Shell's answer is the one set used.)
    const verify = await runImp([...shell, '--json', 'verify', '--account', s.alias, '--mailbox', 'room1@contoso.com', '--wait', '0', '--ca', s.caFile!]);
    const checks = JSON.parse(verify.stdout).checks as { id: string; status: string }[];
    assert.equal(checks.find((c) => c.id === 'ews.login')?.status, 'pass', verify.stdout + verify.stderr);
    assert.match(verify.stderr, new RegExp(`${s.alias} is an alias of ${s.account}: verify uses the password stored for ${s.account}`));

    const removed = await runImp([...shell, '--json', 'credentials', 'delete', '--account', s.alias]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(JSON.parse(removed.stdout).status, 'deleted');
    assert.deepEqual(await stored(), []);
  });

  it('set --test given the alias without the Management Shell: EWS ResolveNames, asked with the password just proven, names the primary', async () => {
    await clearKeychain();
    const s = sim.lab.settings;
    const run = await runImp(['--json', 'credentials', 'set', '--no-powershell', '--account', s.alias, '--username', s.account, '--password-stdin', '--test', '--ews-url', s.ewsUrl!, '--ca', s.caFile!], { input: `${s.password}\n` });
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout);
    assert.equal(document.account, s.account);
    assert.equal(document.alias, s.alias);
    assert.deepEqual(JSON.parse((await runImp(['--json', 'credentials', 'list'])).stdout).accounts, [s.account]);
  });
});
