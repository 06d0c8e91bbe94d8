// Every template (and the simulated module) must run unchanged on Windows PowerShell 5.1 and
// PowerShell 7: parsed by the real PowerShell parser, with the syntax only PowerShell 7 knows refused.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

describe('templates run on Windows PowerShell 5.1 and PowerShell 7', function () {
  this.timeout(60_000);

  it('the scan itself catches PowerShell 7 syntax', () => {
    const { mkdtempSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const dir = mkdtempSync(join(require('node:os').tmpdir(), 'imp-ps7-'));
    const bad = join(dir, 'bad.ps1');
    writeFileSync(bad, "$a = $b ?? 'x'\n$c = $true ? 1 : 2\nGet-Item x && Get-Item y\n$d = ${e}?.Name\n1..3 | ForEach-Object -Parallel { $_ }\n'{}' | ConvertFrom-Json -AsHashtable\nGet-Item x &\nfunction f { clean { } }\n$f = [Array]::Empty[int]()\n$g = \"`u{2013}\"\n");
    const [result] = scan([bad]);
    assert.equal(result.problems.length, 10, result.problems.join('\n'));
  });

  for (const file of files) {
    it(`${file.slice(packageRoot.length + 1)} parses and uses no PowerShell-7-only syntax`, () => {
      const [result] = scan([file]);
      assert.deepEqual(result.problems, []);
      // Windows PowerShell 5.1 reads a file without a BOM in the ANSI code page.
      const text = readFileSync(file, 'utf8');
      const nonAscii = [...text].findIndex((c) => c.charCodeAt(0) > 0x7e);
      assert.equal(nonAscii, -1, `non-ASCII character at offset ${nonAscii}`);
    });
  }

  it('src/sim/exchange/* parse and use no PowerShell-7-only syntax', () => {
    const results = scan(simFiles);
    assert.equal(results.length, simFiles.length);
    for (const result of results) assert.deepEqual(result.problems, [], result.file);
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
