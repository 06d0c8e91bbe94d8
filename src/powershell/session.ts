// One persistent PowerShell process per CLI invocation, started with -NoProfile -NonInteractive in a
// process group of its own, and ended with everything it started on every exit path: normal end, error,
// timeout, Ctrl-C.
import type { z } from 'zod';
import { errorMessage } from '../errors';
import { resolvePowerShell } from './executable';
import { PowerShellProcess, type LineTaker } from './process';
import {
  PowerShellCommandError,
  PowerShellExitedError,
  PowerShellOutputError,
  PowerShellTimeoutError,
  type PowerShellErrorRecord,
} from './errors';
import { templateText } from './template';

const RESULT_MARKER = '<<imp-result>>';
/** A piece of one of the result's long lists, sent ahead of the envelope (runtime.ps1, Write-ImpEnvelope). */
const PIECE_MARKER = '<<imp-piece>>';
const KEY_MARKER = '<<imp-key>>';
/** RSA-OAEP with SHA-1 (what every RSA class of .NET Framework 4.8 offers) seals at most 214 bytes per 2048-bit block. */
const SECRET_BLOCK_BYTES = 190;
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export interface SessionOptions {
  /** --powershell / IMP_POWERSHELL; resolved to an absolute path. */
  executable?: string;
  timeoutMs?: number;
  /** Templates run (dot-sourced, global) after every start, e.g. the Exchange connection. */
  setup?: SetupStep[];
  /** Warnings and stray output: reported, never fatal. */
  onDiagnostic?: (message: string) => void;
  /** Where named templates are read from (default templates/); tests point it at fixtures. */
  templateDir?: string;
  /**
   * Turns a failed template run into the error to report (e.g. a not-found into the flag the admin
   * mistyped); undefined keeps the error as it is. It may run further templates in this session.
   */
  explainFailure?: (error: PowerShellCommandError, parameters: object) => Promise<Error | undefined>;
  /** Shows each template as it is about to run (--verbose). */
  onScript?: (template: string, text: string) => void;
}

export interface SetupStep {
  template: string;
  parameters: object;
  /** Where the template is read from (default templates/). */
  dir?: string;
  /**
   * A password the step needs (--exchange-credential). It is read before PowerShell starts, and reaches
   * the template only as `credentialSecret` in $Parameters, encrypted to a key pair PowerShell made for it.
   */
  secret?: () => Promise<string>;
}

export interface TemplateRun<T> {
  result: T;
  warnings: string[];
  pid: number;
  durationMs: number;
}

interface Envelope {
  ok: boolean;
  result?: unknown;
  error?: PowerShellErrorRecord;
  warnings?: string[];
  pid: number;
  /** The lists that went ahead in pieces (left empty in `result`), and how many items each had. */
  pieces?: Record<string, number>;
}

const liveSessions = new Set<PowerShellSession>();

