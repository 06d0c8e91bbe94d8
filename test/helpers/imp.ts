// Runs the built CLI (dist/) as an admin would, and a simulated Exchange for it to talk to.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/paths';
import { prepareState, type SimulatorSettings, type SimulatorOptions } from '../../src/sim/simulator';
import { CALL_LOG_FILE, readState, type SimState } from '../../src/sim/state';

export const CLI = join(packageRoot, 'dist', 'cli.js');
export const PWSH = join(packageRoot, '.tools', 'pwsh');

export interface ImpRun {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
}

export function runImp(args: string[], options: RunOptions = {}): Promise<ImpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? packageRoot,
      env: { ...process.env, IMP_POWERSHELL: PWSH, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid! });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A simulated Management Shell only (no EWS): a state directory with the module installed. */
export function shellLab(options: Partial<SimulatorOptions> = {}): Lab {
  const settings = prepareState(
    { rooms: 3, users: 3, basicAuthentication: true, propagationMs: 0, ...options },
    'https://127.0.0.1:9/EWS/Exchange.asmx',
  );
  return new Lab(settings);
}

export interface CallRecord {
  time: string;
  pid: number;
  cmdlet: string;
  parameters: Record<string, unknown>;
}

export class Lab {
  constructor(readonly settings: SimulatorSettings) {}

  get moduleArgs(): string[] {
    return ['--exchange', 'module', '--exchange-module', this.settings.exchangeModule];
  }

  state(): SimState {
    return readState(this.settings.stateDir);
  }

  calls(): CallRecord[] {
    const file = join(this.settings.stateDir, CALL_LOG_FILE);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CallRecord);
  }

  imp(args: string[], options?: RunOptions): Promise<ImpRun> {
    return runImp([...args, ...this.moduleArgs], options);
  }

  remove(): void {
    rmSync(this.settings.stateDir, { recursive: true, force: true });
  }
}

/** A whole simulated Exchange (`imp sim --json`) as a child process. */
/**
 * Simulators still running. One a test did not stop (its after-hook failed first, say) is stopped when the test
 * process exits, and does not keep that process waiting: a shard would otherwise hang instead of reporting.
 */
const runningSimulators = new Set<ChildProcess>();
process.on('exit', () => runningSimulators.forEach((child) => child.kill('SIGTERM')));
/** What keeps the test process waiting on a child: the process and its output pipes (sockets). */
const handlesOf = (child: ChildProcess) => [child, child.stdout as Socket, child.stderr as Socket];

export class SimProcess {
  private constructor(readonly child: ChildProcess, readonly lab: Lab) {}

  static async start(args: string[] = []): Promise<SimProcess> {
    const child = spawn(process.execPath, [CLI, 'sim', '--json', ...args], {
      cwd: packageRoot,
      env: { ...process.env, IMP_POWERSHELL: PWSH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`imp sim exited with ${code}: ${stderr}`)));
    });
    runningSimulators.add(child);
    child.once('exit', () => runningSimulators.delete(child));
    for (const handle of handlesOf(child)) handle.unref();
    return new SimProcess(child, new Lab(JSON.parse(first) as SimulatorSettings));
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    for (const handle of handlesOf(this.child)) handle.ref();
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGINT');
    const code = await exited;
    this.lab.remove();
    return code;
  }
}

/** Live (not zombie) processes for which `test(pid)` holds; a process that ends while we look is left out. */
function liveProcesses(test: (pid: string) => boolean): number[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (test(entry)) pids.push(Number(entry));
    } catch {
      // process ended while we looked
    }
  }
  return pids;
}

/** Live processes whose environment holds `marker` (NAME=value): what one run started, even after its parents ended. */
export function processesCarrying(marker: string): number[] {
  return liveProcesses((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker));
}

/** Live (not zombie) processes whose command line, arguments joined by spaces, matches (Linux /proc). */
export function processesMatching(pattern: RegExp): number[] {
  return liveProcesses((pid) => pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')));
}

/** PIDs of running pwsh processes (the executable itself, or the dotnet tool's pwsh.dll), to prove none is left behind. */
export function pwshProcesses(): number[] {
  return processesMatching(/(^|\/)pwsh( |$)|pwsh\.dll/);
}

/** Children (recursively) of a process, from /proc. */
export function descendants(pid: number): number[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone
    }
  }
  const result: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) if (parent === p) { result.push(child); walk(child); }
  };
  walk(pid);
  return result;
}

/** A --json document without the stamps every one carries (generatedAt, impVersion), which are checked here. */
export function jsonBody(stdout: string): Record<string, unknown> {
  const { generatedAt, impVersion, ...body } = JSON.parse(stdout) as Record<string, unknown>;
  if (typeof generatedAt !== 'string' || Number.isNaN(Date.parse(generatedAt))) throw new Error(`no generatedAt in ${stdout}`);
  if (typeof impVersion !== 'string') throw new Error(`no impVersion in ${stdout}`);
  return body;
}
