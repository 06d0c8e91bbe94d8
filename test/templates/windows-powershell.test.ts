// Templates run on Windows PowerShell 5.1 over .NET Framework 4.8 in production (and the simulator may run there
// too); only pwsh 7 runs here. windows-powershell-scan.ps1 reads every file against the .NET Framework 4.8
// reference assemblies and Microsoft's 5.1 cmdlet reference (test/fixtures/windows-powershell-5.1.json), in one
// pwsh run. Its header says what it checks and what reading alone cannot tell; syntax.test.ts checks the syntax.
// The commands src/powershell/ sends before a template (the key pair behind $ImpSecretKey) are read too: they
// run in the same session, and the variables they set keep their types in the templates.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { packageRoot, templatesDir, toolsDir } from '../../src/paths';
import { PWSH } from '../helpers/imp';

const SCAN = join(__dirname, 'windows-powershell-scan.ps1');
const REFERENCE = join(packageRoot, 'test', 'fixtures', 'windows-powershell-5.1.json');

function powerShellFiles(dir: string, recursive: boolean): string[] {
  return readdirSync(dir, { recursive })
    .map(String)
    .filter((f) => /\.psm?1$/.test(f))
    .map((f) => relative(packageRoot, join(dir, f)))
    .sort();
}
const files = [...powerShellFiles(templatesDir, false), ...powerShellFiles(join(packageRoot, 'src', 'sim'), true)];

interface SessionCommand {
  origin: string; // file:line of the TypeScript string
  text: string;
}

// The PowerShell in src/powershell/*.ts string literals (those that name a .NET type, New-Object, iex or a
// $Imp variable); each interpolation becomes x, which is enough to parse and type them.
function sessionCommands(): SessionCommand[] {
  const dir = join(packageRoot, 'src', 'powershell');
  const found: SessionCommand[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const path = join(dir, name);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      let text: string | undefined;
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
      if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((span) => 'x' + span.literal.text).join('');
      if (text !== undefined && /\]::|New-Object |\biex |\$Imp/.test(text)) {
        found.push({ origin: `${relative(packageRoot, path)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`, text });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

// Each line uses something Windows PowerShell 5.1 or .NET Framework 4.8 lacks; the scan must name every one.
const UNAVAILABLE = `
$json = [System.Text.Json.JsonSerializer]::Serialize($data)
$hex = [Convert]::ToHexString([byte[]]@(1, 2))
$found = 'Room@contoso.com'.Contains('room', [StringComparison]::OrdinalIgnoreCase)
$builder = New-Object System.Text.StringBuilder
[void]$builder.AppendJoin(',', @('a', 'b'))
$text = ConvertTo-Json -InputObject $data -EnumsAsStrings
Start-Sleep -Duration (New-TimeSpan -Seconds 1)
$uptime = Get-Uptime
$entry = @{ LogName = 'Application'; Source = 'imp'; EventId = 1; Message = 'x'; Level = 'Error' }
Write-EventLog @entry
$newest = Get-EventLog -LogName Application -Newest 1
$joined = [string]::Join(',', @('what 4.8 has', 'is not reported'))
$twice = (New-TimeSpan -Minutes 1).Multiply(2)
$ImpProbe.AppendJoin(',', @('set by a session command'))
`;
// A session command of the test's own: the variable it sets keeps its type in the file above.
const PROBE = '$ImpProbe = New-Object System.Text.StringBuilder';
const EXPECTED = [
  '2: type [System.Text.Json.JsonSerializer] is not in .NET Framework 4.8 nor in Windows PowerShell 5.1',
  '3: [System.Convert]::ToHexString is not in .NET Framework 4.8',
  '4: [System.String].Contains(2 arguments): no overload takes 2 arguments in .NET Framework 4.8',
  '6: [System.Text.StringBuilder].AppendJoin is not in .NET Framework 4.8',
  '7: ConvertTo-Json -EnumsAsStrings is not a parameter of ConvertTo-Json in Windows PowerShell 5.1',
  '8: Start-Sleep -Duration is not a parameter of Start-Sleep in Windows PowerShell 5.1',
  '9: Get-Uptime (Microsoft.PowerShell.Utility) is not in windows-powershell-5.1.json: add it from its Windows PowerShell 5.1 page, if 5.1 has it',
  '11: Write-EventLog -Level is not a parameter of Write-EventLog in Windows PowerShell 5.1',
  '12: Get-EventLog is a cmdlet of Windows PowerShell 5.1 whose parameters are not in windows-powershell-5.1.json: add them from its 5.1 page',
  '14: [System.TimeSpan].Multiply is not in .NET Framework 4.8',
  '15: [System.Text.StringBuilder].AppendJoin is not in .NET Framework 4.8',
];

interface FileReport {
  file: string;
  problems: string[];
  counts: { types: number; members: number; commands: number; parameters: number };
}

describe('templates and the simulator use only what Windows PowerShell 5.1 on .NET Framework 4.8 has', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'imp-net48-'));
  const unavailable = join(dir, 'unavailable.ps1');
  const commands = [...sessionCommands(), { origin: 'this test', text: PROBE }].map((command, index) => ({ ...command, file: join(dir, `session-${index}.ps1`) }));
  let reports = new Map<string, FileReport>();

  before(() => {
    writeFileSync(unavailable, UNAVAILABLE);
    for (const command of commands) writeFileSync(command.file, command.text);
    const scanned = [...commands.map((c) => c.file), ...files, unavailable];
    const out = execFileSync(
      PWSH,
      ['-NoProfile', '-NonInteractive', '-File', SCAN, '-Packages', join(toolsDir, 'nuget'), '-Reference', REFERENCE, '-SessionCommands', String(commands.length), ...scanned],
      { cwd: packageRoot, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    reports = new Map((JSON.parse(out) as FileReport[]).map((r) => [r.file, r]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the scan names what 4.8 and 5.1 lack, and only that', () => {
    const problems = reports.get(unavailable)!.problems.map((p) => p.slice(unavailable.length + 1));
    assert.deepEqual(problems, EXPECTED);
  });

  it('the scan reaches types, members and cmdlet parameters in the real files', () => {
    const total = { types: 0, members: 0, commands: 0, parameters: 0 };
    for (const file of files) {
      const counts = reports.get(file)!.counts;
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += counts[key];
    }
    // Far below today's numbers (about 1,100 types, 700 members, 90 commands, 70 parameters): a scan that
    // silently stopped resolving would fall under them.
    assert.ok(total.types > 500 && total.members > 300 && total.commands > 40 && total.parameters > 30, JSON.stringify(total));
  });

  it('finds the commands src/powershell sends, among them the one that makes $ImpSecretKey', () => {
    assert.ok(commands.some((c) => /\$ImpSecretKey\s*=/.test(c.text)), commands.map((c) => c.origin).join(', '));
  });

  for (const command of commands) {
    it(`the PowerShell at ${command.origin} uses only .NET Framework 4.8 types and members`, () => {
      assert.deepEqual(reports.get(command.file)!.problems.map((p) => p.slice(command.file.length + 1)), []);
    });
  }

  for (const file of files) {
    it(`${file} uses only .NET Framework 4.8 types and members and Windows PowerShell 5.1 cmdlet parameters`, () => {
      assert.deepEqual(reports.get(file)!.problems, []);
    });
  }
});