function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** A single-line command: `-Command -` runs multi-line input only after a blank line (PowerShell#3223). */
function invocation(text: string, parameters: object, global: boolean): string {
  return `${global ? '. ' : ''}Invoke-ImpTemplate '${toBase64(text)}' '${toBase64(JSON.stringify(parameters))}'${global ? ' -Global' : ''}`;
}

export class PowerShellSession {
  /** How many PowerShell processes this session has started (restarts after a timeout count). */
  processesStarted = 0;
  private shell: PowerShellProcess | undefined;
  private starting: Promise<PowerShellProcess> | undefined;
  /** Commands in flight: a busy PowerShell cannot read `exit`, so dispose() kills it. */
  private busy = 0;
  /** The limit for each PowerShell step from now on (a start counts as one). */
  timeoutMs: number;
  private readonly executable: string;

  constructor(private readonly options: SessionOptions = {}) {
    this.executable = resolvePowerShell(options.executable);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    installExitCleanup();
  }

  /** PowerShell's own $PID. A launcher (the dotnet tool shim, for one) may sit between Node and it. */
  get pid(): number | undefined {
    return this.shell?.powershellPid;
  }

  /**
   * Runs a template with its parameters as data and validates its result with `schema`. A long list in the
   * result arrives in pieces, each checked by its field's schema as it comes (which keeps only the fields the
   * schema names), so neither its text nor its raw objects are ever held whole.
   */
  async run<S extends z.ZodType>(template: string, parameters: object, schema: S): Promise<TemplateRun<z.output<S>>> {
    const shell = await this.started();
    const started = Date.now();
    const pieces = new ResultPieces(template, schema);
    const envelope = await this.invoke(shell, template, templateText(template, { dir: this.options.templateDir }), parameters, false, pieces);
    const durationMs = Date.now() - started;
    if (!envelope.ok) {
      const error = new PowerShellCommandError(template, envelope.error!);
      throw (await this.options.explainFailure?.(error, parameters)) ?? error;
    }
    const parsed = schema.safeParse(pieces.complete(envelope.result, envelope.pieces ?? {}));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PowerShellOutputError(
        template,
        `the result does not have the expected shape (${issue?.path.join('.') || 'result'}: ${issue?.message})`,
        JSON.stringify(envelope.result) ?? '',
      );
    }
    return { result: pieces.fill(parsed.data), warnings: envelope.warnings ?? [], pid: envelope.pid, durationMs };
  }

  /**
   * run() plus one secret (the Windows password Register-ScheduledTask needs, say). It travels as
   * setup secrets do (see sealSecret): sealed to a one-time key pair made inside this PowerShell process,
   * as `sealedSecret` in $Parameters, which the template decrypts with $ImpSecretKey and then disposes of.
   */
  async runWithSecret<S extends z.ZodType>(template: string, parameters: object, secret: string, schema: S): Promise<TemplateRun<z.output<S>>> {
    const shell = await this.started();
    return this.run(template, { ...parameters, sealedSecret: await this.sealSecret(shell, secret) }, schema);
  }

  /** Ends PowerShell: with `exit` when it is idle, killed (with all it started) when it is busy or hung. */
  async dispose(): Promise<void> {
    liveSessions.delete(this);
    const shell = this.shell;
    this.shell = undefined;
    this.starting = undefined;
    if (shell) await shell.close(this.busy === 0);
  }

  /** Synchronous, for process 'exit': no time is left to wait for anything. */
  killNow(): void {
    this.shell?.kill();
  }

  private started(): Promise<PowerShellProcess> {
    if (this.shell) return Promise.resolve(this.shell);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<PowerShellProcess> {
    // Before any PowerShell starts: a password missing from the keychain is an error of its own (exit 3).
    const setup = this.options.setup ?? [];
    const secrets = await Promise.all(setup.map((step) => step.secret?.()));
    const shell = new PowerShellProcess(this.executable, sessionEnvironment());
    this.processesStarted += 1;
    this.shell = shell;
    liveSessions.add(this);
    const runtime = templateText('runtime', { common: false });
    const { stdout } = await this.invokeRaw(
      shell,
      'runtime',
      `iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${toBase64(runtime)}'))); [Console]::Out.WriteLine('<<imp-pid>>' + $PID)`,
    );
    shell.powershellPid = Number(/<<imp-pid>>(\d+)/.exec(stdout)?.[1]) || shell.pid;
    for (const [index, step] of setup.entries()) {
      const secret = secrets[index];
      const parameters = secret === undefined ? step.parameters : { ...step.parameters, credentialSecret: await this.sealSecret(shell, secret) };
      const envelope = await this.invoke(shell, step.template, templateText(step.template, { common: false, dir: step.dir }), parameters, true);
      if (!envelope.ok) {
        await this.dispose();
        throw new PowerShellCommandError(step.template, envelope.error!);
      }
    }
    return shell;
  }

  /**
   * Encrypts a password to a one-time RSA key pair made inside this PowerShell process ($ImpSecretKey; the
   * template that uses it decrypts it straight into a SecureString and disposes of the key). Only ciphertext
   * crosses stdin: a debugging proxy or a transcript would see every command sent, --verbose shows the
   * parameters, and Windows Script Block Logging records command text in the event log. Sending the
   * password as a line of its own for [Console]::In.ReadLine() works too, but a line nobody reads (a
   * template that failed first) would be run as a command and echoed in the error.
   */
  private async sealSecret(shell: PowerShellProcess, secret: string): Promise<string> {
    const { createPublicKey, publicEncrypt, constants } = await import('node:crypto');
    const { stdout } = await this.invokeRaw(
      shell,
      'key exchange',
      // RSACng keeps the key in memory: RSACryptoServiceProvider needs a key container in a loaded user
      // profile, which a scheduled task may not have. RSACng is Windows-only; elsewhere RSA.Create is.
      `try { $ImpSecretKey = New-Object System.Security.Cryptography.RSACng 2048 } catch { $ImpSecretKey = [System.Security.Cryptography.RSA]::Create(2048) }; [Console]::Out.WriteLine('${KEY_MARKER}' + $ImpSecretKey.ToXmlString($false))`,
    );
    const field = (name: string): string | undefined => new RegExp(`${KEY_MARKER}.*<${name}>([A-Za-z0-9+/=]+)</${name}>`).exec(stdout)?.[1];
    const modulus = field('Modulus');
    const exponent = field('Exponent');
    if (!modulus || !exponent) throw new PowerShellOutputError('key exchange', 'no public key was returned', stdout);
    const base64url = (base64: string): string => Buffer.from(base64, 'base64').toString('base64url');
    const key = createPublicKey({ key: { kty: 'RSA', n: base64url(modulus), e: base64url(exponent) }, format: 'jwk' });
    const plain = Buffer.from(secret, 'utf8');
    const blocks: string[] = [];
    for (let offset = 0; offset < plain.length; offset += SECRET_BLOCK_BYTES) {
      const block = plain.subarray(offset, offset + SECRET_BLOCK_BYTES);
      blocks.push(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, block).toString('base64'));
    }
    plain.fill(0);
    return blocks.join(',');
  }

  private async invoke(shell: PowerShellProcess, template: string, text: string, parameters: object, global: boolean, pieces?: ResultPieces): Promise<Envelope> {
    this.options.onScript?.(template, `# $Parameters = ${JSON.stringify(parameters)}\n${text}`);
    // A setup step's result is not read: its pieces (if any) are dropped as they come.
    const take: LineTaker = pieces ? pieces.take : (line) => line.startsWith(PIECE_MARKER);
    const { stdout, stderr } = await this.invokeRaw(shell, template, invocation(text, parameters, global), take);
    for (const line of stderr.split(/\r?\n/).filter((l) => l.trim())) this.options.onDiagnostic?.(line.trim());
    const lines = stdout.split(/\r?\n/);
    const marked = lines.filter((l) => l.startsWith(RESULT_MARKER));
    const stray = lines.filter((l) => l.trim() && !l.startsWith(RESULT_MARKER));
    if (stray.length) this.options.onDiagnostic?.(`PowerShell printed while running ${template}: ${stray.join(' | ').slice(0, 500)}`);
    if (marked.length !== 1) {
      throw new PowerShellOutputError(template, marked.length ? 'more than one result' : 'no result was returned', stdout);
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(Buffer.from(marked[0].slice(RESULT_MARKER.length), 'base64').toString('utf8')) as Envelope;
    } catch (error) {
      throw new PowerShellOutputError(template, `the result is not JSON (${errorMessage(error)})`, stdout);
    }
    for (const warning of envelope.warnings ?? []) this.options.onDiagnostic?.(`WARNING: ${warning}`);
    return envelope;
  }

  /** Sends one line and waits for its output, turning a hang or a dead process into typed errors. */
  private async invokeRaw(shell: PowerShellProcess, template: string, command: string, take?: LineTaker): Promise<{ stdout: string; stderr: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)));
    this.busy += 1;
    try {
      const outcome = await Promise.race([shell.invoke(command, take), timeout]);
      if (outcome === 'timeout') {
        // The command keeps running inside PowerShell and would block every later call: restart instead.
        await this.dispose();
        throw new PowerShellTimeoutError(template, this.timeoutMs);
      }
      return outcome;
    } catch (error) {
      if (error instanceof PowerShellTimeoutError) throw error;
      await this.dispose();
      throw new PowerShellExitedError(template, shell.exitDescription || errorMessage(error));
    } finally {
      this.busy -= 1;
      clearTimeout(timer);
    }
  }
}

