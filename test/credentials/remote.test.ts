// --exchange remote --exchange-credential: the keychain password reaches PowerShell's New-PSSession as a
// SecureString, exactly, and never as text anyone else can see.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { storeCredential } from '../../src/credentials/keychain';
import { exchangeSetup } from '../../src/exchange/connection';
import { PowerShellSession } from '../../src/powershell/session';
import { PWSH, pwshProcesses, runImp } from '../helpers/imp';
import { clearKeychain, contains, hostilePassword, leakPatterns, ProcessWatch, requireTestKeyring } from './support';

const fixtures = join(__dirname, 'fixtures');
const ADMIN = 'CONTOSO\\ExAdmin';

const recorded = z.object({
  remoting: z.object({
    configurationName: z.string(),
    connectionUri: z.string(),
    authentication: z.string(),
    userName: z.string(),
    passwordType: z.string(),
    passwordLength: z.number(),
    passwordSha256: z.string(),
  }),
  leftovers: z.array(z.string()),
  exchange: z.string(),
});

describe('imp --exchange remote --exchange-credential', function () {
  this.timeout(120_000);
  const password = hostilePassword();
  const patterns = leakPatterns(password);

  before(async () => {
    requireTestKeyring();
    await storeCredential(ADMIN, password);
  });
  after(clearKeychain);

  it('hands the keychain password to New-PSSession as a SecureString, exactly, through a one-time key', async () => {
    const scripts: string[] = [];
    const diagnostics: string[] = [];
    const removed = join(mkdtempSync(join(tmpdir(), 'imp-sessions-')), 'removed');
    process.env.IMP_TEST_REMOVED_SESSIONS = removed;
    const connect = exchangeSetup({ exchange: 'remote', exchangeServer: 'ex01.contoso.com', exchangeCredential: ADMIN });
    const session = new PowerShellSession({
      executable: PWSH,
      templateDir: fixtures,
      setup: [{ template: 'remoting-stand-in', dir: fixtures, parameters: {} }, connect],
      onScript: (template, text) => scripts.push(`${template}\n${text}`),
      onDiagnostic: (message) => diagnostics.push(message),
    });
    try {
      const { result } = await session.run('remoting-record', {}, recorded);
      assert.deepEqual(
        { ...result.remoting, passwordSha256: undefined },
        {
          configurationName: 'Microsoft.Exchange',
          connectionUri: 'http://ex01.contoso.com/PowerShell/?serializationLevel=Full',
          authentication: 'Kerberos',
          userName: ADMIN,
          passwordType: 'System.Security.SecureString',
          passwordLength: password.length,
          passwordSha256: undefined,
        },
      );
      assert.equal(result.remoting.passwordSha256, createHash('sha256').update(password, 'utf8').digest('hex'), 'the password arrived intact');
      assert.deepEqual(result.leftovers, [], 'no key, plaintext or SecureString is left in the session');
      assert.equal(result.exchange, 'EX01', 'the stand-in session was imported');

      // --verbose shows the connect template and its parameters: the password is only there encrypted.
      const shown = scripts.find((s) => s.startsWith('connect\n'))!;
      assert.match(shown, /"credentialUser":"CONTOSO\\\\ExAdmin","credentialSecret":"[A-Za-z0-9+/=,]{300,}"/);
      assert.ok(!contains(scripts.join('\n'), patterns), 'the password is not in any script or parameter block');
      assert.ok(!contains(diagnostics.join('\n'), patterns), 'nor in any diagnostic');
    } finally {
      await session.dispose();
    }
    delete process.env.IMP_TEST_REMOVED_SESSIONS;
    assert.equal(readFileSync(removed, 'utf8').trim(), 'ExchangeStandIn', 'the remote session was removed before PowerShell ended');
  });

  it('a failing remote connection says why, without the password, which no process ever had in its argv', async () => {
    const watch = new ProcessWatch(patterns);
    const run = await runImp(
      ['--verbose', '--exchange', 'remote', '--exchange-server', 'ex01.contoso.invalid', '--exchange-credential', ADMIN, 'grant', '--account', 'svc-booking@contoso.com'],
      { onSpawn: (child) => watch.watch(child.pid!) },
    );
    watch.stop();
    assert.equal(run.code, 3, run.stderr);
    // pwsh on Linux has no WSMan client, so New-PSSession fails at once; on Windows it would name the server.
    assert.match(run.stderr, /error: .*\[New-PSSession\]/);
    // and the fix does not send the admin back to --exchange remote: it says where remote works (issue 11.8).
    assert.match(run.stderr, /fix: This PowerShell has no WSMan client .*Run imp on Windows.*imp verify --no-powershell/);
    assert.match(run.stderr, /--- PowerShell template connect ---/);
    assert.ok(!contains(run.stdout + run.stderr, patterns), 'the password is not in the output');
    assert.deepEqual(watch.leaks, []);
    const started = [...watch.family.values()].filter((argv) => argv.some((a) => /pwsh/.test(a)));
    assert.ok(started.length >= 1, 'the watch saw the PowerShell imp started');
    assert.deepEqual(pwshProcesses().filter((pid) => watch.family.has(pid)), [], 'and it is gone');
  });

  it('with no password stored for the account, fails before any PowerShell starts (exit 3)', async () => {
    const watch = new ProcessWatch(patterns);
    const run = await runImp(
      ['--json', '--exchange', 'remote', '--exchange-server', 'ex01.contoso.com', '--exchange-credential', 'CONTOSO\\nobody', 'grant', '--account', 'svc-booking@contoso.com'],
      { onSpawn: (child) => watch.watch(child.pid!) },
    );
    watch.stop();
    assert.equal(run.code, 3);
    assert.equal(JSON.parse(run.stdout).error.code, 'CREDENTIAL_NOT_STORED');
    assert.match(run.stderr, /No credential is stored for CONTOSO\\nobody[\s\S]*fix: Store it with "imp credentials set --account CONTOSO\\nobody"\.$/m);
    assert.deepEqual([...watch.family.keys()].filter((pid) => pid !== run.pid), [], 'imp started no process');
  });
});
