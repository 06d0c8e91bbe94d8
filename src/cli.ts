#!/usr/bin/env node
// imp's entry point: wires the commands, and decides the exit code in exactly one place.
// Heavy modules (node-powershell, ews-javascript-api, keytar) load only inside the commands that use them.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, ImpError, errorMessage } from './errors';
import { Output } from './output';
import { grantCommand } from './commands/grant';
import { revokeCommand } from './commands/revoke';
import { scriptCommand } from './commands/script';
import { simCommand } from './commands/sim';
import { expiryCommand } from './commands/expiry';
import { scheduleCommand } from './commands/schedule';
import { credentialsCommand } from './commands/credentials';
import { verifyCommand } from './commands/verify';
import { disposeAllSessions } from './powershell/session';
import { interruption } from './interrupt';
import { exitCodes } from './commands/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('imp')
    .description('Grant, verify and keep working the EWS ApplicationImpersonation role of a booking system\'s service account on on-premises Exchange.')
    .version(version, '-V, --version')
    .option('--json', 'print one JSON document on stdout')
    .option('-v, --verbose', 'show the PowerShell that runs, and other detail, on stderr')
    .option('-q, --quiet', 'print nothing but errors (for scheduled runs)')
    .option('--config <file>', 'configuration file (default: imp.config.json if present)')
    .option('--powershell <path>', 'PowerShell executable (default: powershell.exe on Windows, pwsh elsewhere; env IMP_POWERSHELL)')
    .addOption(new Option('--exchange <mode>', 'how to reach the Exchange cmdlets').choices(['local', 'remote', 'module']))
    .option('--exchange-server <fqdn>', 'Exchange server for --exchange remote')
    .option('--exchange-module <path>', 'PowerShell module providing the Exchange cmdlets, for --exchange module')
    .option('--exchange-credential <account>', 'for --exchange remote: log on as this account, password from the keychain')
    .option('--timeout <duration>', 'longest a single PowerShell step may take (default 5m)')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(grantCommand());
  program.addCommand(revokeCommand());
  program.addCommand(scriptCommand());
  program.addCommand(verifyCommand());
  program.addCommand(simCommand());
  program.addCommand(expiryCommand());
  program.addCommand(scheduleCommand());
  program.addCommand(credentialsCommand());
  return program;
}

/** The one place that turns results and failures into an exit code and stderr text. */
export async function main(argv = process.argv): Promise<ExitCode> {
  const program = buildProgram();
  const stopInterrupts = interruption.install();
  let output = new Output({ json: argv.includes('--json'), quiet: argv.includes('--quiet') || argv.includes('-q') });
  try {
    await program.parseAsync(argv);
    return exitCodes.last ?? ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      return ExitCode.UNKNOWN;
    }
    output = new Output({ json: argv.includes('--json') });
    if (interruption.interrupted && !(error instanceof ImpError && error.code !== 'POWERSHELL_EXITED')) {
      output.error('interrupted; nothing more was run.');
      return ExitCode.UNKNOWN;
    }
    if (error instanceof ImpError) {
      if (output.json) process.stdout.write(`${JSON.stringify({ status: 'error', error: error.toJSON() }, null, 2)}\n`);
      output.error(error.message);
      if (error.suggestion) process.stderr.write(`  fix: ${error.suggestion}\n`);
      return error.exitCode;
    }
    if (output.json) process.stdout.write(`${JSON.stringify({ status: 'error', error: { code: 'INTERNAL', message: errorMessage(error) } }, null, 2)}\n`);
    output.error(`unexpected failure: ${errorMessage(error)}`);
    if (process.env.IMP_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.stderr.write('  fix: run again with --verbose; if it persists, report it with the output.\n');
    return ExitCode.UNKNOWN;
  } finally {
    stopInterrupts();
    await disposeAllSessions();
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