/**
 * The long lists of one template's result, gathered from their pieces as they arrive: each piece is decoded
 * and checked on its own by the schema of its field, and only what that schema keeps is held.
 */
class ResultPieces {
  private readonly lists = new Map<string, unknown[]>();
  /** Lists the schema has no field for (it is not a plain object): checked with the whole result instead. */
  private readonly uncheckedNames = new Set<string>();
  private problem: { text: string; line: string } | undefined;

  constructor(
    private readonly template: string,
    private readonly schema: z.ZodType,
  ) {}

  readonly take = (line: string): boolean => {
    if (!line.startsWith(PIECE_MARKER)) return false;
    if (!this.problem) this.add(line);
    return true;
  };

  private add(line: string): void {
    let piece: { name: string; items: unknown[] };
    try {
      piece = JSON.parse(Buffer.from(line.slice(PIECE_MARKER.length), 'base64').toString('utf8')) as typeof piece;
    } catch (error) {
      this.problem = { text: `a piece of the result is not JSON (${errorMessage(error)})`, line };
      return;
    }
    const list = this.lists.get(piece.name) ?? [];
    this.lists.set(piece.name, list);
    const field = (this.schema as { shape?: Record<string, z.ZodType> }).shape?.[piece.name];
    if (!field) this.uncheckedNames.add(piece.name);
    const checked = field ? field.safeParse(piece.items) : { success: true as const, data: piece.items };
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const [index, ...rest] = issue?.path ?? [];
      const where = [piece.name, typeof index === 'number' ? list.length + index : index, ...rest].filter((p) => p !== undefined).join('.');
      this.problem = { text: `the result does not have the expected shape (${where}: ${issue?.message})`, line };
      return;
    }
    for (const item of checked.data as unknown[]) list.push(item);
  }

  /** The result to check, once every piece said to be sent has come: with the lists no field schema checked put back. */
  complete<T>(result: T, counts: Record<string, number>): T {
    if (this.problem) throw new PowerShellOutputError(this.template, this.problem.text, this.problem.line);
    for (const [name, count] of Object.entries(counts)) {
      const list = this.lists.get(name) ?? [];
      if (list.length !== count) throw new PowerShellOutputError(this.template, `${name} arrived incomplete: ${list.length} of ${count} items`, '');
      if (this.uncheckedNames.has(name)) (result as Record<string, unknown>)[name] = list;
    }
    return result;
  }

  /** The checked result with each list its field's schema checked as the pieces came. */
  fill<T>(result: T): T {
    for (const [name, list] of this.lists) if (!this.uncheckedNames.has(name)) (result as Record<string, unknown>)[name] = list;
    return result;
  }
}

/** PowerShell must not inherit the keychain password or an admin's stray NODE_POWERSHELL override. */
function sessionEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_POWERSHELL;
  // pwsh 7 on Linux prints an ANSI-coloured banner and telemetry notice otherwise.
  env.POWERSHELL_TELEMETRY_OPTOUT = '1';
  env.NO_COLOR = '1';
  return env;
}

export async function disposeAllSessions(): Promise<void> {
  await Promise.all([...liveSessions].map((s) => s.dispose()));
}

let cleanupInstalled = false;
/** Last line of defence: whatever path leaves Node, no PowerShell child survives it. */
function installExitCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const session of liveSessions) session.killNow();
  });
}
