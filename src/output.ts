// Human output on stdout, diagnostics on stderr, or exactly one JSON document on stdout (--json).
import { inspect } from 'node:util';
import type { MonitoringStatus } from './monitoring';
import { impVersion } from './version';

/** The monitoring levels a result line can carry (src/monitoring.ts). */
export type Level = MonitoringStatus;
const LEVEL_COLOUR: Record<Level, string> = { OK: '32', WARNING: '33', CRITICAL: '31', UNKNOWN: '35' };

export interface OutputOptions {
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * A reader that goes away (`imp status | head -1`) closes the pipe. imp must not die half-way through a
 * change with an unhandled EPIPE: it stops writing there and finishes the work, with its own exit code.
 */
export function outliveClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
}

/** A --json run prints exactly one document: src/cli.ts prints an error document only when none was printed. */
export const jsonDocument = { written: false };

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  readonly interactive: boolean;

  constructor(options: OutputOptions = {}, private readonly stdout = process.stdout, private readonly stderr = process.stderr) {
    this.json = Boolean(options.json);
    this.verbose = Boolean(options.verbose);
    this.quiet = Boolean(options.quiet);
    this.interactive = Boolean(stderr.isTTY) && !this.json;
    this.color = Boolean(stdout.isTTY) && !process.env.NO_COLOR && !this.json;
  }

  /** Human report lines (stdout); silent with --json or --quiet. */
  line(text = ''): void {
    if (!this.json && !this.quiet) this.stdout.write(`${text}\n`);
  }

  /** The one JSON document of a --json run; every one says when and by which imp it was made. */
  document(value: unknown, now = new Date()): void {
    if (!this.json || jsonDocument.written) return;
    jsonDocument.written = true;
    const stamped = value && typeof value === 'object' && !Array.isArray(value) ? { ...value, generatedAt: now.toISOString(), impVersion } : value;
    this.stdout.write(`${JSON.stringify(stamped, null, 2)}\n`);
  }

  /** What the command exists to print (a script), as it is: on stdout even with --quiet; --json prints the document instead. */
  print(text: string): void {
    if (!this.json) this.stdout.write(text);
  }

  /**
   * With --json, one compact JSON line that a parent process reads as soon as it is written (imp sim's
   * settings, printed while the simulator keeps running); not the stamped document of a finished run.
   */
  jsonLine(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /**
   * The result line, as a Nagios plugin prints it: "WARNING: <why>". With --quiet it is the only
   * output, and only when something is wrong; with --json the document carries it instead.
   */
  summary(level: Level, text: string): void {
    if (this.json || (this.quiet && level === 'OK')) return;
    const label = this.color ? `\x1b[1;${LEVEL_COLOUR[level]}m${level}\x1b[0m` : level;
    this.stdout.write(`${this.quiet ? '' : 'Result: '}${label}: ${text}\n`);
  }

  /** Warnings an admin should read (stderr), even with --json; --quiet hides them. */
  warn(text: string): void {
    if (!this.quiet) this.stderr.write(`${this.paint('33', 'warning:')} ${text}\n`);
  }

  /** Progress and detail (stderr), shown only with --verbose. */
  debug(text: string): void {
    if (this.verbose) this.stderr.write(`${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${this.paint('31', 'error:')} ${text}\n`);
  }

  /** The fix for an error or a finding, under it (stderr). */
  fix(text: string): void {
    this.stderr.write(`  fix: ${text}\n`);
  }

  /** A line on stderr as it is, even with --quiet: a step to finish by hand, a stack trace with IMP_DEBUG. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** The terminal's width for wrapping human lines; undefined when stdout is not a terminal. */
  get columns(): number | undefined {
    return this.stdout.isTTY && this.stdout.columns ? this.stdout.columns : undefined;
  }

  /** A status label in its colour: PASS/OK green, WARN/WARNING yellow, FAIL/CRITICAL red (NO_COLOR: none). */
  paintLevel(level: string, text: string): string {
    const code = { pass: '32', OK: '32', warn: '33', WARNING: '33', fail: '31', CRITICAL: '31', UNKNOWN: '35', skip: '2' }[level];
    return this.color && code ? `\x1b[1;${code}m${text}\x1b[0m` : text;
  }

  /** A line that rewrites itself on a terminal (progress), one line per update otherwise. */
  progress(text: string): void {
    if (this.quiet) return;
    // Cut to the terminal's width: a wrapped line could not be rewritten in place by \r.
    const width = this.stderr.columns;
    const fitted = width && text.length >= width ? `${text.slice(0, Math.max(0, width - 2))}…` : text;
    if (this.interactive) this.stderr.write(`\r\x1b[2K${fitted}`);
    else this.stderr.write(`${text}\n`);
  }

  endProgress(): void {
    if (this.interactive && !this.quiet) this.stderr.write('\r\x1b[2K');
  }

  paint(code: string, text: string): string {
    return this.color && this.stderr.isTTY && !process.env.NO_COLOR ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  inspect(value: unknown): string {
    return inspect(value, { depth: 6, colors: false });
  }
}
