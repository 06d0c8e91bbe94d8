// npm run bench [-- --json] [--mailboxes 1000] [--big 10000] [--huge 50000] [--latency 20] [--only startup]
// Measures imp against the simulated Exchange on this machine, in one run, and reports ratios:
//   verify of N room mailboxes with injected EWS latency vs the floor
//     (PowerShell session time + N × latency / concurrency) and vs --concurrency 1; its EWS phase vs
//     the EWS floor (N × latency / concurrency);
//   peak RSS of verify over two much larger organisations (1 ms latency), and from the two the bytes
//     each further mailbox costs; PowerShell processes per verify;
//   start-up: `imp --version` (bin/imp.js, as the imp command runs it) vs `node -e 0`, and the modules it loads
//     (--only startup measures just this: no PowerShell, no simulator);
//   scope coverage of N targets (scripts/bench-scope.ts): one Get-Recipient per scope (what verify does) vs
//     one Get-ManagementRoleAssignment -WritableRecipient per target (measured on a sample, scaled to N).
// PowerShell: IMP_POWERSHELL, else .tools/pwsh (bash scripts/setup). A failed run stops the bench at once,
// and every simulator it started is stopped on every path, Ctrl-C included.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/paths';
import { CALL_LOG_FILE, readState, writeState } from '../src/sim/state';
import { FAULTS_FILE } from '../src/sim/ews';
import { SimProcess } from '../test/helpers/imp';
import { measureScopeCost } from './bench-scope';

const CLI = join(packageRoot, 'dist', 'cli.js');
const PWSH = process.env.IMP_POWERSHELL || join(packageRoot, '.tools', 'pwsh');
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    mailboxes: { type: 'string', default: '1000' },
    big: { type: 'string', default: '10000' },
    huge: { type: 'string', default: '50000' },
    latency: { type: 'string', default: '20' },
    only: { type: 'string' },
  },
});
if (values.only !== undefined && values.only !== 'startup') {
  console.error(`bench: --only ${values.only} is not a part it can run alone.\n  fix: --only startup, or leave --only out to run everything.`);
  process.exit(3);
}
const MAILBOXES = Number(values.mailboxes);
const BIG = Number(values.big);
const HUGE = Number(values.huge);
/** The simulator's latency for the memory runs: requests overlap as they would on a network. */
const SCALE_LATENCY_MS = 1;
const LATENCY_MS = Number(values.latency);
const CONCURRENCY = 10; // verify's default
/** Targets asked one by one (-WritableRecipient) for the scope coverage row; the time is scaled to all. */
const SCOPE_SAMPLE = 10;

interface Run {
  code: number | null;
  wallMs: number;
  peakRssMb: number;
  report: { status: string; timings: { powershellMs: number; ewsMs: number } } | undefined;
  stderr: string;
}

function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What this run started and must stop: simulators, and imp runs still in flight. */
const simulators = new Set<SimProcess>();
/** Simulators still starting: a Ctrl-C then must wait for them too, or one outlives the bench. */
const starting = new Set<Promise<SimProcess>>();
const runs = new Set<ChildProcess>();
let stopping: Promise<never> | undefined;

/** Stops everything this bench started, then exits; the first caller decides the exit code. */
function shutdown(code: number, message?: string): Promise<never> {
  stopping ??= (async () => {
    if (message) console.error(message);
    for (const child of runs) child.kill('SIGTERM');
    await Promise.allSettled([...starting]);
    await Promise.all([...simulators].map(stopSimulator));
    process.exit(code);
  })();
  return stopping;
}

async function stopSimulator(sim: SimProcess): Promise<void> {
  // A simulator that ignores SIGINT for 10 s is killed: the bench never leaves one behind.
  const killer = setTimeout(() => sim.child.kill('SIGKILL'), 10_000);
  await sim.stop();
  clearTimeout(killer);
  sim.lab.remove();
  simulators.delete(sim);
}

