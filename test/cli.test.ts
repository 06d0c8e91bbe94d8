// What an admin sees before anything runs: help with examples, required options and global options,
// the exit codes, and one-line usage errors.
import { strict as assert } from 'node:assert';
import { runImp } from './helpers/imp';

const COMMANDS = ['grant', 'revoke', 'verify', 'status', 'credentials', 'expiry', 'schedule', 'script', 'sim'];

describe('imp help and usage errors', function () {
  this.timeout(60_000);

  it('imp --help lists the commands and the exit codes', async () => {
    const run = await runImp(['--help']);
    assert.equal(run.code, 0);
    for (const name of COMMANDS) assert.match(run.stdout, new RegExp(`^  ${name} `, 'm'), name);
    assert.match(run.stdout, /Exit codes[^\n]*\n\s+0\s+OK\n\s+1\s+WARNING[^\n]*\n\s+2\s+CRITICAL[^\n]*\n\s+3\s+UNKNOWN/);
  });

  for (const name of COMMANDS) {
    it(`imp ${name} --help has two or three examples and the global options`, async () => {
      const run = await runImp([name, '--help']);
      assert.equal(run.code, 0, run.stderr);
      const examples = run.stdout.split('\nExamples:\n')[1]?.split('\n').filter((l) => l.startsWith(`  imp ${name}`) || / \| imp /.test(l)) ?? [];
      assert.ok(examples.length >= 2 && examples.length <= 3, `examples of ${name}: ${examples.length}\n${run.stdout}`);
      const globals = run.stdout.split('Global Options:')[1] ?? '';
      for (const option of ['--exchange <mode>', '--json', '--config <file>', '--quiet']) assert.ok(globals.includes(option), `${option} in\n${run.stdout}`);
    });
  }

  it('marks required options', async () => {
    for (const args of [['grant', '--help'], ['credentials', 'set', '--help'], ['schedule', 'install', '--help']]) {
      const run = await runImp(args);
      assert.match(run.stdout, /--account <address>\s+\(required/, args.join(' '));
    }
  });

  it('a mistyped flag is one line with the suggestion, exit 3; with --json the JSON error', async () => {
    const run = await runImp(['grant', '--acount', 'svc-booking@contoso.com']);
    assert.equal(run.code, 3);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, "error: unknown option '--acount' (Did you mean --account?)\n");

    const json = await runImp(['--json', 'verify', '--rooms', '--acount', 'x@contoso.com']);
    assert.equal(json.code, 3);
    const document = JSON.parse(json.stdout);
    assert.equal(document.status, 'error');
    assert.equal(document.error.code, 'USAGE');
    assert.match(document.error.message, /Did you mean --account\?/);
  });

  it('a repeated single-valued flag is an error; repeatable ones still collect', async () => {
    const run = await runImp(['grant', '--account', 'a@contoso.com', '--account', 'b@contoso.com']);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /--account was given more than once; it takes one value/);
    const global = await runImp(['--exchange', 'module', '--exchange', 'local', 'status']);
    assert.equal(global.code, 3);
    assert.match(global.stderr, /--exchange was given more than once/);
    const script = await runImp(['script', 'verify', '--account', 'svc-booking@contoso.com', '--group', 'A', '--group', 'B', '--json']);
    assert.equal(script.code, 0, script.stderr);
    assert.deepEqual(JSON.parse(script.stdout).parameters.groups, ['A', 'B']);
  });
});
