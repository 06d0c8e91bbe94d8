// What every command gets: validated global options merged over the configuration file,
// the output channel, and at most one PowerShell session for the whole invocation.
import type { Command } from 'commander';
import type { Config } from './config';
import { MAX_TIMER_MS, parseDuration } from './duration';
import type { GlobalOptions } from './global-options';
import { Output } from './output';
import { ExitCode } from './errors';
import type { PowerShellSession } from './powershell/session';

export class CommandContext {
  readonly output: Output;
  readonly config: Config;
  readonly configFile?: string;
  private session: PowerShellSession | undefined;

  constructor(readonly globals: GlobalOptions) {
    this.output = new Output(globals);
    // Required here, not above: src/cli.ts loads this module, and `imp --version` reads no configuration.
    const { loadConfig } = require('./config') as typeof import('./config');
    const { config, file } = loadConfig(globals.config);
    this.config = config;
    this.configFile = file;
    if (file) this.output.debug(`configuration: ${file}`);
  }

  /** Global options live on the root program (verify's own --no-powershell must not shadow --powershell <path>). */
  static of(command: Command): CommandContext {
    return new CommandContext(rootOf(command).opts<GlobalOptions>());
  }

  /** The flag when given, else the configuration file's value. */
  setting<K extends keyof Config>(key: K, flag: Config[K] | undefined): Config[K] | undefined {
    return flag ?? this.config[key];
  }

  /** The invocation's one PowerShell session, connected to Exchange on first use. */
  exchange(): PowerShellSession {
    if (!this.session) {
      const g = this.globals;
      const { exchangeSetup } = require('./exchange/connection') as typeof import('./exchange/connection');
      const setup = exchangeSetup({
        exchange: this.setting('exchange', g.exchange),
        exchangeServer: this.setting('exchangeServer', g.exchangeServer),
        exchangeModule: this.setting('exchangeModule', g.exchangeModule),
        exchangeCredential: this.setting('exchangeCredential', g.exchangeCredential),
      });
      const timeout = this.setting('timeout', g.timeout);
      // Loaded on first use: a command that never runs PowerShell does not pay for the bridge.
      const { PowerShellSession } = require('./powershell/session') as typeof import('./powershell/session');
      this.session = new PowerShellSession({
        executable: this.setting('powershell', g.powershell),
        timeoutMs: timeout === undefined ? undefined : parseDuration(timeout, '--timeout', { min: 1000, max: MAX_TIMER_MS }),
        setup: [setup],
        onDiagnostic: (message) => (message.startsWith('WARNING:') ? this.output.warn(message.slice(9)) : this.output.debug(message)),
        explainFailure: async (error, parameters) => {
          const { explainNotFound } = await import('./exchange/not-found');
          const { nearMatchesSchema } = await import('./exchange/schemas');
          return explainNotFound(error, parameters, async (template, p) => (await this.session!.run(template, p, nearMatchesSchema)).result);
        },
        onScript: (template, text) => this.output.debug(`--- PowerShell template ${template} ---\n${text}\n--- end of ${template} ---`),
      });
    }
    return this.session;
  }

  async dispose(): Promise<void> {
    await this.session?.dispose();
  }
}

/**
 * Last words of a failed run, for failures that happen before or outside a command's own reporting (an
 * option commander refused, a bad configuration file): src/cli.ts runs them before printing the error, and
 * what they return joins the --json error document. expiry's event-log record is one.
 */
export const failureHooks: ((error: unknown, argv: string[], output: Output) => Promise<Record<string, unknown>>)[] = [];

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/** Commander discards what an action returns: act() keeps it on the program that ran it, for src/cli.ts. */
const EXIT_CODE = Symbol('imp exit code');
type Program = Command & { [EXIT_CODE]?: ExitCode };

export function act<A extends unknown[]>(handler: (...args: A) => Promise<ExitCode> | ExitCode): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await handler(...args);
    // Commander passes the Command itself as the action's last argument.
    (rootOf(args[args.length - 1] as Command) as Program)[EXIT_CODE] = code;
  };
}

/** The exit code the command run by `program` returned (OK for --help and the like). */
export function exitCodeOfRun(program: Command): ExitCode {
  return (program as Program)[EXIT_CODE] ?? ExitCode.OK;
}
