// Layout rules of STYLE.md: a command never imports another command (what two share lives in the domain
// folder that owns it, e.g. src/actions/), every line imp prints goes through src/output.ts, and the exit
// status is decided in one place, src/cli.ts.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../src/paths';

const src = join(packageRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** The files a module imports, resolved (static imports, `export … from` and dynamic import()). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

/** "file:line: text" for every line of src/ (but the files named) that matches `pattern`. */
function linesMatching(pattern: RegExp, except: string[]): string[] {
  return sourceFiles(src)
    .filter((file) => !except.includes(relative(src, file)))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${relative(src, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('source layout', () => {
  it('no command imports another command', () => {
    const commands = join(src, 'commands');
    const crossings = sourceFiles(commands).flatMap((file) =>
      importsOf(file)
        .filter((target) => dirname(target) === commands)
        .map((target) => `${relative(src, file)} imports ${relative(src, target)}`),
    );
    assert.deepEqual(crossings, []);
  });

  it('reads the imports the rule above is checked on', () => {
    // An empty list above must mean "no crossing", not "no import seen".
    const imports = importsOf(join(src, 'commands', 'script.ts'));
    assert.ok(imports.includes(join(src, 'actions', 'grant')) && imports.includes(join(src, 'context')), imports.join(', '));
  });

  it('prints only through src/output.ts', () => {
    assert.deepEqual(linesMatching(/\bprocess\.stdout\b|\bprocess\.stderr\.write\b|\bconsole\.(log|info|warn|error|debug)\b/, ['output.ts']), []);
  });

  it('sets the exit status only in src/cli.ts (and the forced exit of a second Ctrl-C)', () => {
    assert.deepEqual(linesMatching(/\bprocess\.exit(Code)?\b/, ['cli.ts', 'interrupt.ts']), []);
  });
});