// Ctrl-C reaches the whole process group; the bench still waits for its simulators to be gone.
process.on('SIGINT', () => void shutdown(130, 'bench: interrupted; stopping the simulators it started.'));
process.on('SIGTERM', () => void shutdown(143, 'bench: terminated; stopping the simulators it started.'));
// Last resort if the process ends some other way (an uncaught error): no simulator outlives it.
process.on('exit', () => {
  for (const sim of simulators) sim.child.kill('SIGKILL');
});

function imp(args: string[], input: string): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, IMP_POWERSHELL: PWSH }, stdio: ['pipe', 'pipe', 'pipe'] });
    runs.add(child);
    let stdout = '';
    let stderr = '';
    let rss = 0;
    const poll = setInterval(() => (rss = Math.max(rss, peakRss(child.pid!))), 25);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input);
    child.on('error', (error) => (stderr += String(error)));
    child.on('close', (code) => {
      runs.delete(child);
      clearInterval(poll);
      let report;
      try {
        report = JSON.parse(stdout);
      } catch {
        report = undefined;
      }
      resolve({ code, wallMs: performance.now() - started, peakRssMb: rss, report, stderr });
    });
  });
}

function powershellProcesses(stateDir: string, since: number): number {
  const file = join(stateDir, CALL_LOG_FILE);
  if (!existsSync(file)) return 0;
  const pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((c) => Date.parse(c.time) >= since).map((c) => c.pid);
  return new Set(pids).size;
}

async function verifyRun(sim: SimProcess, concurrency: number): Promise<Run & { powershellProcesses: number }> {
  const s = sim.lab.settings;
  const since = Date.now();
  const run = await imp(
    ['verify', '--json', '--account', s.account, '--rooms', '--wait', '0', '--concurrency', String(concurrency), '--ca', s.caFile!, '--password-stdin', ...sim.lab.moduleArgs],
    `${s.password}\n`,
  );
  if (run.code !== 0) throw new Error(`verify of ${s.stateDir} failed (exit ${run.code}):\n${run.stderr}`);
  return { ...run, powershellProcesses: powershellProcesses(s.stateDir, since - 1000) };
}

/**
 * A simulator of `rooms` room mailboxes whose service account holds ApplicationImpersonation. `grant` runs
 * `imp grant`; otherwise the assignment is written into the state as New-ManagementRoleAssignment stores it:
 * over 10,000 mailboxes the simulated Management Shell spends minutes rewriting its JSON state, and only
 * verify is measured there.
 */
async function labWith(rooms: number, latencyMs: number, grant: 'imp grant' | 'seeded'): Promise<SimProcess> {
  const started = SimProcess.start(['--rooms', String(rooms), '--users', '0']).then((sim) => {
    simulators.add(sim);
    return sim;
  });
  starting.add(started);
  const sim = await started.finally(() => starting.delete(started));
  if (stopping) await stopping; // interrupted while it started
  const { settings } = sim.lab;
  if (grant === 'imp grant') {
    const run = await imp(['grant', '--account', settings.account, ...sim.lab.moduleArgs], '');
    if (run.code !== 0) throw new Error(`grant failed (exit ${run.code}):\n${run.stderr}`);
  } else {
    const state = readState(settings.stateDir);
    const account = state.users.find((u) => u.mailbox?.primarySmtpAddress === settings.account);
    if (!account) throw new Error(`the simulator has no mailbox ${settings.account}`);
    state.assignments.push({
      guid: randomUUID(), name: `ApplicationImpersonation-${settings.account}`, role: 'ApplicationImpersonation',
      roleAssignee: account.distinguishedName, roleAssigneeName: account.name, roleAssigneeType: 'User',
      roleAssignmentDelegationType: 'Regular', customRecipientWriteScope: null, recipientWriteScope: 'Organization',
      enabled: true, whenCreatedUTC: new Date().toISOString(),
    });
    writeState(settings.stateDir, state);
  }
  writeFileSync(join(settings.stateDir, FAULTS_FILE), JSON.stringify({ latencyMs }));
  return sim;
}

/** What the imp command runs: bin/imp.js (which keeps Node's compile cache), not dist/cli.js directly. */
const BIN = join(packageRoot, 'bin', 'imp.js');

