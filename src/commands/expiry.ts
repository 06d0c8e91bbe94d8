// imp expiry: when does the service account's password expire? A monitoring check (Nagios plugin
// conventions: one status line on stdout, exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN), read from AD
// through the PowerShell session, or from EWS with --no-powershell.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ImpError, errorMessage } from '../errors';
import { checkAccount } from '../exchange/names';
import { interruption } from '../interrupt';
import { now } from '../expiry/clock';
import type { DirectoryAccount, readAccountFromDirectory, RunAsAccount } from '../expiry/directory';
import type { LoginReport } from '../expiry/ews';
import { thresholdsOf, withExpiryOptions, type ExpiryFlags } from '../expiry/options';
import type { EventWrite } from '../expiry/event-log';
import {
  evaluateExpiry,
  evaluateRunAs,
  summaryLine,
  type AccountFacts,
  type ExpiryEvaluation,
  type ExpirySource,
  type ExpiryStatus,
  type Finding,
  type Thresholds,
} from '../expiry/status';
import { exitCodeOf, worst } from '../monitoring';
import type { Output } from '../output';
import { act, CommandContext, failureHooks } from '../context';

export type ExpiryOptions = ExpiryFlags;

/** The --json document. */
export interface ExpiryReport {
  status: ExpiryStatus;
  account: string;
  expiresAt: string | null;
  daysLeft: number | null;
  neverExpires: boolean;
  mustChange: boolean;
  enabled: boolean | null;
  lockedOut: boolean | null;
  passwordLastSet: string | null;
  source: ExpirySource | null;
  login?: LoginReport;
  message: string;
  fix: string[];
  thresholds: Thresholds;
  error?: Record<string, unknown>;
  /** --event-log: the event, and whether it reached the log. */
  event?: EventWrite;
  /** Get-ADUser could not reach AD Web Services; LDAP answered instead. */
  adwsUnreachable?: string;
  /** --fix never-expires: what it would change, and whether it did. */
  change?: { fix: 'never-expires'; command: string | null; needed: boolean; applied: boolean; dryRun: boolean };
  /** --check-run-as: the Windows user this check runs as. */
  runAs?: { user: string; found: boolean; expiresAt: string | null; neverExpires: boolean };
}

export function expiryThresholds(context: CommandContext, options: Pick<ExpiryOptions, 'warnDays' | 'criticalDays'>): Thresholds {
  return thresholdsOf(options, context.config);
}

interface EwsSettings {
  /** Undefined until the Management Shell has listed the EWS virtual directories (--check-login without --ews-url). */
  url?: string;
  username: string;
  ca?: string;
}

/**
 * The EWS side's settings, checked before anything runs. Without --ews-url, --no-powershell cannot go on;
 * --check-login takes the URL from the EWS virtual directory later, in the same PowerShell run (as verify does).
 */
async function ewsSettings(context: CommandContext, options: ExpiryOptions, account: string, usePowerShell: boolean): Promise<EwsSettings> {
  const given = context.setting('ewsUrl', options.ewsUrl);
  const { ewsUrlOf } = await import('../ews/virtual-directory');
  const url = given || !usePowerShell ? ewsUrlOf(given, undefined) : undefined; // refuses plain HTTP and Exchange Online, with the fix
  const { readCaFile } = await import('../ews/options');
  const caFile = context.setting('ca', options.ca);
  const ca = readCaFile(caFile === undefined ? undefined : resolve(caFile));
  return { ...(url ? { url } : {}), username: context.setting('username', options.username) ?? account, ...(ca ? { ca } : {}) };
}

/** Everything but the verdict on the account is gathered before the first finding exists. */
function emptyReport(account: string, thresholds: Thresholds): ExpiryReport {
  return {
    status: 'UNKNOWN',
    account,
    expiresAt: null,
    daysLeft: null,
    neverExpires: false,
    mustChange: false,
    enabled: null,
    lockedOut: null,
    passwordLastSet: null,
    source: null,
    message: '',
    fix: [],
    thresholds,
  };
}

function conclude(report: ExpiryReport, findings: Finding[]): ExpiryReport {
  report.status = worst(...findings.map((f) => f.status));
  report.message = summaryLine(report.status, report.account, findings);
  report.fix = findings.flatMap((f) => (f.fix && f.status !== 'OK' ? [f.fix] : []));
  return report;
}

