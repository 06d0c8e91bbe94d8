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

/** Reads one stream into a buffer, and hands out what arrived before a delimiter line. */
class DelimitedStream {
  /** What arrived and was not handed out yet, in the pieces it came in. */
  private pieces: string[] = [];
  private waiting: { delimiter: string; resolve: (text: string) => void } | undefined;

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.pieces.push(chunk);
      // A delimiter line counts only once it has ended, so text without a newline cannot complete one. Searching
      // on every chunk would flatten the whole buffer each time: verify's result for 50,000 mailboxes is one
      // line of about 20 MB, which came in 64 KB pieces and was copied hundreds of times.
      if (chunk.includes('\n')) this.check();
    });
  }

  private get text(): string {
    if (this.pieces.length > 1) this.pieces = [this.pieces.join('')];
    return this.pieces[0] ?? '';
  }

  next(delimiter: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = { delimiter, resolve };
      this.check();
    });
  }

  private check(): void {
    if (!this.waiting) return;
    // Output that did not end its line puts the delimiter after it on the same line.
    const text = this.text;
    const at = text.indexOf(this.waiting.delimiter);
    const lineEnd = at < 0 ? -1 : text.indexOf('\n', at);
    if (lineEnd < 0) return;
    const before = text.slice(0, at);
    this.pieces = [text.slice(lineEnd + 1)];
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(before);
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

  /** Runs one single-line command; what it wrote to stdout and stderr comes back. One at a time. */
  invoke(command: string): Promise<Invocation> {
    const run = this.queue.then(() => this.invokeNow(command));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async invokeNow(command: string): Promise<Invocation> {
    if (!this.running) throw new PowerShellProcessExited(this.exitDescription || 'not running');
    const delimiter = `<<imp-done-${randomBytes(8).toString('hex')}>>`;
    const output = Promise.all([this.stdout.next(delimiter), this.stderr.next(delimiter)]);
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
