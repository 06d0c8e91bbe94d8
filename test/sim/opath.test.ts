// One table of OPATH cases (test/fixtures/opath-cases.json) for both of the simulator's filter evaluators:
// the Management Shell's (RecipientFilter.ps1, in real pwsh) and the EWS endpoint's (recipient-filter.ts).
// The two halves of the simulator must agree on every row; neither owns the grammar alone.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { seedOrganization } from '../../src/sim/organization';
import { matchesRecipientFilter, parseRecipientFilter } from '../../src/sim/recipient-filter';
import { shellLab, type Lab } from '../helpers/imp';
import { runSimShell } from '../helpers/sim-state';

interface Cases {
  matches: { filter: string; yes: string[]; no: string[] }[];
  invalid: string[];
}
const cases = JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'opath-cases.json'), 'utf8')) as Cases;

// Every row as (filter, sam, expected): what both evaluators must answer.
const rows = cases.matches.flatMap((c) => [...c.yes.map((sam) => ({ filter: c.filter, sam, expected: true })), ...c.no.map((sam) => ({ filter: c.filter, sam, expected: false }))]);

describe('OPATH: one table of cases for both evaluators', function () {
  this.timeout(60_000);

  it('recipient-filter.ts (the EWS endpoint) answers every row', () => {
    const state = seedOrganization({ rooms: 2, users: 2, basicAuthentication: true, ewsUrl: 'https://x/EWS/Exchange.asmx' }).state;
    const wrong = rows.filter((row) => {
      const user = state.users.find((u) => u.samAccountName === row.sam)!;
      return matchesRecipientFilter(parseRecipientFilter(row.filter), user, state) !== row.expected;
    });
    assert.deepEqual(wrong, []);
    const accepted = cases.invalid.filter((filter) => {
      try { parseRecipientFilter(filter); return true; } catch { return false; }
    });
    assert.deepEqual(accepted, [], 'filters Exchange refuses');
  });

  describe('RecipientFilter.ps1 (the Management Shell)', () => {
    let lab: Lab;
    let result: { wrong: unknown[]; accepted: string[] };
    before(async () => {
      lab = shellLab({ rooms: 2, users: 2 });
      const run = await runSimShell<typeof result>(
        lab.settings.exchangeModule,
        `
        # Inside the module: the parser and evaluator themselves, against each recipient's facts.
        & (Get-Module ExchangeSim) {
            param($Data)
            $state = Read-SimState
            $wrong = foreach ($row in $Data.rows) {
                $user = @($state.users | Where-Object { $_.samAccountName -eq $row.sam })[0]
                $got = Test-SimFilter (ConvertFrom-SimFilter $row.filter) (Get-SimDirectoryFacts $state $user)
                if ($got -ne $row.expected) { $row }
            }
            $accepted = foreach ($filter in $Data.invalid) {
                try { [void](ConvertFrom-SimFilter $filter); $filter } catch { }
            }
            [ordered]@{ wrong = @($wrong); accepted = @($accepted) }
        } $Data
        `,
        { rows, invalid: cases.invalid },
      );
      result = run.output;
    });
    after(() => lab.remove());

    it('answers every row', () => assert.deepEqual(result.wrong, []));
    it('refuses every invalid filter', () => assert.deepEqual(result.accepted, []));
  });
});
