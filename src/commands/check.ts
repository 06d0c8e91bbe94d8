// imp check: the one scheduled health check. Runs verify (the Management Shell checks, the scope check
// over every room and booker, and one EWS impersonation probe of a canary mailbox, never every mailbox)
// and expiry (the password, and a login with the stored one) and answers with one exit code.
//
// Each half runs as its own `imp … --json` child of this same Node and imp: verify and expiry stay the
// only places that decide their checks, and a failure in one half cannot stop the other.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { ExitCode } from '../errors';
import { checkAccount } from '../exchange/names';
import { exitCodeOf, statusOfExitCode, worst, type MonitoringStatus as Level } from '../monitoring';
import { addCheckOptions, type CheckOptions } from '../actions/check';
import { act, CommandContext } from '../context';

const LEVELS: Level[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

export function checkCommand(): Command {
  return addCheckOptions(new Command('check'))
    .action(act(async (options: CheckOptions, command: Command) => runCheck(CommandContext.of(command), options)));
}

/** A half's outcome: its level, one line about it, and its JSON document. */
export interface HalfResult {
  status: Level;
  line: string;
  document: Record<string, unknown> | null;
}

/** Reads a child's --json document into a level and a line, whatever the child managed to say. */
export function halfResult(name: string, code: number | null, stdout: string): HalfResult {
  let document: Record<string, any> | null = null;
  try {
    document = JSON.parse(stdout);
  } catch {
    document = null;
  }
  if (document?.status === 'error') return { status: 'UNKNOWN', line: `${name} could not run: ${document.error?.message ?? 'unknown error'}`, document };
  const status: Level = LEVELS.includes(document?.status) ? document!.status : statusOfExitCode((code ?? 3) as ExitCode);
  if (!document) return { status: 'UNKNOWN', line: `${name} ended with exit code ${code} and no result`, document: null };
  if (name === 'expiry') return { status, line: `expiry ${status}: ${document.message}`, document };
  const checks: { id: string; status: string; message: string }[] = document.checks ?? [];
  const worst = checks.find((c) => c.status === 'fail') ?? checks.find((c) => c.status === 'warn');
  return { status, line: worst ? `verify ${status}: ${worst.id}: ${worst.message}` : `verify ${status}: all ${checks.filter((c) => c.status === 'pass').length} checks pass`, document };
}

export function worstLevel(levels: Level[]): Level {
  // The monitoring vocabulary's worst(): a definite CRITICAL outranks the other half's UNKNOWN.
  return worst(...levels);
}

async function runCheck(context: CommandContext, options: CheckOptions): Promise<ExitCode> {
  const account = checkAccount(context.setting('account', options.account));
  const password = options.passwordStdin ? await readStdin() : undefined;
  const shared = [
    ...(options.username ? ['--username', options.username] : []),
    ...(options.ca ? ['--ca', options.ca] : []),
    ...(options.insecure ? ['--insecure'] : []),
    ...(password !== undefined ? ['--password-stdin'] : []),
  ];
  const quiet = context.output.quiet || context.output.json;

  const verifyArgs = ['verify', '--account', account, '--wait', '0', '--probe', 'canary', ...(options.rooms ? ['--rooms'] : [])];
  for (const g of options.group ?? []) verifyArgs.push('--group', g);
  for (const m of options.mailbox ?? []) verifyArgs.push('--mailbox', m);
  if (options.ewsUrl) verifyArgs.push('--ews-url', options.ewsUrl);
  const verifyRun = await runChild(context, [...verifyArgs, ...shared], password, quiet);
  const verify = halfResult('verify', verifyRun.code, verifyRun.stdout);

  // expiry --check-login needs the EWS URL: the one verify used when none was given.
  const ewsUrl = options.ewsUrl ?? (typeof verify.document?.ewsUrl === 'string' ? verify.document.ewsUrl : undefined);
  const expiryArgs = ['expiry', '--account', account, '--check-login', ...(ewsUrl ? ['--ews-url', ewsUrl] : [])];
  if (options.warnDays) expiryArgs.push('--warn-days', options.warnDays);
  if (options.criticalDays) expiryArgs.push('--critical-days', options.criticalDays);
  if (options.eventLog) expiryArgs.push('--event-log');
  if (options.checkRunAs) expiryArgs.push('--check-run-as');
  const expiryRun = await runChild(context, [...expiryArgs, ...shared], password, quiet);
  const expiry = halfResult('expiry', expiryRun.code, expiryRun.stdout);

  const status = worstLevel([verify.status, expiry.status]);
  const output = context.output;
  output.document({ status, account, verify: verify.document, expiry: expiry.document });
  output.line(verify.line);
  output.line(expiry.line);
  const problems = [verify, expiry].filter((h) => h.status !== 'OK').map((h) => h.line);
  output.summary(status, problems.length ? problems.join('; ') : `${account}: impersonation works and the password is fine`);
  return exitCodeOf(status);
}

/** The global flags (how to reach Exchange, the configuration file) apply to both halves. */
function globalArgs(context: CommandContext): string[] {
  const g = context.globals;
  const args: string[] = [];
  const pairs: [string, string | undefined][] = [
    ['--config', g.config], ['--powershell', g.powershell], ['--exchange', g.exchange], ['--exchange-server', g.exchangeServer],
    ['--exchange-module', g.exchangeModule], ['--exchange-credential', g.exchangeCredential], ['--timeout', g.timeout],
  ];
  for (const [flag, value] of pairs) if (value !== undefined) args.push(flag, value);
  if (g.verbose) args.push('--verbose');
  return args;
}

function runChild(context: CommandContext, args: string[], password: string | undefined, quiet: boolean): Promise<{ code: number | null; stdout: string }> {
  const cli = join(__dirname, '..', 'cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...globalArgs(context), '--json', ...args], { stdio: ['pipe', 'pipe', quiet ? 'ignore' : 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(password === undefined ? '' : `${password}\n`);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}