/** Judges the facts read (from AD or from EWS) and fills the report's account fields with the verdict. */
function judgeFacts(report: ExpiryReport, facts: AccountFacts, thresholds: Thresholds, time: Date): ExpiryEvaluation {
  const evaluation = evaluateExpiry(report.account, facts, thresholds, time);
  Object.assign(report, {
    expiresAt: evaluation.expiresAt,
    daysLeft: evaluation.daysLeft,
    neverExpires: evaluation.neverExpires,
    mustChange: evaluation.mustChange,
    enabled: facts.enabled,
    lockedOut: facts.lockedOut,
    passwordLastSet: facts.passwordLastSet,
  });
  return evaluation;
}

/**
 * The report for an account's facts when nothing else is asked (no login, no run-as): what the CLI prints for
 * them. test/expiry checks the situations it reads through one PowerShell with it, instead of a run each.
 */
export function judgedReport(account: string, facts: AccountFacts, thresholds: Thresholds, time: Date): ExpiryReport {
  const report = emptyReport(account, thresholds);
  report.source = facts.source;
  return conclude(report, judgeFacts(report, facts, thresholds, time).findings);
}

/** Failing to ask is a monitoring answer too: UNKNOWN (3), never a WARNING or CRITICAL the account did not earn. */
function failedReport(report: ExpiryReport, error: ImpError): ExpiryReport {
  conclude(report, [{ status: 'UNKNOWN', text: `cannot check the password expiry: ${error.message}`, ...(error.suggestion ? { fix: error.suggestion } : {}) }]);
  report.error = error.toJSON();
  return report;
}

/** `--no-powershell` and the global `--powershell <path>` share the key "powershell": keep the global one a path. */
export function expiryCommand(): Command {
  return withExpiryOptions(new Command('expiry'))
    .action(act(async (options: ExpiryOptions, command: Command) => {
      const context = CommandContext.of(command);
      eventLogged = false;
      const thresholds = expiryThresholds(context, options);
      const account = checkAccount(context.setting('account', options.account));
      const usePowerShell = options.powershell !== false;
      const needsEws = !usePowerShell || Boolean(options.checkLogin);
      const ews = needsEws ? await ewsSettings(context, options, account, usePowerShell) : undefined;
      const time = now();

      const report = emptyReport(account, thresholds);
      try {
        if (usePowerShell) await checkThroughDirectory(context, report, { thresholds, time, ews, options });
        else await checkThroughEws(report, { thresholds, time, ews: { ...ews!, url: ews!.url! }, options });
      } catch (error) {
        // Ctrl-C and bugs are reported by src/cli.ts as for every command.
        if (!(error instanceof ImpError) || interruption.interrupted) throw error;
        failedReport(report, error);
      } finally {
        const { closeAllEwsConnections } = await import('../ews');
        closeAllEwsConnections();
      }

      if (options.eventLog) await logEvent(context, report);
      print(context.output, report);
      return exitCodeOf(report.status);
    }));
}

interface CheckInput {
  thresholds: Thresholds;
  time: Date;
  ews?: EwsSettings;
  options: ExpiryOptions;
}

