#!/usr/bin/env node
// imp's entry point: wires the commands, and decides the exit code in exactly one place.
// Heavy modules (ews-javascript-api, @napi-rs/keyring, zod) load only inside the commands that use them.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, ImpError, UsageError, errorMessage } from './errors';
import { jsonDocument, Output, outliveClosedPipes } from './output';
import { disposeAllSessions, interruption } from './interrupt';
import { exitCodeOfRun, failureHooks } from './context';
import { describeCommand, EXIT_CODES } from './help';
import { statusOfExitCode } from './monitoring';
import { impVersion as version } from './version';

/**
 * Every command, with the one-line summary --help shows. A command's module (and what it imports:
 * zod, the EWS client, the keychain wrapper) loads only when that command runs, so `imp --help` and
 * `imp --version` stay as fast as commander alone.
 */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'grant', summary: 'grant the ApplicationImpersonation role to a service account', load: async () => (await import('./commands/grant')).grantCommand() },
  { name: 'revoke', summary: 'remove the ApplicationImpersonation role from a service account', load: async () => (await import('./commands/revoke')).revokeCommand() },
  { name: 'verify', summary: 'prove the service account can impersonate every room and booker through EWS', load: async () => (await import('./commands/verify')).verifyCommand() },
  { name: 'status', summary: 'list every ApplicationImpersonation assignment: who holds it, through which group, over which scope, since when (read-only)', load: async () => (await import('./commands/status')).statusCommand() },
  { name: 'check', summary: 'the daily health check: verify (scope of every room and booker, one canary probe) and the password expiry, one exit code', load: async () => (await import('./commands/check')).checkCommand() },
  { name: 'credentials', summary: "keep the service account's password in the OS keychain (set, test, list, delete)", load: async () => (await import('./commands/credentials')).credentialsCommand() },
  { name: 'expiry', summary: "check when the service account's password expires (Nagios exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)", load: async () => (await import('./commands/expiry')).expiryCommand() },
  { name: 'schedule', summary: 'check the password expiry every day: a Task Scheduler task on Windows, a systemd user timer (or a crontab line) elsewhere', load: async () => (await import('./commands/schedule')).scheduleCommand() },
  { name: 'script', summary: 'print the PowerShell for an action, to review and run by hand', load: async () => (await import('./commands/script')).scriptCommand() },
  { name: 'sim', summary: 'run a simulated Exchange (Management Shell module + HTTPS EWS) for tests, demos and labs', load: async () => (await import('./commands/sim')).simCommand() },
];

/** The command named on the command line: the first argument that is a command name. */
function invokedCommand(argv: string[]): string | undefined {
  const names = new Set(COMMANDS.map((c) => c.name));
  const args = argv.slice(2);
  const help = args[0] === 'help' ? args[1] : undefined;
  return help && names.has(help) ? help : args.find((a) => names.has(a));
}

export async function buildProgram(argv = process.argv): Promise<Command> {
  const program = new Command('imp')
    .description('Grant, verify and keep working the EWS ApplicationImpersonation role of a booking system\'s service account on on-premises Exchange.')
    .version(version, '-V, --version')
    .option('--json', 'print one JSON document on stdout')
    .option('-v, --verbose', 'show the PowerShell that runs, and other detail, on stderr')
    .option('-q, --quiet', 'monitoring style: nothing when all is OK, otherwise one status line')
    .option('--config <file>', 'configuration file (default: imp.config.json if present)')
    .option('--powershell <path>', 'PowerShell executable (default: powershell.exe on Windows, pwsh elsewhere; env IMP_POWERSHELL)')
    .addOption(new Option('--exchange <mode>', 'how to reach the Exchange cmdlets').choices(['local', 'remote', 'module']))
    .option('--exchange-server <fqdn>', 'Exchange server for --exchange remote')
    .option('--exchange-module <path>', 'PowerShell module providing the Exchange cmdlets, for --exchange module')
    .option('--exchange-credential <account>', 'for --exchange remote: log on as this account, password from the keychain')
    .option('--timeout <duration>', 'longest a single PowerShell step may take (default 5m)')
    .addHelpText('after', EXIT_CODES)
    .exitOverride();
  const invoked = invokedCommand(argv);
  for (const entry of COMMANDS) {
    // Commands not run here are stand-ins that only describe themselves in --help.
    const command = entry.name === invoked ? await entry.load() : new Command(entry.name);
    program.addCommand(command.description(entry.summary));
  }
  // addCommand() does not pass these on: a usage error in any subcommand must reach main(), not exit 1,
  // and main() prints it as one line (commander would print it and then the whole help).
  const inherit = (command: Command) => {
    command.exitOverride().configureOutput({ outputError: () => undefined });
    describeCommand(command);
    command.commands.forEach(inherit);
  };
  inherit(program);
  return program;
}

