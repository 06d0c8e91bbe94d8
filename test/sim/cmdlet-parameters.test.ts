// Each simulated cmdlet declares the parameter sets and parameters Microsoft documents for it, and no others
// (test/fixtures/cmdlet-parameters.json names each page): an unknown parameter is a ParameterBindingException
// as on a server, and a real one the simulator does not model is refused by name.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellLab, type Lab } from '../helpers/imp';
import { runSimShell } from '../helpers/sim-state';

interface Documented {
  url: string;
  default?: string;
  sets: Record<string, string[]>;
  cloudOnly: string[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'cmdlet-parameters.json'), 'utf8')) as { cmdlets: Record<string, Documented> };
const ALL_SETS = '__AllParameterSets';

interface Declared {
  default: string | null;
  sets: Record<string, string[]>;
}

describe('simulated cmdlets declare the parameters Microsoft documents', function () {
  this.timeout(120_000);
  let lab: Lab;
  let declared: Record<string, Declared>;
  let refusals: { unknown: { errorId: string; exception: string }; unmodelled: { message: string; category: string }; adUnmodelled: { message: string } };

  before(async () => {
    lab = shellLab();
    const run = await runSimShell<{ declared: Record<string, Declared>; refusals: typeof refusals }>(
      lab.settings.exchangeModule,
      `
      $common = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorVariable',
          'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'UseTransaction')
      $declared = [ordered]@{}
      foreach ($name in $Data.cmdlets) {
          $command = Get-Command -Name $name
          $sets = [ordered]@{}
          foreach ($set in $command.ParameterSets) {
              $sets[$set.Name] = @($set.Parameters | ForEach-Object { $_.Name } | Where-Object { $common -notcontains $_ } | Sort-Object)
          }
          $declared[$name] = [ordered]@{ default = $command.DefaultParameterSet; sets = $sets }
      }
      [ordered]@{
          declared = $declared
          refusals = [ordered]@{
              unknown      = Get-SimError { Get-Mailbox -Identity user1 -NoSuchParameter 1 }
              unmodelled   = Get-SimError { Get-Recipient -Identity user1 -SortBy Name }
              adUnmodelled = Get-SimError { Set-ADUser -Identity user1 -Title 'Boss' }
          }
      }`,
      { cmdlets: Object.keys(fixture.cmdlets) },
    );
    declared = run.output.declared;
    refusals = run.output.refusals;
  });
  after(() => lab.remove());

  for (const [cmdlet, documented] of Object.entries(fixture.cmdlets)) {
    it(`${cmdlet}: ${documented.url}`, () => {
      const sim = declared[cmdlet];
      assert.ok(sim, `${cmdlet} is not exported by the simulator`);
      const byName = (sets: Record<string, string[]>) =>
        Object.fromEntries(Object.entries(sets).map(([name, parameters]) => [name, [...parameters].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))]));
      const expected = byName(documented.sets);
      const actual = byName(sim.sets);
      if (Object.keys(expected).length === 1 && expected[ALL_SETS]) {
        // One documented syntax: the simulator has one set, whatever its name.
        assert.deepEqual(Object.values(actual), [expected[ALL_SETS]]);
      } else {
        assert.deepEqual(actual, expected);
        if (documented.default) assert.equal(sim.default, documented.default);
      }
      const all = new Set(Object.values(sim.sets).flat().map((p) => p.toLowerCase()));
      for (const cloud of documented.cloudOnly) assert.ok(!all.has(cloud.toLowerCase()), `${cmdlet} -${cloud} exists only in Exchange Online`);
    });
  }

  it('an unknown parameter is a ParameterBindingException; a real one not modelled is refused by name', () => {
    assert.match(refusals.unknown.errorId, /^NamedParameterNotFound/);
    assert.equal(refusals.unknown.exception, 'System.Management.Automation.ParameterBindingException');
    assert.match(refusals.unmodelled.message, /does not model the parameter -SortBy/);
    assert.equal(refusals.unmodelled.category, 'NotImplemented');
    assert.match(refusals.adUnmodelled.message, /does not model the parameter -Title/);
  });
});