async function checkThroughDirectory(context: CommandContext, report: ExpiryReport, input: CheckInput): Promise<void> {
  const { account } = report;
  const findUrl = Boolean(input.ews && !input.ews.url);
  const { readAccountFromDirectory } = await import('../expiry/directory'); // zod: loaded only when needed
  const lookup = await readAccountFromDirectory(context.exchange(), account, { runAs: Boolean(input.options.checkRunAs), ewsVirtualDirectories: findUrl });
  report.source = lookup.source;
  if (lookup.account.adwsUnreachable) {
    report.adwsUnreachable = lookup.account.adwsUnreachable;
    context.output.warn(`Get-ADUser could not reach AD Web Services (TCP 9389: ${lookup.account.adwsUnreachable}); read AD over LDAP instead.`);
  }
  const runAsFinding = await runAsCheck(report, lookup.account.runAs, input);
  if (lookup.found && input.options.fix === 'never-expires') {
    const applied = await fixNeverExpires(context, report, lookup, input);
    if (applied) return checkThroughDirectory(context, report, { ...input, options: { ...input.options, fix: undefined } }).then(() => {
      report.change = applied;
    });
  }
  if (!lookup.found) {
    const linked = lookup.account.linkedMasterAccount;
    conclude(report, [
      linked
        ? {
            status: 'UNKNOWN',
            text: `is a linked mailbox: its account is ${linked} in the account forest, which could not be read from here`,
            fix: `Run "imp expiry" where the ActiveDirectory module can reach that forest, or check ${linked} there (Get-ADUser -Server <its domain> -Properties msDS-UserPasswordExpiryTimeComputed).`,
          }
        : {
            status: 'UNKNOWN',
            text: `no Active Directory user has this address in any domain of the forest (not a mailbox address in Exchange, nor any user's mail or userPrincipalName)`,
            fix: await unknownAccountFix(context, account),
          },
      ...(runAsFinding ? [runAsFinding] : []),
    ]);
    return;
  }
  const { facts } = lookup;
  const evaluation = judgeFacts(report, facts, input.thresholds, input.time);
  const findings = [...evaluation.findings];
  const url = input.options.checkLogin ? await loginUrl(context, input.ews!, lookup.account) : undefined;
  if (url && typeof url !== 'string') findings.push(url.finding);
  else if (url) {
    // An alias: the password is stored under the mailbox's primary address, and EWS is asked as that (issue 11.4).
    const primary = lookup.account.primarySmtpAddress;
    const owner = primary && primary.toLowerCase() !== account.toLowerCase() ? primary : account;
    if (owner !== account) context.output.warn(`${account} is an alias of ${owner}: the login uses the password stored for ${owner}.`);
    const { obtainPassword } = await import('../credentials/password');
    const password = await obtainPassword(owner, input.options.passwordStdin);
    const expired = evaluation.expiresAt !== null && Date.parse(evaluation.expiresAt) <= input.time.getTime();
    const { checkLogin } = await import('../expiry/ews'); // the EWS and TLS stack: only when EWS is asked
    const { login, finding } = await checkLogin(
      { ...input.ews!, url, username: input.ews!.username === account ? owner : input.ews!.username, password: password.password },
      {
        account: owner,
        passwordSource: password.source,
        storedAt: password.storedAt,
        passwordLastSet: facts.passwordLastSet,
        passwordUnusable: evaluation.mustChange || expired,
      },
    );
    report.login = login;
    findings.push(finding);
  }
  if (runAsFinding) findings.push(runAsFinding);
  conclude(report, findings);
}

/** --account names nobody: what Exchange has by a similar name (near-matches.ps1, ANR), as other commands suggest (issue 11.5). */
async function unknownAccountFix(context: CommandContext, account: string): Promise<string> {
  const { describeMissing } = await import('../exchange/not-found');
  const { nearMatchesSchema } = await import('../exchange/schemas');
  let near;
  try {
    near = (await context.exchange().run('near-matches', { value: account, kind: 'mailbox' }, nearMatchesSchema)).result;
  } catch (error) {
    if (!(error instanceof ImpError) || interruption.interrupted) throw error;
    near = undefined; // a courtesy: without it, the fix says how to look the address up
  }
  return describeMissing({ flag: '--account', value: account, kind: 'mailbox' }, near).suggestion;
}

/**
 * --check-login's URL: --ews-url, else the InternalUrl of the EWS virtual directory (src/ews/virtual-directory.ts,
 * as verify finds it). None found: the login is not checked (UNKNOWN) and the finding says what to pass;
 * the expiry verdict stands.
 */
async function loginUrl(context: CommandContext, ews: EwsSettings, found: DirectoryAccount): Promise<string | { finding: Finding }> {
  if (ews.url) return ews.url;
  const { ewsUrlOf } = await import('../ews/virtual-directory');
  try {
    const url = ewsUrlOf(undefined, { vdirs: found.vdirs ?? [], vdirError: found.vdirError ?? null });
    context.output.debug(`EWS URL from the EWS virtual directory: ${url}`);
    return url;
  } catch (error) {
    if (!(error instanceof ImpError)) throw error;
    return { finding: { status: 'UNKNOWN', text: `cannot check the EWS login: ${phrase(error.message)}`, ...(error.suggestion ? { fix: error.suggestion } : {}) } };
  }
}

const phrase = (sentence: string): string => sentence.replace(/\.$/, '');

/**
 * --fix never-expires: says what it will change first (as the Set-ADUser an admin would type), honours
 * --dry-run, then makes the change. Returns the change when it was made, so the check runs again on the new facts.
 */