/**
 * How a failure that stops imp is reported: the message on stderr with its fix, and with --json the one
 * `{ status: "error", error: { code, message, suggestion } }` document (unless a document was already printed).
 */
function reportFailure(output: Output, failure: { code: string; message: string; suggestion?: string; details?: Record<string, unknown> }, extra: Record<string, unknown> = {}, oneLine = false): void {
  const { code, message, suggestion, details } = failure;
  if (output.json) output.document({ status: 'error', error: { code, message, ...(suggestion ? { suggestion } : {}), ...(details ? { details } : {}) }, ...extra });
  output.error(message);
  if (suggestion && !oneLine) output.fix(suggestion);
}

const INTERRUPTED = { code: 'INTERRUPTED', message: 'interrupted; nothing more was run.', suggestion: 'Run the command again and let it finish, or raise --timeout if it was waiting on Exchange.' };

function unexpected(output: Output, error: unknown): { code: string; message: string; suggestion: string } {
  if (process.env.IMP_DEBUG) output.note(`${(error as Error)?.stack ?? ''}`);
  return { code: 'INTERNAL', message: `unexpected failure: ${errorMessage(error)}`, suggestion: 'Run again with --verbose; if it persists, report it with the output.' };
}

/** The one place that turns results and failures into an exit code and stderr text. */
export async function main(argv = process.argv): Promise<ExitCode> {
  const json = argv.includes('--json');
  jsonDocument.written = false;
  outliveClosedPipes();
  const stopInterrupts = interruption.install(() => reportFailure(new Output({ json }), INTERRUPTED));
  // A library that throws outside any promise imp awaits must not end imp with a stack trace and exit 1.
  const onStray = (error: unknown) => {
    const output = new Output({ json });
    reportFailure(output, unexpected(output, error));
    process.exit(ExitCode.UNKNOWN);
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return exitCodeOfRun(program);
  } catch (error) {
    // A usage error is one line on a terminal; the message already says where to look.
    const usage = error instanceof CommanderError;
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      // One line, the suggestion included: "unknown option '--acount' (Did you mean --account?)".
      const message = error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
      error = new UsageError(/Did you mean/.test(message) ? message : `${message} (--help lists the options)`, 'Run the command with --help to see its options.');
    }
    const output = new Output({ json, quiet: argv.includes('--quiet') || argv.includes('-q') });
    const lastWords: Record<string, unknown> = {};
    for (const hook of failureHooks) Object.assign(lastWords, await hook(error, argv, output).catch(() => ({})));
    if (interruption.interrupted && !(error instanceof ImpError && error.code !== 'POWERSHELL_EXITED')) {
      reportFailure(output, INTERRUPTED, lastWords);
      return ExitCode.UNKNOWN;
    }
    if (error instanceof ImpError && output.quiet && !output.json) {
      // A Nagios plugin prints exactly one line, on stdout, even when it cannot do its job.
      output.summary(statusOfExitCode(error.exitCode), `${error.message}${error.suggestion ? ` Fix: ${error.suggestion}` : ''}`);
      return error.exitCode;
    }
    if (error instanceof ImpError) {
      reportFailure(output, error, lastWords, usage);
      return error.exitCode;
    }
    reportFailure(output, unexpected(output, error), lastWords);
    return ExitCode.UNKNOWN;
  } finally {
    stopInterrupts();
    process.off('uncaughtException', onStray);
    process.off('unhandledRejection', onStray);
    await disposeAllSessions();
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
