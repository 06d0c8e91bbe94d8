// The simulated machine without the ActiveDirectory module: no Get-ADUser, and [adsisearcher] answering
// like System.DirectoryServices.DirectorySearcher (filters, PropertiesToLoad, lower-case result properties).
import { strict as assert } from 'node:assert';
import { applyPasswordExpiry } from '../../src/sim/organization';
import { writeState } from '../../src/sim/state';
import { shellLab, type Lab } from '../helpers/imp';
import { runSimShell } from '../helpers/sim-state';

interface LdapResult {
  hasGetADUser: boolean;
  accelerator: string;
  path: string;
  keys: string[];
  control: number;
  expiry: string;
  pwdLastSet: string;
  allAttributes: string[];
  byUpn: string;
  byProxy: string;
  escaped: string | null;
  disabledUsers: string[];
  noMatch: boolean;
  badFilters: string[];
}

describe('ExchangeSim.psm1 without the ActiveDirectory module ([adsisearcher])', function () {
  this.timeout(60_000);
  let lab: Lab;
  let result: LdapResult;

  before(async () => {
    lab = shellLab();
    const state = lab.state();
    state.machine = { activeDirectoryModule: false };
    applyPasswordExpiry(state.users.find((u) => u.samAccountName === 'svc-booking')!, 'never', new Date());
    writeState(lab.settings.stateDir, state);
    const run = await runSimShell<LdapResult>(
      lab.settings.exchangeModule,
      `
      $searcher = [adsisearcher]'(&(objectCategory=person)(objectClass=user)(mail=svc-booking@contoso.com))'
      foreach ($name in 'userAccountControl', 'pwdLastSet', 'msDS-UserPasswordExpiryTimeComputed') { [void]$searcher.PropertiesToLoad.Add($name) }
      $entry = $searcher.FindOne()
      $all = ([adsisearcher]'(sAMAccountName=svc-booking)').FindOne()
      $bad = foreach ($filter in @('(mail=x', 'mail=x', '(mail~=x)', '(&)', '(mail=\\zz)')) {
          try { [void]([adsisearcher]$filter).FindOne(); 'accepted ' + $filter } catch { $_.Exception.Message }
      }
      [ordered]@{
          hasGetADUser  = [bool](Get-Command Get-ADUser -ErrorAction SilentlyContinue)
          accelerator   = $searcher.GetType().Name
          path          = $entry.Path
          keys          = @($entry.Properties.Keys | Sort-Object)
          control       = $entry.Properties['useraccountcontrol'][0]
          expiry        = [string]$entry.Properties['msds-userpasswordexpirytimecomputed'][0]
          pwdLastSet    = [string]$entry.Properties['PwdLastSet'][0]
          allAttributes = @($all.Properties.Keys | Sort-Object)
          byUpn         = [string]([adsisearcher]'(userPrincipalName=user1@contoso.com)').FindOne().Properties['samaccountname'][0]
          byProxy       = [string]([adsisearcher]'(proxyAddresses=smtp:BOOKING@contoso.com)').FindOne().Properties['samaccountname'][0]
          escaped       = $(if ($r = ([adsisearcher]'(cn=Booking \\2a)').FindOne()) { 'matched a literal star' } else { $null })
          disabledUsers = @(([adsisearcher]'(&(objectClass=user)(cn=Room*)(!(mail=nobody*)))').FindAll() | ForEach-Object { [string]$_.Properties['cn'][0] })
          noMatch       = $null -eq ([adsisearcher]'(mail=nobody@contoso.com)').FindOne()
          badFilters    = @($bad)
      }
      `,
    );
    result = run.output;
  });
  after(() => lab.remove());

  it('exports no Get-ADUser and points [adsisearcher] at the stand-in', () => {
    assert.equal(result.hasGetADUser, false);
    assert.equal(result.accelerator, 'SimDirectorySearcher');
  });

  it('returns what PropertiesToLoad names (plus adspath), keyed in lower case, with the FILETIME sentinel raw', () => {
    assert.equal(result.path, 'LDAP://DC01.contoso.com/CN=Booking Service,OU=Users,OU=Contoso,DC=contoso,DC=com');
    assert.deepEqual(result.keys, ['adspath', 'msds-userpasswordexpirytimecomputed', 'pwdlastset', 'useraccountcontrol']);
    assert.equal(result.control, 0x200 | 0x10000); // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
    assert.equal(result.expiry, '9223372036854775807');
    assert.match(result.pwdLastSet, /^\d{18}$/);
  });

  it('leaves constructed attributes out unless they are asked for by name', () => {
    assert.ok(result.allAttributes.includes('useraccountcontrol'));
    assert.ok(!result.allAttributes.some((name) => name.startsWith('msds-')));
  });

  it('matches userPrincipalName, proxy addresses (any case), wildcards, negation and escapes like AD', () => {
    assert.equal(result.byUpn, 'user1');
    assert.equal(result.byProxy, 'svc-booking');
    assert.equal(result.escaped, null);
    assert.deepEqual(result.disabledUsers, ['Room 1', 'Room 2', 'Room 3']);
    assert.equal(result.noMatch, true);
  });

  it('refuses malformed and unsupported filters as DirectorySearcher does', () => {
    for (const message of result.badFilters) assert.match(message, /^The .* search filter is invalid\.$/);
    assert.equal(result.badFilters.length, 5);
  });
});
