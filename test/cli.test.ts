// What an admin sees before anything runs: help with examples, required options and global options,
// the exit codes, and one-line usage errors. --json means exactly one JSON document on stdout on every
// exit: usage errors and signals included.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMatching, runImp, type ImpRun } from './helpers/imp';

const COMMANDS = ['grant', 'revoke', 'verify', 'status', 'check', 'credentials', 'expiry', 'schedule', 'script', 'sim'];

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

/** The whole of stdout must parse as one document: two documents, or none, fail here. */
function errorDocument(run: ImpRun): { code: string; message: string; suggestion?: string } {
  assert.equal(run.code, 3, run.stderr);
  const document = JSON.parse(run.stdout) as { status: string; error: { code: string; message: string; suggestion?: string } };
  assert.equal(document.status, 'error');
  assert.ok(document.error.message && document.error.suggestion, run.stdout);
  return document.error;
}

describe('a reader that closes the pipe (imp … | head -1)', function () {
  this.timeout(60_000);

  for (const args of [['--help'], ['script', 'grant', '--account', 'svc-booking@contoso.com', '--scope-rooms']]) {
    it(`imp ${args.join(' ')}: no EPIPE crash, its own exit code`, async () => {
      const run = await runImp(args, { onSpawn: (child) => child.stdout!.destroy() });
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /EPIPE|Unhandled|at \w+ \(/);
    });
  }
});

describe('--json on every exit', function () {
  this.timeout(60_000);

  it('a usage error (unknown option, missing value, unknown command) is one error document', async () => {
    const [frob, missing, command] = await Promise.all([
      runImp(['--json', 'grant', '--frob']),
      runImp(['grant', '--json', '--account']),
      runImp(['--json', 'frobnicate']),
    ]);
    assert.match(errorDocument(frob).message, /unknown option '--frob'/);
    assert.equal(errorDocument(frob).code, 'USAGE');
    assert.match(errorDocument(missing).message, /option '--account <address>' argument missing/);
    assert.match(errorDocument(command).message, /unknown command 'frobnicate'/);
  });

  it('SIGINT and SIGTERM while PowerShell is busy end in one INTERRUPTED document, exit 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imp-signal-'));
    try {
      const runs = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
        const started = join(dir, `${signal}.started`);
        const wrapper = join(dir, `${signal}-pwsh`);
        writeFileSync(wrapper, `#!/bin/sh\ntouch '${started}'\nexec sleep 619\n`);
        chmodSync(wrapper, 0o755);
        return runImp(['--json', 'grant', '--account', 'svc-booking@contoso.com'], {
          env: { IMP_POWERSHELL: wrapper },
          onSpawn: (child) => {
            const poll = setInterval(() => {
              if (!existsSync(started)) return;
              clearInterval(poll);
              child.kill(signal);
            }, 50);
            child.once('exit', () => clearInterval(poll));
          },
        });
      });
      for (const run of await Promise.all(runs)) {
        assert.equal(errorDocument(run).code, 'INTERRUPTED');
        assert.match(run.stderr, /interrupted/);
      }
      assert.deepEqual(processesMatching(/^sleep 619/), [], 'PowerShell outlived imp');
    } finally {
      for (const pid of processesMatching(/^sleep 619/)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
