// Every template (and the simulated module) must run unchanged on Windows PowerShell 5.1 and
// PowerShell 7: parsed by the real PowerShell parser, with the syntax only PowerShell 7 knows refused.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, templatesDir } from '../../src/paths';
import { SIM_MODULE_DIR } from '../../src/sim/simulator';
import { PWSH } from '../helpers/imp';

const files = readdirSync(templatesDir).filter((f) => f.endsWith('.ps1')).map((f) => join(templatesDir, f));
// The simulator's many small files are scanned in one pwsh run: a run costs seconds on this machine.
const simFiles = readdirSync(SIM_MODULE_DIR).filter((f) => /\.psm?1$/.test(f)).map((f) => join(SIM_MODULE_DIR, f));

// Walks each file's AST in one pwsh run and lists parse errors and PowerShell-7-only constructs.
const SCAN = `
$ErrorActionPreference = 'Stop'
$report = foreach ($file in $args) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$tokens, [ref]$errors)
  $problems = New-Object System.Collections.ArrayList
  foreach ($e in $errors) { [void]$problems.Add('parse error: ' + $e.Message + ' at line ' + $e.Extent.StartLineNumber) }
  $found = $ast.FindAll({ param($node)
      $type = $node.GetType().Name
      if ($type -eq 'TernaryExpressionAst' -or $type -eq 'PipelineChainAst') { return $true }
      if ($type -eq 'BinaryExpressionAst' -and $node.Operator -eq 'QuestionQuestion') { return $true }
      if ($type -eq 'AssignmentStatementAst' -and $node.Operator -eq 'QuestionQuestionEquals') { return $true }
      if (($type -eq 'MemberExpressionAst' -or $type -eq 'InvokeMemberExpressionAst' -or $type -eq 'IndexExpressionAst') -and $node.NullConditional) { return $true }
      if ($type -eq 'CommandParameterAst' -and @('Parallel', 'AsHashtable', 'AsArray', 'EscapeHandling') -contains $node.ParameterName) { return $true }
      if ($type -eq 'CommandParameterAst' -and $node.ParameterName -eq 'Depth' -and $node.Parent.GetCommandName() -eq 'ConvertFrom-Json') { return $true }
      if ($type -eq 'PipelineAst' -and $node.Background) { return $true }
      if ($type -eq 'ScriptBlockAst' -and $node.CleanBlock) { return $true }
      if ($type -eq 'InvokeMemberExpressionAst' -and $node.GenericTypeArguments -and $node.GenericTypeArguments.Count -gt 0) { return $true }
      # "\`u{2013}" is an en dash in PowerShell 6+, and the letters u{2013} in 5.1.
      if (($type -eq 'ExpandableStringExpressionAst' -or ($type -eq 'StringConstantExpressionAst' -and $node.StringConstantType -like 'DoubleQuoted*')) -and $node.Extent.Text -match '\`u\{') { return $true }
      return $false
    }, $true)
  foreach ($node in $found) { [void]$problems.Add('PowerShell 7 only: ' + $node.Extent.Text.Split([char]10)[0] + ' at line ' + $node.Extent.StartLineNumber) }
  [pscustomobject]@{ file = $file; problems = @($problems) }
}
ConvertTo-Json -InputObject @($report) -Depth 4 -Compress
`;

// A file the scan must refuse: every construct only PowerShell 7 knows, one per line.
const PS7_ONLY = "$a = $b ?? 'x'\n$c = $true ? 1 : 2\nGet-Item x && Get-Item y\n$d = ${e}?.Name\n1..3 | ForEach-Object -Parallel { $_ }\n'{}' | ConvertFrom-Json -AsHashtable\nGet-Item x &\nfunction f { clean { } }\n$f = [Array]::Empty[int]()\n$g = \"`u{2013}\"\n";

describe('templates run on Windows PowerShell 5.1 and PowerShell 7', function () {
  this.timeout(60_000);
  let dir: string;
  let bad: string;
  // Every file is scanned by one pwsh run (a run costs seconds on this machine); each test reads its file's result.
  let results: Map<string, string[]>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'imp-ps7-'));
    bad = join(dir, 'bad.ps1');
    writeFileSync(bad, PS7_ONLY);
    const all = [bad, ...files, ...simFiles];
    const scanned = scan(all);
    assert.deepEqual(scanned.map((r) => r.file), all, 'one result per file, in order');
    results = new Map(scanned.map((r) => [r.file, r.problems]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the scan itself catches PowerShell 7 syntax', () => {
    const problems = results.get(bad)!;
    assert.equal(problems.length, 10, problems.join('\n'));
  });

  for (const file of files) {
    it(`${file.slice(packageRoot.length + 1)} parses and uses no PowerShell-7-only syntax`, () => {
      assert.deepEqual(results.get(file), []);
      // Windows PowerShell 5.1 reads a file without a BOM in the ANSI code page.
      const text = readFileSync(file, 'utf8');
      const nonAscii = [...text].findIndex((c) => c.charCodeAt(0) > 0x7e);
      assert.equal(nonAscii, -1, `non-ASCII character at offset ${nonAscii}`);
    });
  }

  it('src/sim/exchange/* parse and use no PowerShell-7-only syntax', () => {
    for (const file of simFiles) assert.deepEqual(results.get(file), [], file);
    for (const file of simFiles) {
      const nonAscii = [...readFileSync(file, 'utf8')].findIndex((c) => c.charCodeAt(0) > 0x7e);
      assert.equal(nonAscii, -1, `${file}: non-ASCII character at offset ${nonAscii}`);
    }
  });
});

function scan(paths: string[]): { file: string; problems: string[] }[] {
  const out = execFileSync(PWSH, ['-NoProfile', '-NonInteractive', '-Command', `& { ${SCAN} } ${paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(' ')}`], { encoding: 'utf8' });
  return JSON.parse(out) as { file: string; problems: string[] }[];
}
