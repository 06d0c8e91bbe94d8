// The PowerShell bridge against real pwsh: data stays data, and every fault becomes its typed error
// with no pwsh process left behind.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { PowerShellSession } from '../../src/powershell/session';
import { PowerShellNotExecutableError, PowerShellNotFoundError } from '../../src/powershell/executable';
import {
  PowerShellCommandError,
  PowerShellExitedError,
  PowerShellOutputError,
  PowerShellTimeoutError,
} from '../../src/powershell/errors';
import { HOSTILE_STRINGS } from '../helpers/hostile';
import { descendants, processesMatching, PWSH, pwshProcesses, runImp } from '../helpers/imp';

const fixtures = join(__dirname, '..', 'fixtures', 'templates');
const echo = z.object({ value: z.string(), pid: z.number() });
const value = z.object({ value: z.string() });

/** pwsh's diagnostics pipe, which only a PowerShell that ran `exit` (or imp, after a kill) removes. */
function pipeFilesOf(pid: number): string[] {
  return readdirSync(process.env.TMPDIR || tmpdir()).filter((name) => name.startsWith('CoreFxPipe_PSHost.') && name.split('.')[2] === String(pid));
}

function session(options: ConstructorParameters<typeof PowerShellSession>[0] = {}): PowerShellSession {
  return new PowerShellSession({ executable: PWSH, templateDir: fixtures, ...options });
}

async function rejectsWith<T>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error as T;
  }
  assert.fail(`expected ${type.name}, but it resolved`);
}

