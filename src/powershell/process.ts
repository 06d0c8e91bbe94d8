// The PowerShell child process itself: started in a process group of its own, fed one command line at a
// time on stdin (`-Command -`), and ended as a whole. node-powershell cannot do this: it forces
// `detached: false`, so a launcher that does not exec (a `#!/bin/sh` wrapper, the dotnet tool shim) leaves
// its children holding imp's pipes after a kill, and Node then waits for them for as long as they live.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WINDOWS = process.platform === 'win32';
/** How long an idle PowerShell gets to run `exit` (and remove its CoreFxPipe_PSHost pipe) before it is killed. */
const EXIT_GRACE_MS = 3000;

export interface Invocation {
  stdout: string;
  stderr: string;
}

export class PowerShellProcessExited extends Error {
  constructor(readonly detail: string) {
    super(`PowerShell exited (${detail})`);
  }
}

/** Sees each complete output line of a command as it arrives; returns true to take the line (it is then not kept). */
export type LineTaker = (line: string) => boolean;

/**
 * Reads one stream line by line, and hands out the lines that arrived before a delimiter line. A taker may take
 * lines as they come (result pieces), so a large result never collects in one buffer or one string.
 */
class DelimitedStream {
  /** The line still arriving, in the pieces it came in: a long line is joined once, when it ends. */
  private partial: string[] = [];
  /** Complete lines that arrived while no command waited (before the next one asked). */
  private early: string[] = [];
  private waiting: { delimiter: string; lines: string[]; take?: LineTaker; resolve: (text: string) => void } | undefined;

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      let start = 0;
      for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
        this.partial.push(chunk.slice(start, end));
        const line = this.partial.join('');
        this.partial = [];
        start = end + 1;
        this.line(line);
      }
      if (start < chunk.length) this.partial.push(chunk.slice(start));
    });
  }

  next(delimiter: string, take?: LineTaker): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = { delimiter, lines: [], take, resolve };
      const early = this.early;
      this.early = [];
      for (const [index, line] of early.entries()) {
        this.line(line);
        // Lines after the delimiter belong to the next command.
        if (!this.waiting) {
          this.early = early.slice(index + 1);
          return;
        }
      }
    });
  }

  private line(line: string): void {
    const waiting = this.waiting;
    if (!waiting) {
      this.early.push(line);
      return;
    }
    // Output that did not end its line puts the delimiter after it on the same line.
    const at = line.indexOf(waiting.delimiter);
    if (at >= 0) {
      if (at > 0) waiting.lines.push(line.slice(0, at));
      this.waiting = undefined;
      waiting.resolve(waiting.lines.join('\n'));
    } else if (!waiting.take?.(line)) {
      waiting.lines.push(line);
    }
  }
}

export class PowerShellProcess {
  readonly pid: number;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stdout: DelimitedStream;
  private readonly stderr: DelimitedStream;
  private readonly exited: Promise<string>;
  private queue: Promise<unknown> = Promise.resolve();
  /** PowerShell's own $PID once known: a launcher may sit between Node and it. */
  powershellPid: number | undefined;

  constructor(executable: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(executable, ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-NoExit', '-Command', '-'], {
      env,
      stdio: 'pipe',
      // Its own process group, so that ending it ends whatever it started. On Windows a detached child
      // would get a console window of its own; taskkill /T ends the tree there instead.
      detached: !WINDOWS,
      windowsHide: true,
    });
    this.pid = this.child.pid ?? 0;
    this.stdout = new DelimitedStream(this.child.stdout);
    this.stderr = new DelimitedStream(this.child.stderr);
    this.child.stdin.on('error', () => undefined); // EPIPE when it died first: reported through `exited`
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => resolve(error.message));
      this.child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.pid > 0;
  }

  /** How it ended, or '' while it runs. */
  get exitDescription(): string {
    if (this.child.signalCode) return `killed by ${this.child.signalCode}`;
    if (this.child.exitCode !== null) return `exit code ${this.child.exitCode}`;
    return '';
  }

  /**
   * Runs one single-line command; what it wrote to stdout and stderr comes back. One at a time. `take` sees
   * each stdout line as it arrives, and the lines it takes are left out of `stdout`.
   */
  invoke(command: string, take?: LineTaker): Promise<Invocation> {
    const run = this.queue.then(() => this.invokeNow(command, take));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async invokeNow(command: string, take?: LineTaker): Promise<Invocation> {
    if (!this.running) throw new PowerShellProcessExited(this.exitDescription || 'not running');
    const delimiter = `<<imp-done-${randomBytes(8).toString('hex')}>>`;
    const output = Promise.all([this.stdout.next(delimiter, take), this.stderr.next(delimiter)]);
    // The delimiters go on a line of their own: a terminating error in `command` skips the rest of its line.
    this.child.stdin.write(`${command}\n[Console]::Out.WriteLine('${delimiter}'); [Console]::Error.WriteLine('${delimiter}')\n`);
    const outcome = await Promise.race([output, this.exited.then((detail) => new PowerShellProcessExited(detail))]);
    if (outcome instanceof PowerShellProcessExited) throw outcome;
    return { stdout: outcome[0], stderr: outcome[1] };
  }

  /**
   * Ends PowerShell and everything it started. An idle PowerShell is asked to `exit` first, which lets it
   * remove its CoreFxPipe_PSHost diagnostics pipe from the temporary folder; a busy one is killed at once.
   */
  async close(graceful: boolean): Promise<void> {
    if (this.running && graceful) {
      // Exchange limits PowerShell sessions per user: --exchange remote and the local loader each hold one.
      this.child.stdin.end('try { Get-PSSession | Remove-PSSession } catch { }; exit\n');
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, EXIT_GRACE_MS).unref())]);
    }
    const wait = () => Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, EXIT_GRACE_MS).unref())]);
    if (this.running && this.powershellPid && this.powershellPid !== this.pid) {
      // PowerShell first, so that its launcher (the dotnet tool's apphost) reaps it and exits: killed
      // together, PowerShell would be left for init to reap, and linger as a zombie where init is slow.
      signal(this.powershellPid);
      await wait();
    }
    this.kill();
    await wait();
  }

  /** Synchronous, for process 'exit' too: the whole group (or tree) at once, and the pipes let go. */
  kill(): void {
    if (this.pid > 0) {
      if (WINDOWS) {
        if (this.running) spawnSync('taskkill', ['/PID', String(this.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
      } else {
        // The group outlives its leader: a wrapper's children stay in it after the wrapper is gone.
        signal(-this.pid);
      }
      if (this.powershellPid && this.powershellPid !== this.pid) signal(this.powershellPid);
    }
    // Whatever still holds the other end of a pipe must not keep Node's event loop alive.
    this.child.stdin.destroy();
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    this.removePipeFile();
  }

  /** A killed pwsh leaves /tmp/CoreFxPipe_PSHost.<start>.<pid>.<appdomain>.<name> behind; remove ours. */
  private removePipeFile(): void {
    if (WINDOWS || !this.powershellPid) return;
    const dir = process.env.TMPDIR || tmpdir();
    try {
      for (const name of readdirSync(dir)) {
        if (name.startsWith('CoreFxPipe_PSHost.') && name.split('.')[2] === String(this.powershellPid)) rmSync(join(dir, name), { force: true });
      }
    } catch {
      // nothing to tidy, or not ours to tidy
    }
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
