// npm run bench on any checkout: it honours IMP_POWERSHELL, fails at once with a clear message when
// PowerShell or a run fails, and stops every simulator it started on every path, Ctrl-C included.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/paths';
import { PWSH, processesMatching } from './helpers/imp';

/** An organisation size no other test uses, so its simulator can be told apart from any other. */
const ROOMS = '7';
const benchSimulators = () => processesMatching(new RegExp(`cli\\.js sim --json --rooms ${ROOMS} --users 0`));

interface BenchRun {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Runs scripts/bench.ts in its own process group (as a terminal would); `during` may signal that group. */
function bench(powershell: string, during?: (pid: number) => Promise<void>): Promise<BenchRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(packageRoot, 'scripts', 'bench.ts'), '--mailboxes', ROOMS, '--big', ROOMS, '--latency', '0'], {
    cwd: packageRoot,
    env: { ...process.env, IMP_POWERSHELL: powershell },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  void during?.(child.pid!);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - started })));
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm run bench', function () {
  this.timeout(120_000);
  afterEach(() => assert.deepEqual(benchSimulators(), [], 'the bench left a simulator running'));

  it('fails at once, starting nothing, when IMP_POWERSHELL does not run', async () => {
    const run = await bench('/nonexistent/pwsh');
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /bench: PowerShell \/nonexistent\/pwsh does not run \(spawnSync \/nonexistent\/pwsh ENOENT\)/);
    assert.match(run.stderr, /set IMP_POWERSHELL/);
  });

  it('stops its simulator and exits 3 with the reason when a run fails', async () => {
    // A "PowerShell" that starts but runs nothing: the version check passes, grant cannot.
    let sawSimulator = false;
    const run = await bench('/bin/true', async () => {
      await until(() => benchSimulators().length > 0, 60_000).then(() => (sawSimulator = true), () => undefined);
    });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /bench: grant failed \(exit 3\)/);
    assert.ok(sawSimulator, 'the failure came after a simulator had started');
  });

  it('Ctrl-C stops every simulator it started, then exits 130', async () => {
    const run = await bench(PWSH, async (pid) => {
      await until(() => benchSimulators().length > 0, 60_000);
      process.kill(-pid, 'SIGINT'); // the whole process group, as a terminal's Ctrl-C does
    });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /bench: interrupted; stopping the simulators it started/);
  });
});
