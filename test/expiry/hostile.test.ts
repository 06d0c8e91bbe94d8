// Hostile addresses through templates/expiry.ps1 on both paths: Get-ADUser -Filter (OPATH quoting) and
// [adsisearcher] (RFC 4515 escaping). Each one is only ever a value: nothing matches by accident, no
// filter breaks, and no other cmdlet runs.
import { strict as assert } from 'node:assert';
import { UsageError } from '../../src/errors';
import { exchangeSetup } from '../../src/exchange/connection';
import { checkAccount } from '../../src/exchange/names';
import { directoryAccountSchema } from '../../src/expiry/directory';
import { PowerShellSession } from '../../src/powershell/session';
import { writeState } from '../../src/sim/state';
import { HOSTILE_STRINGS } from '../helpers/hostile';
import { PWSH, shellLab, type Lab } from '../helpers/imp';

const INTENDED = new Set(['Get-Mailbox', 'Get-ADUser', 'Get-ADDomainController', 'DirectorySearcher.FindOne']);

function accountOf(hostile: string): string | undefined {
  try {
    return checkAccount(`${hostile}@contoso.com`);
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return undefined;
  }
}

describe('imp expiry with hostile addresses', function () {
  this.timeout(600_000);
  const labs: Lab[] = [];
  const sessions: PowerShellSession[] = [];

  before(() => {
    for (const activeDirectoryModule of [true, false]) {
      const lab = shellLab();
      const state = lab.state();
      state.machine = { activeDirectoryModule };
      writeState(lab.settings.stateDir, state);
      labs.push(lab);
      sessions.push(new PowerShellSession({ executable: PWSH, setup: [exchangeSetup({ exchange: 'module', exchangeModule: lab.settings.exchangeModule })] }));
    }
  });
  after(async () => {
    await Promise.all(sessions.map((s) => s.dispose()));
    for (const lab of labs) lab.remove();
  });

  it('finds no account for any of them, with Get-ADUser and with [adsisearcher]', async () => {
    // Wildcards must not match svc-booking@contoso.com.
    const accounts = ['svc-*@contoso.com', '*@contoso.com', 'svc-booking@contoso.co*', ...HOSTILE_STRINGS.map(accountOf).filter((a): a is string => Boolean(a))];
    assert.ok(accounts.length >= 20);
    await Promise.all(
      sessions.map(async (session, i) => {
        for (const account of accounts) {
          const { result } = await session.run('expiry', { account }, directoryAccountSchema);
          assert.equal(result.found, false, `${JSON.stringify(account)} matched ${result.distinguishedName}`);
          assert.equal(result.source, i === 0 ? 'Get-ADUser' : 'adsisearcher');
        }
        const calls = labs[i]!.calls();
        assert.deepEqual(calls.filter((c) => !INTENDED.has(c.cmdlet)), [], 'only the intended cmdlets ran');
        for (const account of accounts) {
          assert.ok(calls.some((c) => c.cmdlet === 'Get-Mailbox' && c.parameters.Identity === account), `Get-Mailbox did not receive ${JSON.stringify(account)} verbatim`);
        }
        assert.equal(new Set(calls.map((c) => c.pid)).size, 1, 'all through one PowerShell process');
      }),
    );
  });
});
