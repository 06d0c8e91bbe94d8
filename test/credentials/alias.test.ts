// An alias address given to imp credentials test: the credential stored under the primary address is
// found (the stored account asks EWS ResolveNames), the primary is named, and nothing else is stored.
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
});