function startup() {
  const time = (args: string[], runs = 30) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      spawnSync(process.execPath, args, { stdio: 'ignore' });
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)];
  };
  time(['-e', '0'], 3); // warm the file cache
  time([BIN, '--version'], 3); // and imp's compile cache, as any earlier run of imp would have
  const node = time(['-e', '0']);
  const version = time([BIN, '--version']);
  const help = time([BIN, '--help']);
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(CLI)}).main(['node', 'imp', '--version']).then(() => { const m = Object.keys(require.cache); console.log(JSON.stringify({ total: m.length, heavy: m.filter((f) => /node_modules\\/(ews-javascript-api|@napi-rs\\/keyring|node-powershell)\\//.test(f)).length })) })`], { encoding: 'utf8' });
  const modules = JSON.parse(probe.stdout.trim().split('\n').pop()!) as { total: number; heavy: number };
  return { nodeMs: node, versionMs: version, helpMs: help, ratio: version / node, modules: modules.total, heavyModules: modules.heavy, loadAverage: +loadavg()[0].toFixed(1) };
}

/** The rows measured against the simulated Exchange (everything but start-up). */
async function simulatedRuns(record: (row: [string, string, string]) => void, result: Record<string, unknown>, load: () => number): Promise<void> {
  const sim = await labWith(MAILBOXES, LATENCY_MS, 'imp grant');
  let parallel;
  let sequential;
  try {
    parallel = await verifyRun(sim, CONCURRENCY);
    sequential = await verifyRun(sim, 1);
  } finally {
    await stopSimulator(sim);
  }
  const ewsFloorMs = (MAILBOXES * LATENCY_MS) / CONCURRENCY;
  const floorMs = parallel.report!.timings.powershellMs + ewsFloorMs;
  const verify = {
    mailboxes: MAILBOXES,
    latencyMs: LATENCY_MS,
    concurrency: CONCURRENCY,
    wallMs: Math.round(parallel.wallMs),
    powershellMs: parallel.report!.timings.powershellMs,
    ewsMs: parallel.report!.timings.ewsMs,
    ewsFloorMs: Math.round(ewsFloorMs),
    ewsOverFloor: +(parallel.report!.timings.ewsMs / ewsFloorMs).toFixed(2),
    floorMs: Math.round(floorMs),
    wallOverFloor: +(parallel.wallMs / floorMs).toFixed(2),
    sequentialWallMs: Math.round(sequential.wallMs),
    speedupOverSequential: +(sequential.wallMs / parallel.wallMs).toFixed(2),
    sequentialEwsMs: sequential.report!.timings.ewsMs,
    ewsSpeedupOverSequential: +(sequential.report!.timings.ewsMs / parallel.report!.timings.ewsMs).toFixed(2),
    powershellProcessesPerVerify: parallel.powershellProcesses,
    peakRssMb: Math.round(parallel.peakRssMb),
    loadAverage: load(),
  };
  result.verify = verify;
  record([`verify ${MAILBOXES} rooms, ${LATENCY_MS} ms latency`, `${verify.wallMs} ms`, `floor ${verify.floorMs} ms (PowerShell ${verify.powershellMs} ms): ${verify.wallOverFloor}× (target ≤ 1.5×; load average ${verify.loadAverage})`]);
  record([`  EWS phase`, `${verify.ewsMs} ms`, `floor ${verify.ewsFloorMs} ms (${MAILBOXES} × ${LATENCY_MS} ms / ${CONCURRENCY}): ${verify.ewsOverFloor}× (target ≤ 1.25×)`]);
  record([`  vs --concurrency 1 (whole run)`, `${verify.sequentialWallMs} ms`, `${verify.speedupOverSequential}× faster (target ≥ 6×; both include the same PowerShell time)`]);
  record([`  vs --concurrency 1 (EWS phase)`, `${verify.ewsMs} / ${verify.sequentialEwsMs} ms`, `${verify.ewsSpeedupOverSequential}× faster`]);
  record([`  PowerShell processes per verify`, String(verify.powershellProcessesPerVerify), 'target 1']);

  const scale: { mailboxes: number; wallMs: number; powershellMs: number; ewsMs: number; peakRssMb: number; powershellProcesses: number; loadAverage: number }[] = [];
  for (const mailboxes of [BIG, HUGE]) {
    const lab = await labWith(mailboxes, SCALE_LATENCY_MS, 'seeded');
    try {
      const run = await verifyRun(lab, CONCURRENCY);
      const row = { mailboxes, wallMs: Math.round(run.wallMs), powershellMs: run.report!.timings.powershellMs, ewsMs: run.report!.timings.ewsMs, peakRssMb: Math.round(run.peakRssMb), powershellProcesses: run.powershellProcesses, loadAverage: load() };
      scale.push(row);
      const ewsFloor = (mailboxes * SCALE_LATENCY_MS) / CONCURRENCY;
      record([`verify ${mailboxes} rooms, ${SCALE_LATENCY_MS} ms latency, peak RSS`, `${row.peakRssMb} MB`, `target < 200 MB (wall ${row.wallMs} ms, PowerShell ${row.powershellMs} ms; EWS ${row.ewsMs} ms, floor ${ewsFloor} ms: ${(row.ewsMs / ewsFloor).toFixed(2)}×; load average ${row.loadAverage})`]);
    } finally {
      await stopSimulator(lab);
    }
  }
  const [big, huge] = scale;
  // What one more mailbox costs: the slope between the two sizes, so the fixed cost of node, the EWS
  // library and the PowerShell session drops out.
  const bytesPerMailbox = Math.round(((huge.peakRssMb - big.peakRssMb) * 1024 * 1024) / (huge.mailboxes - big.mailboxes));
  result.scale = { latencyMs: SCALE_LATENCY_MS, runs: scale, bytesPerMailbox };
  record([`  bytes per further mailbox`, `${bytesPerMailbox} B`, `(${huge.peakRssMb} − ${big.peakRssMb} MB) / ${huge.mailboxes - big.mailboxes} mailboxes`]);

  const coverage = await measureScopeCost(MAILBOXES, SCOPE_SAMPLE, PWSH);
  result.scopeCoverage = coverage;
  record([`scope coverage of ${MAILBOXES} targets`, `${coverage.oneCallMs} ms`, `one Get-Recipient per scope (verify's way); -WritableRecipient per target ${coverage.perTargetMs} ms (${coverage.sample} asked, scaled): ${coverage.ratio}×`]);
}

async function main() {
  const rows: [string, string, string][] = [];
  // Each measure also goes to stderr as soon as it is taken: the large runs are long, and an interrupted
  // bench still shows what it measured.
  const record = (row: [string, string, string]): void => {
    rows.push(row);
    process.stderr.write(`bench: ${row.join('  ')}\n`);
  };
  // The one-minute load average next to each measure: on a shared machine other jobs slow every run.
  const load = (): number => +loadavg()[0].toFixed(1);
  const result: Record<string, unknown> = { machine: { cpus: cpus().length, node: process.version, loadAverageAtStart: load() } };

  if (values.only !== 'startup') await simulatedRuns(record, result, load);

  const start = startup();
  result.startup = start;
  record(['imp --version vs node -e 0', `${start.versionMs.toFixed(0)} / ${start.nodeMs.toFixed(0)} ms`, `${start.ratio.toFixed(2)}× (target ≤ 1.5×; median of 30; load average ${start.loadAverage})`]);
  record(['modules loaded by imp --version', String(start.modules), `${start.heavyModules} from ews-javascript-api/@napi-rs/keyring/node-powershell (target 0)`]);

  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  }
}

/** Fails at once, before any simulator starts, when PowerShell cannot run. */
function checkPowerShell(): void {
  const probe = spawnSync(PWSH, ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit ${probe.status}: ${probe.stderr.trim()}`;
    throw new Error(`bench: PowerShell ${PWSH} does not run (${why}).\n  fix: bash scripts/setup installs it into .tools/, or set IMP_POWERSHELL to a pwsh executable.`);
  }
}

try {
  if (values.only !== 'startup') checkPowerShell();
} catch (error) {
  console.error((error as Error).message);
  process.exit(3);
}
main().then(
  () => shutdown(0),
  (error) => shutdown(3, `bench: ${error instanceof Error ? error.message : String(error)}`),
);
