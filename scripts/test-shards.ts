// npm test's runner: every test file, split over four (IMP_TEST_SHARDS) mocha processes that run at once.
// Most of the suite's time is pwsh and node starting and waiting on each other (a propagation wait, a
// simulator's answer), so four shards keep both cores busy: three left them idle 15% of the run. Each shard has its own Secret Service (scripts/with-keyring), so keychain tests never see
// another shard's keyring; everything else a test uses (ports, temporary folders, simulators) is its own.
// Files are dealt out longest first by test/timings.json (seconds per file, from `--record`), a file not
// listed there counting as the median. A shard's output is printed whole when it ends. With --typecheck,
// `tsc --noEmit` over src, test and scripts runs beside the shards (the tests run the build in dist/, not it).
// Usage: tsx scripts/test-shards.ts [--typecheck] [--record] [files...]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { packageRoot } from '../src/paths';

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

/** Longest processing time first: each file goes to the shard with the least work so far. */
export function deal(files: string[], timings: Record<string, number>, shards: number): string[][] {
  const known = Object.values(timings).sort((a, b) => a - b);
  const median = known.length ? known[Math.floor(known.length / 2)] : 1;
  const weight = (file: string) => timings[file] ?? median;
  const result = Array.from({ length: shards }, () => ({ files: [] as string[], load: 0 }));
  for (const file of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    const lightest = result.reduce((min, shard) => (shard.load < min.load ? shard : min));
    lightest.files.push(file);
    lightest.load += weight(file);
  }
  return result.map((shard) => shard.files.sort()).filter((shardFiles) => shardFiles.length > 0);
}

/** Mocha's "N failing" section, or the output's last lines when the shard ended without one (a crash). */
export function failures(output: string): string {
  const plain = stripVTControlCharacters(output).trimEnd();
  const start = plain.search(/^\s*\d+ failing$/m);
  return start >= 0 ? plain.slice(start) : plain.split('\n').slice(-40).join('\n');
}

interface ShardResult {
  code: number;
  output: string;
  seconds: number;
  /** Seconds per file, from the timing reporter (--record). */
  fileSeconds: Record<string, number>;
}

/** Without the marker of an enclosing scripts/with-keyring, so that each shard starts its own. */
function shardEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.IMP_KEYRING_INNER;
  return env;
}

function runShard(files: string[], record: boolean): Promise<ShardResult> {
  const reporter = record ? ['--reporter', join(packageRoot, 'scripts', 'timing-reporter.js')] : [];
  return run(['bash', join(packageRoot, 'scripts', 'with-keyring'), 'npx', 'mocha', ...reporter, ...files]);
}

function run([command, ...args]: string[]): Promise<ShardResult> {
  const started = Date.now();
  const child = spawn(command, args, {
    cwd: packageRoot,
    env: shardEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const fileSeconds: Record<string, number> = {};
      for (const match of output.matchAll(/^timing (\S+) ([\d.]+)$/gm)) fileSeconds[match[1]] = Number(match[2]);
      resolve({ code: code ?? 1, output, seconds: (Date.now() - started) / 1000, fileSeconds });
    });
  });
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
  const count = Math.max(1, Number(process.env.IMP_TEST_SHARDS ?? 4));
  const shards = deal(files, readTimings(), count);
  console.log(`test: ${files.length} files in ${shards.length} shard(s) at once`);
  const results = await Promise.all(
    shards.map((shardFiles, i) =>
      runShard(shardFiles, record).then((result) => {
        console.log(`\n===== shard ${i + 1} of ${shards.length}: ${shardFiles.length} files, ${result.seconds.toFixed(0)} s, exit ${result.code} =====`);
        process.stdout.write(result.output);
        return result;
      }),
    ),
  );
  if (record) {
    const timings = { ...readTimings(), ...Object.assign({}, ...results.map((r) => r.fileSeconds)) };
    const sorted = Object.fromEntries(Object.keys(timings).sort().map((file) => [file, timings[file]]));
    writeFileSync(TIMINGS, `${JSON.stringify(sorted, null, 2)}\n`);
    console.log(`test: recorded ${Object.keys(sorted).length} file timings in ${relative(packageRoot, TIMINGS)}`);
  }
  const failed = results.filter((r) => r.code !== 0).length;
  const typechecked = await typecheck;
  // Shards print whole as they end, so a failure can sit minutes of output above the end, where a CI log's
  // tail no longer reaches: repeat each failed shard's failures last.
  results.forEach((result, i) => {
    if (result.code !== 0) console.log(`\n===== shard ${i + 1} failed (exit ${result.code}) =====\n${failures(result.output)}`);
  });
  const verdicts = [failed ? `${failed} shard(s) FAILED` : 'all tests passed'];
  if (typechecked) verdicts.push(typechecked.code ? 'typecheck FAILED' : 'typecheck passed');
  console.log(`\ntest: ${results.map((r, i) => `shard ${i + 1} ${r.seconds.toFixed(0)} s`).join(', ')}; ${verdicts.join(', ')}`);
  process.exitCode = failed || typechecked?.code ? 1 : 0;
}

if (require.main === module) void main();
