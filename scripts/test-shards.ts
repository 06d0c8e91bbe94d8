// npm test's runner: every test file, run by four (IMP_TEST_SHARDS) long-lived mocha processes at once
// (scripts/test-worker.ts). Most of the suite's time is pwsh and node starting and waiting on each other (a
// propagation wait, a simulator's answer), so four keep both cores busy: three left them idle 15% of the run.
// The files wait in one queue, longest first by test/timings.json (seconds per file, from `--record`; a file
// not listed counts as the median), and a shard takes the next one whenever it finishes one, so all shards end
// within about the last file's time of each other, however the machine's speed varies. Each shard has its own
// Secret Service (scripts/with-keyring), so keychain tests never see another shard's keyring; everything else
// a test uses (ports, temporary folders, simulators) is its own. A file's output is printed whole when it
// ends. With --typecheck, `tsc --noEmit` over src, test and scripts runs beside the shards (the tests run the
// build in dist/, not it).
// Usage: tsx scripts/test-shards.ts [--typecheck] [--record] [files...]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { packageRoot } from '../src/paths';
import { FILE_DONE } from './test-worker';

const TIMINGS = join(packageRoot, 'test', 'timings.json');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(packageRoot, path)] : [];
  });
}

function readTimings(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(TIMINGS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Longest first (a file with no recorded time counts as the median), so the last files to start are short ones. */
export function order(files: string[], timings: Record<string, number>): string[] {
  const known = Object.values(timings).sort((a, b) => a - b);
  const median = known.length ? known[Math.floor(known.length / 2)] : 1;
  const weight = (file: string) => timings[file] ?? median;
  return [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
}

/** Mocha's "N failing" section, or the output's last lines when the shard ended without one (a crash). */
export function failures(output: string): string {
  const plain = stripVTControlCharacters(output).trimEnd();
  const start = plain.search(/^\s*\d+ failing$/m);
  return start >= 0 ? plain.slice(start) : plain.split('\n').slice(-40).join('\n');
}

/** What one test file did in its shard. */
interface FileResult {
  file: string;
  failures: number;
  output: string;
  seconds: number;
}

/** Without the marker of an enclosing scripts/with-keyring, so that each shard starts its own. */
function shardEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.IMP_KEYRING_INNER;
  // The suite starts some 130 PowerShells, and .NET's first gen0 budget is one each outgrows within its first
  // second: three gen0 and one gen1 collection, 80-100 ms of pauses (GC.GetTotalPauseDuration) in a 1.3 CPU-second
  // imp grant. With 64 MB most end before their first collection. The tests' PowerShell only: imp leaves an
  // admin's runtime settings alone, and how often .NET collects changes nothing a test checks.
  env.DOTNET_GCgen0size ??= '0x4000000';
  return env;
}

/**
 * One shard: a scripts/test-worker.ts in its own Secret Service, handed the next file from the shared queue
 * whenever it finishes one, until the queue is empty. A shard that dies fails the file it was running.
 */
function runShard(queue: string[], done: (result: FileResult) => void): Promise<{ code: number; seconds: number }> {
  const started = Date.now();
  const child = spawn('bash', [join(packageRoot, 'scripts', 'with-keyring'), process.execPath, '--require', 'tsx/cjs', join(packageRoot, 'scripts', 'test-worker.ts')], {
    cwd: packageRoot,
    env: shardEnvironment(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let current: { file: string; started: number } | undefined;
  let output = '';
  const next = () => {
    const file = queue.shift();
    if (file === undefined) {
      current = undefined;
      child.stdin.end();
      return;
    }
    current = { file, started: Date.now() };
    output = '';
    child.stdin.write(`${file}\n`);
  };
  const finish = (failures: number, tail = '') => {
    if (!current) return;
    done({ file: current.file, failures, output: output + tail, seconds: (Date.now() - current.started) / 1000 });
    if (child.exitCode === null && child.signalCode === null) next();
    else current = undefined; // a shard that has exited takes no more files: the others empty the queue
  };
  // A shard that dies just as it is handed a file: its 'close' below fails that file, the write's EPIPE says nothing more.
  child.stdin.on('error', () => undefined);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  let partial = '';
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(`${FILE_DONE} `)) finish(Number(line.slice(FILE_DONE.length + 1)));
      else output += `${line}\n`;
    }
  });
  child.stderr.on('data', (chunk: string) => (output += chunk));
  next();
  return new Promise((resolve) => {
    child.on('close', (code) => {
      output += partial;
      finish(1, `\n  1 failing\n\n  1) the shard exited (${code ?? 'killed'}) while running this file\n`);
      resolve({ code: code ?? 1, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function run([command, ...args]: string[]): Promise<{ code: number; output: string; seconds: number }> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: packageRoot, env: shardEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, output, seconds: (Date.now() - started) / 1000 })));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const record = args.includes('--record');
  const typecheck = args.includes('--typecheck')
    ? run(['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json']).then((result) => {
        console.log(`\n===== typecheck: ${result.seconds.toFixed(0)} s, exit ${result.code} =====`);
        process.stdout.write(result.output);
        return result;
      })
    : undefined;
  const chosen = args.filter((a) => !a.startsWith('--'));
  const files = chosen.length ? chosen : testFiles(join(packageRoot, 'test')).sort();
  const queue = order(files, readTimings());
  const count = Math.min(queue.length, Math.max(1, Number(process.env.IMP_TEST_SHARDS ?? 4)));
  console.log(`test: ${files.length} files in ${count} shard(s) at once, each taking the longest file left when it is free`);
  const results: FileResult[] = [];
  const shards = await Promise.all(
    Array.from({ length: count }, () =>
      runShard(queue, (result) => {
        results.push(result);
        console.log(`\n===== ${result.file}: ${result.seconds.toFixed(1)} s, ${result.failures ? `${result.failures} FAILING` : 'passed'} =====`);
        process.stdout.write(result.output);
      }),
    ),
  );
  if (record) {
    const timings = { ...readTimings(), ...Object.fromEntries(results.map((r) => [r.file, Number(r.seconds.toFixed(1))])) };
    const sorted = Object.fromEntries(Object.keys(timings).sort().map((file) => [file, timings[file]]));
    writeFileSync(TIMINGS, `${JSON.stringify(sorted, null, 2)}\n`);
    console.log(`test: recorded ${Object.keys(sorted).length} file timings in ${relative(packageRoot, TIMINGS)}`);
  }
  const typechecked = await typecheck;
  const failed = results.filter((r) => r.failures);
  const unrun = files.filter((file) => !results.some((r) => r.file === file));
  // Files print whole as they end, so a failure can sit minutes of output above the end, where a CI log's
  // tail no longer reaches: repeat each failed file's failures last.
  for (const result of failed) console.log(`\n===== ${result.file} failed =====\n${failures(result.output)}`);
  if (unrun.length) console.log(`\n===== never run (every shard had exited) =====\n${unrun.join('\n')}`);
  const verdicts = [failed.length || unrun.length ? `${failed.length} file(s) FAILED${unrun.length ? `, ${unrun.length} never run` : ''}` : 'all tests passed'];
  if (typechecked) verdicts.push(typechecked.code ? 'typecheck FAILED' : 'typecheck passed');
  console.log(`\ntest: ${shards.map((r, i) => `shard ${i + 1} ${r.seconds.toFixed(0)} s`).join(', ')}; ${verdicts.join(', ')}`);
  process.exitCode = failed.length || unrun.length || shards.some((s) => s.code) || typechecked?.code ? 1 : 0;
}

if (require.main === module) void main();
