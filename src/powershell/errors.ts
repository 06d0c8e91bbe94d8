import { formatDuration } from '../duration';
import { ExitCode, ImpError } from '../errors';

/** What PowerShell said when a cmdlet failed: Exchange's own text, category and exception type. */
export interface PowerShellErrorRecord {
  message: string;
  category: string;
  reason: string | null;
  exceptionType: string;
  fullyQualifiedErrorId: string;
  command: string | null;
  targetObject: string | null;
}

/**
 * A cmdlet inside a template failed: Exchange said no (CRITICAL). Failing to load the Exchange
 * cmdlets at all means imp could not ask (UNKNOWN).
 */
export class PowerShellCommandError extends ImpError {
  constructor(
    readonly template: string,
    readonly record: PowerShellErrorRecord,
  ) {
    const where = record.command ? ` [${record.command}]` : '';
    const notFound = isNotFound(record);
    const connecting = template === 'connect';
    // The session lacks a cmdlet (the admin's roles do not grant it): imp could not ask, so UNKNOWN.
    const missing = isMissingCmdlet(record);
    super(
      missing ? 'EXCHANGE_CMDLET_MISSING' : connecting ? 'EXCHANGE_CONNECT_FAILED' : notFound ? 'EXCHANGE_NOT_FOUND' : 'EXCHANGE_COMMAND_FAILED',
      missing ? record.message : `${record.message}${where} (${record.category}: ${record.reason ?? record.exceptionType})`,
      {
        // Not found is bad input (a name or address Exchange does not have): UNKNOWN, as for a bad flag.
        exitCode: connecting || notFound || missing ? ExitCode.UNKNOWN : ExitCode.CRITICAL,
        suggestion: missing
          ? 'Have an Exchange administrator give you the role or assignment named (Organization Management holds them all), then open a new session and run imp again. "imp script" shows the PowerShell for someone who holds it.'
          : connecting
          ? connectFix(record)
          : notFound
            ? 'Check the spelling of the address or name; Exchange could not find it.'
            : `Run "imp script ${template}" to review the PowerShell and run it in the Exchange Management Shell to see the full error.`,
        details: { template, ...record },
      },
    );
  }
}

/** Where remote works: only Windows PowerShell / pwsh on Windows has the WSMan client New-PSSession needs. */
export const NO_WSMAN_FIX =
  'This PowerShell has no WSMan client (pwsh on Linux and macOS has none), so --exchange remote cannot work from here. ' +
  'Run imp on Windows: on the Exchange server (--exchange local, the default) or on a Windows machine with --exchange remote --exchange-server <fqdn>. ' +
  'From this machine, the EWS checks work without the Management Shell: imp verify --no-powershell --ews-url <url> --mailbox <address>, imp expiry --no-powershell --ews-url <url>.';

function connectFix(record: PowerShellErrorRecord, platform = process.platform): string {
  if (/WSMan/i.test(record.message) || (record.command === 'New-PSSession' && platform !== 'win32')) return NO_WSMAN_FIX;
  if (platform !== 'win32') {
    return 'Check --exchange and its options. Off Windows, the Exchange cmdlets come only from a module (--exchange module --exchange-module <path>, e.g. imp sim); run imp on Windows for a real Exchange (--exchange local on the server), or use --no-powershell for the EWS checks.';
  }
  return 'Check --exchange and its options: on an Exchange server use --exchange local; from a workstation --exchange remote --exchange-server <fqdn>; for a lab --exchange module --exchange-module <path>.';
}

export function isMissingCmdlet(record: PowerShellErrorRecord): boolean {
  return record.fullyQualifiedErrorId.startsWith('ImpCmdletMissing');
}

export function isNotFound(record: PowerShellErrorRecord): boolean {
  return /ObjectNotFound|NotFoundException|IdentityNotFound/i.test(`${record.reason} ${record.exceptionType} ${record.category}`);
}

export class PowerShellTimeoutError extends ImpError {
  constructor(template: string, timeoutMs: number) {
    super('POWERSHELL_TIMEOUT', `PowerShell did not finish "${template}" within ${formatDuration(timeoutMs)}; the session was stopped.`, {
      exitCode: ExitCode.UNKNOWN,
      suggestion: 'Check that Exchange answers (try the script from "imp script" in the Exchange Management Shell), or raise --timeout.',
    });
  }
}

export class PowerShellExitedError extends ImpError {
  constructor(template: string, detail: string) {
    super('POWERSHELL_EXITED', `The PowerShell process ended while running "${template}"${detail ? `: ${detail}` : ''}.`, {
      exitCode: ExitCode.UNKNOWN,
      suggestion: 'Run the command again; if it keeps failing, run it with --verbose and check the PowerShell installation.',
    });
  }
}

export class PowerShellOutputError extends ImpError {
  constructor(template: string, problem: string, output: string) {
    super('POWERSHELL_BAD_OUTPUT', `PowerShell returned output imp cannot read for "${template}": ${problem}.`, {
      exitCode: ExitCode.UNKNOWN,
      suggestion:
        'A profile, module or Exchange connection may be printing to the console; run with --verbose to see the output, and check that the Exchange cmdlets return the documented properties.',
      details: { output: output.slice(0, 2000) },
    });
  }
}