describe('PowerShell bridge', function () {
  this.timeout(120_000);
  // PowerShell pids these tests saw: a killed launcher would leave its pwsh outside our process tree.
  const seen = new Set<number>();
  afterEach(async () => {
    // Nothing this test started may still be running.
    await new Promise((r) => setTimeout(r, 200));
    const leftover = pwshProcesses().filter((p) => descendants(process.pid).includes(p) || seen.has(p));
    assert.deepEqual(leftover, [], `pwsh processes left running: ${leftover.join(', ')}`);
  });

  it(`passes ${HOSTILE_STRINGS.length} hostile strings verbatim, as data, through one process`, async () => {
    assert.ok(HOSTILE_STRINGS.length >= 50);
    const ps = session();
    try {
      const pids = new Set<number>();
      for (const hostile of HOSTILE_STRINGS) {
        const { result } = await ps.run('echo', { value: hostile }, echo);
        assert.equal(result.value, hostile);
        pids.add(result.pid);
        seen.add(result.pid);
      }
      assert.equal(pids.size, 1);
      assert.equal(ps.processesStarted, 1);
      assert.equal(pipeFilesOf([...pids][0]).length, 1, 'a running pwsh has its pipe');
    } finally {
      await ps.dispose();
    }
    // PowerShell ended with `exit`, and tidied up after itself.
    assert.deepEqual(pipeFilesOf([...seen][0]), []);
  });

  it('reports a missing executable as PowerShellNotFoundError with a fix', () => {
    assert.throws(
      () => new PowerShellSession({ executable: '/nonexistent/pwsh' }),
      (e: unknown) => e instanceof PowerShellNotFoundError && /not found/.test(e.message) && Boolean(e.suggestion) && e.exitCode === 3,
    );
    assert.throws(() => new PowerShellSession({ executable: 'no-such-powershell-here' }), PowerShellNotFoundError);
  });

  it('says "a directory" and "not executable" for a path that exists but cannot run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imp-notexec-'));
    try {
      const script = join(dir, 'pwsh');
      writeFileSync(script, '#!/bin/sh\n');
      chmodSync(script, 0o644);
      assert.throws(() => new PowerShellSession({ executable: dir }), (e: unknown) => e instanceof PowerShellNotExecutableError && / is a directory\.$/.test(e.message) && e.exitCode === 3);
      assert.throws(() => new PowerShellSession({ executable: script }), (e: unknown) => e instanceof PowerShellNotExecutableError && / is not executable\.$/.test(e.message) && /chmod \+x/.test(e.suggestion!));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out a hanging template, disposes the process and restarts on the next run', async () => {
    const ps = session();
    try {
      await ps.run('echo', { value: 'warm' }, echo);
      const first = ps.pid!;
      seen.add(first);
      // Only the hung step gets the short limit: a cold pwsh start on a busy 2-core machine can take longer.
      ps.timeoutMs = 2000;
      await rejectsWith(ps.run('hang', {}, value), PowerShellTimeoutError);
      ps.timeoutMs = 120_000;
      assert.ok(!pwshProcesses().includes(first), 'the hung pwsh must be gone');
      assert.deepEqual(pipeFilesOf(first), [], 'the killed pwsh left its CoreFxPipe_PSHost file');
      const { result } = await ps.run('echo', { value: 'again' }, echo);
      assert.equal(result.value, 'again');
      assert.notEqual(result.pid, first);
      assert.equal(ps.processesStarted, 2);
    } finally {
      await ps.dispose();
    }
  });

  it('reports a process killed mid-command as PowerShellExitedError', async () => {
    const ps = session();
    try {
      await ps.run('echo', { value: 'warm' }, echo);
      const pid = ps.pid!;
      seen.add(pid);
      setTimeout(() => process.kill(pid, 'SIGKILL'), 500);
      const error = await rejectsWith(ps.run('sleep', { seconds: 30 }, value), PowerShellExitedError);
      assert.match(error.message, /ended while running "sleep"/);
    } finally {
      await ps.dispose();
    }
  });

  it('sends a long list in pieces of 1,000, one line each, checks each piece as it comes and keeps only the schema\'s fields', async () => {
    // A wrapper that copies what PowerShell writes to a file: the lines as they crossed the pipe.
    const dir = mkdtempSync(join(tmpdir(), 'imp-pieces-'));
    const wire = join(dir, 'stdout');
    const wrapper = join(dir, 'pwsh');
    writeFileSync(wrapper, `#!/bin/sh\n"${PWSH}" "$@" | tee "${wire}"\n`);
    chmodSync(wrapper, 0o755);
    const many = z.object({ title: z.string(), items: z.array(z.object({ n: z.number(), label: z.string() })), few: z.array(z.string()) });
    const ps = session({ executable: wrapper });
    try {
      const { result, pid } = await ps.run('many', { count: 2001, bad: 0 }, many);
      seen.add(pid);
      assert.equal(result.title, 'many');
      assert.deepEqual(result.few, ['a', 'b']);
      assert.deepEqual(result.items, Array.from({ length: 2001 }, (_, i) => ({ n: i + 1, label: `item ${i + 1}` })));
      const lines = readFileSync(wire, 'utf8').split(/\r?\n/);
      const pieces = lines.filter((l) => l.startsWith('<<imp-piece>>'));
      const envelope = lines.find((l) => l.startsWith('<<imp-result>>'))!;
      assert.equal(pieces.length, 3, 'pieces of 1,000, 1,000 and 1');
      assert.ok(Math.max(...pieces.map((p) => p.length)) < 120_000, 'no piece holds the whole list');
      assert.ok(envelope.length < 1000, `the envelope leaves the list out: ${envelope.length} characters`);

      // A bad item is named by its place in the whole list, not in its piece.
      const error = await rejectsWith(ps.run('many', { count: 2001, bad: 1500 }, many), PowerShellOutputError);
      assert.match(error.message, /items\.1499\.label/);

      // A schema that is not a plain object has no field to check a piece by: the whole result is checked instead.
      const wrapped = many.transform((m) => m);
      assert.equal((await ps.run('many', { count: 2001, bad: 0 }, wrapped)).result.items.length, 2001);
      assert.match((await rejectsWith(ps.run('many', { count: 2001, bad: 1500 }, wrapped), PowerShellOutputError)).message, /items\.1499\.label/);
    } finally {
      await ps.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends a PowerShell wrapper that never answers, with all it started, and imp exits soon after --timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imp-wrapper-'));
    const wrapper = join(dir, 'pwsh');
    const pidFile = join(dir, 'sleep.pid');
    // Does not exec: the sleep holds imp's pipes open after the shell is killed.
    writeFileSync(wrapper, `#!/bin/sh\nsleep 617 &\necho $! > '${pidFile}'\nwait\n`);
    chmodSync(wrapper, 0o755);
    try {
      const started = Date.now();
      const run = await runImp(['grant', '--account', 'svc-booking@contoso.com', '--timeout', '2s', '--json'], { env: { IMP_POWERSHELL: wrapper }, timeoutMs: 30_000 });
      const elapsed = Date.now() - started;
      assert.equal(run.code, 3, run.stderr);
      assert.equal(JSON.parse(run.stdout).error.code, 'POWERSHELL_TIMEOUT');
      assert.ok(elapsed < 8000, `imp took ${elapsed} ms to exit after a 2 s timeout`);
      const sleeper = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(!processesMatching(/^sleep 617/).includes(sleeper), 'the wrapper\'s child is still running');
    } finally {
      for (const pid of processesMatching(/^sleep 617/)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The faults a session survives, through one session (a pwsh start is most of each test's cost): each test
// says what it proves, and the last one ends the process.
describe('PowerShell bridge: one session through the faults it survives', function () {
  this.timeout(120_000);
  const diagnostics: string[] = [];
  let ps: PowerShellSession;
  const pids = new Set<number>();
  before(() => (ps = session({ onDiagnostic: (d) => diagnostics.push(d) })));
  beforeEach(() => (diagnostics.length = 0));
  afterEach(() => {
    if (ps.pid) pids.add(ps.pid);
  });
  after(async () => {
    await ps.dispose();
    await new Promise((r) => setTimeout(r, 200));
    const leftover = pwshProcesses().filter((p) => descendants(process.pid).includes(p) || pids.has(p));
    assert.deepEqual(leftover, [], `pwsh processes left running: ${leftover.join(', ')}`);
  });

  it('turns a cmdlet failure into PowerShellCommandError with message, category and reason', async () => {
    const error = await rejectsWith(ps.run('fail', { value: '/no/such/file' }, value), PowerShellCommandError);
    assert.match(error.message, /Cannot find path '\/no\/such\/file'/);
    assert.equal(error.record.category, 'ObjectNotFound');
    assert.equal(error.record.reason, 'ItemNotFoundException');
    assert.equal(error.record.command, 'Get-Item');
    // The session survives a failed cmdlet.
    assert.equal((await ps.run('echo', { value: 'after' }, echo)).result.value, 'after');
  });

  it('tolerates stray text on stdout and reports it as a diagnostic', async () => {
    const { result } = await ps.run('stray', {}, value);
    assert.equal(result.value, 'ok');
    assert.ok(diagnostics.some((d) => d.includes('stray text from a chatty module')), diagnostics.join('\n'));
  });

  it('reports WARNING lines (warning stream and stderr) without failing', async () => {
    const { result, warnings } = await ps.run('warn', {}, value);
    assert.equal(result.value, 'ok');
    assert.deepEqual(warnings, ['The cmdlet extension agent is slow']);
    assert.ok(diagnostics.includes('WARNING: The cmdlet extension agent is slow'));
    assert.ok(diagnostics.includes('WARNING: stderr line from a remote session'), diagnostics.join('\n'));
  });

  it('turns a result of the wrong shape into PowerShellOutputError naming the field', async () => {
    const error = await rejectsWith(ps.run('badshape', {}, value), PowerShellOutputError);
    assert.match(error.message, /value/);
  });

  // garble replaces the session's envelope writer for good: only noresult, which writes none, comes after it.
  it('turns unparsable output into PowerShellOutputError', async () => {
    await rejectsWith(ps.run('garble', {}, value), PowerShellOutputError);
  });

  it('all of the above through one PowerShell process', () => {
    assert.equal(ps.processesStarted, 1);
  });

  it('reports a PowerShell that exits on its own as PowerShellExitedError', async () => {
    await rejectsWith(ps.run('noresult', {}, value), PowerShellExitedError);
  });
});
