// Hostile addresses through templates/expiry.ps1 on both paths: Get-ADUser -Filter (OPATH quoting) and
// [adsisearcher] (RFC 4515 escaping). Each one is only ever a value: nothing matches by accident, no
// filter breaks, and no other cmdlet runs.
import { strict as assert } from 'node:assert';
import { exchangeSetup } from '../../src/exchange/connection';
import { directoryAccountSchema } from '../../src/expiry/directory';
import { PowerShellSession } from '../../src/powershell/session';
import { writeState } from '../../src/sim/state';
import { HOSTILE_STRINGS, storableName } from '../helpers/hostile';
import { PWSH, shellLab, type Lab } from '../helpers/imp';

const INTENDED = new Set(['Get-Mailbox', 'Get-ADUser', 'Get-ADDomainController', 'DirectorySearcher.FindOne']);

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
    // The CLI refuses most of these as addresses (checkAccount); the template must be safe on its own, so
    // every value Exchange could store goes to it directly, whether or not the CLI would let it through.
    const accounts = ['svc-*@contoso.com', '*@contoso.com', 'svc-booking@contoso.co*', ...HOSTILE_STRINGS.filter(storableName).map((h) => `${h}@contoso.com`)];
    assert.ok(accounts.length >= 40);
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