async function fixNeverExpires(
  context: CommandContext,
  report: ExpiryReport,
  lookup: Extract<Awaited<ReturnType<typeof readAccountFromDirectory>>, { found: true }>,
  input: CheckInput,
): Promise<ExpiryReport['change'] | undefined> {
  const { output } = context;
  const dryRun = Boolean(input.options.dryRun);
  if (lookup.facts.expiry.kind === 'never') {
    report.change = { fix: 'never-expires', command: null, needed: false, applied: false, dryRun };
    output.line(`${report.account}: the password already never expires; nothing to change.`);
    return undefined;
  }
  const { neverExpiresCommand, setPasswordNeverExpires } = await import('../expiry/directory');
  const command = neverExpiresCommand(lookup.account);
  const now = lookup.facts.expiry.kind === 'date' ? `it expires ${lookup.facts.expiry.at.toISOString().slice(0, 10)}` : `now: ${lookup.facts.expiry.kind}`;
  output.line(`Change: PasswordNeverExpires False -> True on ${lookup.account.distinguishedName} (${now}):\n  ${command}`);
  if (dryRun) {
    report.change = { fix: 'never-expires', command, needed: true, applied: false, dryRun };
    output.line('--dry-run: nothing was changed.');
    return undefined;
  }
  const result = await setPasswordNeverExpires(context.exchange(), lookup.account);
  output.line(result.passwordNeverExpires ? 'Changed: the password no longer expires.' : 'The change was made but AD still reports the password as expiring.');
  return { fix: 'never-expires', command, needed: true, applied: Boolean(result.passwordNeverExpires), dryRun };
}

/** --check-run-as: the run-as user's own password, read in the same PowerShell run. */
async function runAsCheck(report: ExpiryReport, runAs: RunAsAccount | null | undefined, input: CheckInput): Promise<Finding | undefined> {
  if (!input.options.checkRunAs || !runAs) return undefined;
  const { factsOf } = await import('../expiry/directory');
  const facts = runAs.found ? factsOf(runAs, report.source === 'adsisearcher' ? 'adsisearcher' : 'Get-ADUser') : null;
  const expiry = facts?.expiry;
  report.runAs = {
    user: runAs.account,
    found: runAs.found,
    expiresAt: expiry?.kind === 'date' ? expiry.at.toISOString() : null,
    neverExpires: expiry?.kind === 'never',
  };
  return evaluateRunAs(runAs.account, facts, input.thresholds, input.time);
}

async function checkThroughEws(report: ExpiryReport, input: CheckInput & { ews: EwsSettings & { url: string } }): Promise<void> {
  const { account } = report;
  const { obtainPassword } = await import('../credentials/password');
  const password = await obtainPassword(account, input.options.passwordStdin);
  report.source = 'ews';
  const { readExpiryFromEws } = await import('../expiry/ews');
  const answer = await readExpiryFromEws({ ...input.ews, password: password.password }, account);
  if (!answer.ok) {
    report.lockedOut = answer.lockedOut;
    conclude(report, [answer.finding]);
    return;
  }
  conclude(report, judgeFacts(report, answer.facts, input.thresholds, input.time).findings); // EWS tells no passwordLastSet: it stays null
}

/** Set once this run's event is written, so a later failure does not log a second one. */
let eventLogged = false;

/** Best effort: the event log never changes the exit status. */
async function logEvent(context: CommandContext, report: ExpiryReport): Promise<void> {
  eventLogged = true;
  const executable = context.setting('powershell', context.globals.powershell);
  const { expiryEventRecord, writeEvent } = await import('../expiry/event-log'); // zod and the PowerShell bridge: only with --event-log
  report.event = await writeEvent(expiryEventRecord(report.status, report.message, report.fix), executable);
  if (!report.event.written) context.output.warn(`the result was not written to the event log: ${report.event.reason}.`);
}

/** The value of a flag in raw argv ("--flag value" or "--flag=value"), for failures that came before parsing. */
function flagValue(argv: string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/**
 * A run with --event-log that failed before it had a result (an option commander refused, a bad threshold or
 * configuration file) still logs event 1003: the scheduled check must never fail without a trace.
 */
failureHooks.push(async (error, argv, output) => {
  if (eventLogged || !argv.includes('--event-log') || !argv.includes('expiry')) return {};
  eventLogged = true;
  const account = flagValue(argv, '--account') ?? '(no --account)';
  const suggestion = error instanceof ImpError ? error.suggestion : undefined;
  const message = `UNKNOWN - ${account} cannot check the password expiry: ${errorMessage(error).replace(/^error: /, '')}`;
  const { expiryEventRecord, writeEvent } = await import('../expiry/event-log');
  const event = await writeEvent(expiryEventRecord('UNKNOWN', message, suggestion ? [suggestion] : []), flagValue(argv, '--powershell'));
  if (!event.written) output.note(`warning: the failure was not written to the event log either: ${event.reason}.`);
  return { event };
});

function print(output: Output, report: ExpiryReport): void {
  output.document(report);
  if (output.quiet) output.summary(report.status, report.message);
  else output.line(report.message);
  if (report.status !== 'OK' && !output.json && !output.quiet) {
    for (const fix of report.fix) output.fix(fix);
  }
}
