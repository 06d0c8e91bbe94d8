// The README's roles table is the list templates/common.ps1 checks cmdlets against: the two must agree.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('README roles table', () => {
  it('names every cmdlet and role of $ImpCmdletRoles, and nothing else', () => {
    const common = readFileSync(join(root, 'templates', 'common.ps1'), 'utf8');
    const block = common.slice(common.indexOf('$ImpCmdletRoles = [ordered]@{'), common.indexOf('\n}', common.indexOf('$ImpCmdletRoles')));
    const inTemplates = [...block.matchAll(/'([A-Z][a-z]+-[A-Za-z]+)'\s*=\s*'([^']+)'/g)].map((m) => [m[1], m[2]]);
    assert.ok(inTemplates.length >= 10);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- cmdlet-roles'), readme.indexOf('\n\n', readme.indexOf('| cmdlet |')));
    const inReadme = [...table.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]);
    assert.deepEqual(inReadme, inTemplates);
  });

  it('every cmdlet a template checks for has a role to name', () => {
    const common = readFileSync(join(root, 'templates', 'common.ps1'), 'utf8');
    for (const name of ['grant', 'revoke', 'verify']) {
      const text = readFileSync(join(root, 'templates', `${name}.ps1`), 'utf8');
      // A check names the cmdlet alone or followed by the parameters it needs ('New-ManagementScope -Name').
      for (const [, cmdlet] of text.matchAll(/'((?:Get|New|Set|Remove)-[A-Za-z]+)[ ']/g)) {
        assert.match(common, new RegExp(`'${cmdlet}'\\s*=`), `${name}.ps1 checks ${cmdlet}, which has no role in $ImpCmdletRoles`);
      }
    }
  });
});
