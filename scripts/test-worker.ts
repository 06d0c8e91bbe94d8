// One of npm test's shards (scripts/test-shards.ts): a long-lived mocha that runs the test files it is handed
// on stdin, one per line, one after another, each with mocha's spec reporter. After each file it prints
// `<<imp-test-file-done>> <failures>` on a line of its own, and the runner hands it the next file. One process
// for many files, so node, tsx and the test helpers load once per shard, not once per file.
// Run as `node --require tsx/cjs scripts/test-worker.ts` (the options .mocharc.json gives the mocha CLI).
import Mocha from 'mocha';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const FILE_DONE = '<<imp-test-file-done>>';

async function runFile(file: string): Promise<number> {
  const mocha = new Mocha({ timeout: 60_000, reporter: 'spec' });
  mocha.addFile(resolve(file));
  try {
    await mocha.loadFilesAsync();
    return await new Promise<number>((done) => mocha.run(done));
  } finally {
    mocha.dispose(); // unloads the file and its suites, so the next file starts with an empty root suite
  }
}

async function main(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    const file = line.trim();
    if (!file) continue;
    let failures: number;
    try {
      failures = await runFile(file);
    } catch (error) {
      // A file that does not load (a syntax or import error) fails; the shard goes on with the next one.
      console.log(`\n  1 failing\n\n  1) ${file} could not be run:\n${error instanceof Error ? error.stack : String(error)}\n`);
      failures = 1;
    }
    process.stdout.write(`\n${FILE_DONE} ${failures}\n`);
  }
}

if (require.main === module) void main();
