// imp verify: will the booking system work? Checks the account and its role assignment in the
// Management Shell, then uses EWS exactly as the booking system does (Basic authentication,
// impersonating each room and booker), waiting out RBAC propagation without hiding real faults.
import { Command, Option } from 'commander';
import { ExitCode, ImpError, UsageError, errorMessage } from '../errors';
import { formatDuration, MAX_TIMER_MS, parseDuration } from '../duration';
import { readCaFile } from '../credentials/login';
import { obtainPassword } from '../credentials/password';
import { checkAccount, checkAddress, checkGroupName } from '../exchange/names';
import { UNANSWERED } from '../ews/errors';
import type { Assignment, VerifyResult } from '../exchange/schemas';
import { interruption } from '../interrupt';
import { CHECK_IDS, exitCodeOf, fail, overallStatus, pass, renderReport, skip, warn, type Check } from '../verify/checks';
import { isPropagationDenial, type TargetOutcome } from '../verify/outcome';
import type { PropagationResult } from '../verify/propagation';
import { basicAuthenticationFix, ewsFailureFix, ewsFailureSummary, INSECURE_WARNING } from '../ews/failures';
import { act, CommandContext } from './context';
import type { EwsConnection } from '../ews';
import { formatLocalTime } from '../local-time';
import type { ProbeRecord } from '../report/from-verify';

const SCOPE_FIX = 'Widen the scope to cover them (imp grant --scope-rooms / --scope-group <bookers>, or Set-ManagementScope -RecipientRestrictionFilter), otherwise they double-book.';

/** Exchange's default EWS throttling policy allows 27 concurrent connections per user; stay well under. */
export const DEFAULT_CONCURRENCY = 10;
const DEFAULT_WAIT = '30m';
const DEFAULT_POLL_INTERVAL = '10s';

interface VerifyOptions extends VerifyTargetOptions {
  username?: string;
  ewsUrl?: string;
  wait?: string;
  pollInterval?: string;
  concurrency?: string;
  ca?: string;
  insecure?: boolean;
  passwordStdin?: boolean;
  probe?: 'all' | 'canary';
  report?: string;
  powershell: boolean;
}

const collect = (value: string, all: string[] = []) => [...all, value];

/** The options that decide what the Management Shell part of verify asks (shared with imp script verify). */
export function addVerifyTargetOptions(command: Command): Command {
  return command
    .option('--account <address>', "the service account's primary SMTP address")
    .option('--mailbox <address>', 'a mailbox to impersonate (repeatable)', collect)
    .option('--rooms', 'impersonate every room mailbox')
    .option('--group <name>', 'impersonate every mailbox in this group (repeatable)', collect);
}

export interface VerifyTargetOptions {
  account?: string;
  mailbox?: string[];
  rooms?: boolean;
  group?: string[];
}

/** The verify template's input. */
export function verifyShellParameters(context: CommandContext, options: VerifyTargetOptions) {
  const mailboxes = options.mailbox ?? [];
  for (const m of mailboxes) checkAddress(m, '--mailbox', 'room1@contoso.com');
  return {
    account: checkAccount(context.setting('account', options.account)),
    mailboxes,
    rooms: Boolean(options.rooms),
    groups: (options.group ?? []).map((group) => checkGroupName(group, '--group')),
  };
}

export function verifyCommand(): Command {
  return addVerifyTargetOptions(new Command('verify'))
    .option('--username <logon>', 'logon name for EWS Basic authentication (UPN or DOMAIN\\sam; default: the account address)')
    .option('--ews-url <url>', 'EWS endpoint (default: InternalUrl of the EWS virtual directory)')
    .option('--wait <duration>', `how long after the assignment was created to wait for propagation (default ${DEFAULT_WAIT}; 0 probes once)`)
    .option('--poll-interval <duration>', `first pause between propagation probes, growing after each (default ${DEFAULT_POLL_INTERVAL})`)
    .option('--concurrency <n>', `EWS probes in flight (default ${DEFAULT_CONCURRENCY}, under Exchange's default throttling policy)`)
    .option('--ca <pem>', 'trust this CA certificate (PEM file) for the EWS server, e.g. your internal CA')
    .option('--insecure', 'do not verify the EWS TLS certificate (unsafe; prefer --ca)')
    .option('--password-stdin', 'read the service account password from standard input (default: the OS keychain)')
    .option('--no-powershell', 'skip the Management Shell checks (from a workstation): EWS only')
    .option('--report <file>', 'also write the evidence for a change ticket: a self-contained .html, or .md')
    .addOption(new Option('--probe <which>', 'impersonate every mailbox (all), or only the first one in scope (canary; the scope check still covers all, as imp check does)').choices(['all', 'canary']).default('all'))
    .action(act(async (options: VerifyOptions, command: Command) => runVerify(CommandContext.of(command), options)));
}

interface Settings {
  account: string;
  username: string;
  ewsUrl?: string;
  mailboxes: string[];
  rooms: boolean;
  groups: string[];
  waitMs: number;
  pollIntervalMs: number;
  concurrency: number;
  ca?: string;
  insecure: boolean;
  /** --probe canary: one EWS probe instead of one per mailbox (the scope check still covers every one). */
  canaryOnly: boolean;
}

const MAX_POLL_INTERVAL_MS = 10 * 60_000;

function settingsOf(context: CommandContext, options: VerifyOptions): Settings {
  const { account, mailboxes, rooms, groups } = verifyShellParameters(context, options);
  const concurrencyText = options.concurrency ?? context.config.concurrency?.toString() ?? String(DEFAULT_CONCURRENCY);
  // Digits only: Number() also takes "0x10", "1e1" and " 5".
  const concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : NaN;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) {
    throw new UsageError(`--concurrency "${concurrencyText}" must be a whole number from 1 to 100.`, `Use the default (${DEFAULT_CONCURRENCY}) unless your EWS throttling policy allows more.`);
  }
  if (!options.powershell && (options.rooms || options.group?.length)) {
    throw new UsageError('--rooms and --group need the Management Shell to list mailboxes, and --no-powershell turns it off.', 'Name the mailboxes with --mailbox, or run without --no-powershell.');
  }
  return {
    account,
    username: context.setting('username', options.username) ?? account,
    ewsUrl: context.setting('ewsUrl', options.ewsUrl),
    mailboxes,
    rooms,
    groups,
    waitMs: parseDuration(context.setting('wait', options.wait) ?? DEFAULT_WAIT, '--wait', { max: MAX_TIMER_MS }),
    // Exchange takes up to 30 minutes to propagate a grant: probing less often than every 10 minutes only delays the pass.
    pollIntervalMs: Math.max(100, parseDuration(context.setting('pollInterval', options.pollInterval) ?? DEFAULT_POLL_INTERVAL, '--poll-interval', { max: MAX_POLL_INTERVAL_MS })),
    concurrency,
    ca: readCaFile(context.setting('ca', options.ca)),
    insecure: Boolean(options.insecure),
    canaryOnly: options.probe === 'canary',
  };
}

async function runVerify(context: CommandContext, options: VerifyOptions): Promise<ExitCode> {
  const settings = settingsOf(context, options);
  const { checkReportFile } = await import('../report/from-verify');
  const reportFile = checkReportFile(options.report);
  const output = context.output;
  const checks = new Map<string, Check>();
  const record = (check: Check) => checks.set(check.id, check);
  const timings = { powershellMs: 0, ewsMs: 0 };
  const started = Date.now();

  // 1. What the Management Shell says.
  let exchange: VerifyResult | undefined;
  if (options.powershell) {
    const parameters = { account: settings.account, mailboxes: settings.mailboxes, rooms: settings.rooms, groups: settings.groups };
    const { verifyResultSchema } = await import('../exchange/schemas'); // zod: loaded only when needed
    exchange = (await context.exchange().run('verify', parameters, verifyResultSchema)).result;
    await context.dispose(); // everything from PowerShell is in hand; free the process during the EWS part
    timings.powershellMs = Date.now() - started;
    for (const check of exchangeChecks(settings, exchange)) record(check);
  } else {
    for (const id of ['rbac.assignment', 'rbac.scope', 'ews.vdir'] as const) record(skip(id, 'not checked: --no-powershell'));
  }
  const assignment = newestAssignment(exchange);

  // 2. EWS, as the booking system uses it.
  const vdir = settings.ewsUrl ? undefined : exchange?.vdirs.find((v) => v.internalUrl);
  const url = settings.ewsUrl ?? vdir?.internalUrl ?? undefined;
  if (!url) throw new UsageError('No EWS URL: none was given and no EWS virtual directory has an InternalUrl.', 'Pass --ews-url https://<server>/EWS/Exchange.asmx.');
  const { assertOnPremisesUrl } = await import('../ews');
  try {
    assertOnPremisesUrl(url, vdir ? { virtualDirectory: vdir.identity, property: 'InternalUrl' } : { flag: '--ews-url' });
  } catch (error) {
    throw new ImpError('EWS_URL_REFUSED', errorMessage(error), { exitCode: ExitCode.UNKNOWN, suggestion: (error as { suggestion?: string }).suggestion ?? 'Pass the on-premises EWS URL, e.g. https://mail.contoso.com/EWS/Exchange.asmx.' });
  }
  // An alias: the credential, and the default logon name, are those of the primary address (issue 11.4).
  let credentialAccount = exchange?.mailbox && !exchange.mailbox.isPrimary ? exchange.mailbox.primarySmtpAddress : settings.account;
  let password: string;
  try {
    password = (await obtainPassword(credentialAccount, options.passwordStdin)).password;
  } catch (error) {
    const { credentialOfAlias } = await import('../credentials/alias');
    const viaAlias = !options.passwordStdin && (error as { code?: string }).code === 'CREDENTIAL_NOT_STORED'
      ? await credentialOfAlias(settings.account, (owner, secret) => ({ url, username: owner, password: secret, ca: settings.ca, insecure: settings.insecure }))
      : undefined;
    if (!viaAlias) throw error;
    credentialAccount = viaAlias.primary;
    password = viaAlias.password;
  }
  if (credentialAccount !== settings.account) {
    output.warn(`${settings.account} is an alias of ${credentialAccount}: verify uses the password stored for ${credentialAccount}; configure the booking system with ${credentialAccount}.`);
    if (settings.username === settings.account) settings.username = credentialAccount;
  }
  const connection: EwsConnection = { url, username: settings.username, password, ca: settings.ca, insecure: settings.insecure };
  if (settings.insecure) output.warn(INSECURE_WARNING);

  const { probeLogin, resolveName, closeAllEwsConnections } = await import('../ews');
  const ewsStarted = Date.now();
  let unanswered = false;
  const done = (propagation?: PropagationResult) => {
    timings.ewsMs = Date.now() - ewsStarted;
    const code = finish(context, settings.account, url, checks, timings, propagation, unanswered);
    if (reportFile) writeVerifyReport(context, reportFile, settings, exchange, url, checks, propagation, started, unanswered);
    return code;
  };
  try {
    const login = await probeLogin(connection, settings.account, { signal: interruption.signal });
    unanswered = !login.ok && UNANSWERED.has(login.failure.kind);
    if (login.ok) {
      record(
        settings.insecure
          ? warn('ews.login', `Basic authentication as ${settings.username} works at ${url}, but the certificate was not verified (--insecure).`, { fix: 'Trust the issuing CA with --ca <pem> and drop --insecure.' })
          : pass('ews.login', `Basic authentication as ${settings.username} works at ${url}.`),
      );
    } else {
      record(fail('ews.login', ewsFailureSummary(login.failure, settings), ewsFailureFix(login.failure, settings, exchange), { code: login.failure.code ?? login.failure.kind }));
    }

    if (!options.powershell) {
      if (!login.ok) record(skip('account.mailbox', 'not checked: ews.login failed'));
      else {
        const resolved = await resolveName(connection, settings.account, { signal: interruption.signal });
        record(mailboxCheckFromEws(settings.account, resolved.ok ? resolved.value : undefined, resolved.ok ? undefined : resolved.failure.message));
      }
    }

    if (!login.ok) record(skip('ews.impersonation', 'not run: ews.login failed'));
    else {
      const { check, propagation } = await impersonationCheck(context, settings, connection, exchange, assignment);
      record(check);
      if (propagation) return done(propagation);
    }
  } finally {
    closeAllEwsConnections();
  }
  return done();
}

/** --report: the evidence of this run for a change ticket. */
function writeVerifyReport(context: CommandContext, file: string, settings: Settings, exchange: VerifyResult | undefined, url: string, checks: Map<string, Check>, propagation: PropagationResult | undefined, startedAt: number, unanswered: boolean): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildVerifyReport, writeReport } = require('../report/from-verify') as typeof import('../report/from-verify');
  const ordered = CHECK_IDS.map((id) => checks.get(id)).filter((c): c is Check => Boolean(c));
  const shellParameters = { account: settings.account, mailboxes: settings.mailboxes, rooms: settings.rooms, groups: settings.groups };
  const report = buildVerifyReport({
    account: settings.account,
    powershell: exchange !== undefined,
    shellParameters,
    shellTitle: 'imp verify, Management Shell checks (changes nothing)',
    exchange,
    ewsUrl: url,
    checks: ordered,
    status: overallStatus(ordered, propagation?.ended === 'interrupted' || interruption.interrupted || unanswered),
    propagation: propagation && { attempts: propagation.attempts, waitedMs: propagation.waitedMs, ended: propagation.ended, timeline: (propagation as PropagationResult & { timeline?: ProbeRecord[] }).timeline },
    startedAt,
  }, context.globals);
  writeReport(file, report);
  context.output.line(`Report written to ${file}.`);
}

function finish(context: CommandContext, account: string, ewsUrl: string, checks: Map<string, Check>, timings: { powershellMs: number; ewsMs: number }, propagation?: PropagationResult, unanswered = false): ExitCode {
  const ordered = CHECK_IDS.map((id) => checks.get(id)).filter((c): c is Check => Boolean(c));
  const interrupted = propagation?.ended === 'interrupted' || interruption.interrupted;
  // Exchange unreachable, or answering with no SOAP: nothing was learnt about the account (UNKNOWN, as the README says).
  const status = overallStatus(ordered, interrupted || unanswered);
  const output = context.output;
  output.endProgress();
  output.document({
    status,
    account,
    ewsUrl,
    checks: ordered,
    ...(propagation ? { propagation: { attempts: propagation.attempts, waitedMs: propagation.waitedMs } } : {}),
    timings,
  });
  output.debug(`timings: Management Shell ${formatDuration(timings.powershellMs)}, EWS ${formatDuration(timings.ewsMs)}`);
  for (const line of renderReport(ordered, status, { width: output.columns, paint: (level, text) => output.paintLevel(level, text), verbose: output.verbose })) output.line(line);
  if (interrupted) output.warn('interrupted: the report shows what was checked so far.');
  return exitCodeOf(status);
}

function newestAssignment(exchange: VerifyResult | undefined): Assignment | undefined {
  const enabled = (exchange?.assignments ?? []).filter((a) => a.enabled);
  return enabled.sort((a, b) => Date.parse(b.whenCreatedUTC ?? '') - Date.parse(a.whenCreatedUTC ?? ''))[0];
}

function exchangeChecks(settings: Settings, exchange: VerifyResult): Check[] {
  const checks: Check[] = [];
  const mailbox = exchange.mailbox;
  if (!mailbox) {
    checks.push(fail('account.mailbox', exchange.mailboxError ?? `${settings.account} has no mailbox.`, `Give the service account a mailbox (Enable-Mailbox) and use its primary SMTP address.`));
  } else if (!mailbox.isPrimary) {
    checks.push(
      fail('account.mailbox', `${settings.account} is an alias; the primary SMTP address of ${mailbox.name}'s mailbox is ${mailbox.primarySmtpAddress}.`, `Use ${mailbox.primarySmtpAddress} with --account and in the booking system.`, { code: 'ErrorNonPrimarySmtpAddress' }),
    );
  } else if (mailbox.accountDisabled) {
    checks.push(fail('account.mailbox', `The AD account of ${mailbox.name} (${settings.account}) is disabled.`, `Enable the account in Active Directory (Enable-ADAccount).`));
  } else {
    checks.push(pass('account.mailbox', `${settings.account} is the primary SMTP address of ${mailbox.name}'s mailbox, and the account is enabled.`));
  }

  const assignments = exchange.assignments.filter((a) => a.enabled);
  if (!mailbox) checks.push(skip('rbac.assignment', 'not checked: no mailbox'));
  else if (!assignments.length) {
    checks.push(fail('rbac.assignment', `No enabled ApplicationImpersonation assignment reaches ${mailbox.name}.`, `imp grant --account ${mailbox.primarySmtpAddress}`));
  } else {
    const described = assignments.map((a) => `"${a.name}"${a.assignmentChain ? ` through ${a.assignmentChain}` : ''}, created ${a.whenCreatedUTC ? formatLocalTime(Date.parse(a.whenCreatedUTC)) : 'at an unknown time'}`);
    checks.push(pass('rbac.assignment', `ApplicationImpersonation reaches ${mailbox.name}: ${described.join('; ')}.`));
  }

  if (!assignments.length) checks.push(skip('rbac.scope', 'not checked: no assignment'));
  else if (!exchange.scopes.length) checks.push(pass('rbac.scope', 'The assignment is organisation-wide: every mailbox is in scope.'));
  else {
    const outside = exchange.targets.filter((t) => !t.inScope);
    // The name in the sentence; the filter (often a long OPATH string) on its own line.
    const names = exchange.scopes.map((s) => `"${s.name}"`).join(', ');
    const detail = exchange.scopes.map((s) => `filter of "${s.name}": ${s.filter}`).join('\n');
    const total = exchange.targets.length;
    checks.push(
      !total
        ? skip('rbac.scope', `No rooms or bookers were named, so nothing was checked against the scope ${names} (add --rooms, --group or --mailbox).`)
        : outside.length
          ? fail('rbac.scope', `${outside.length} of ${countMailboxes(total)} fall outside the assignment's scope ${names}.`, SCOPE_FIX, {
              detail,
              mailboxes: outside.map((t) => ({ address: t.address, status: 'fail' as const })),
            })
          : pass('rbac.scope', `${total === 1 ? 'The mailbox is' : `All ${total} mailboxes are`} inside the scope ${names}.`, { detail }),
    );
  }

  const url = settings.ewsUrl ? safeUrl(settings.ewsUrl) : undefined;
  const serving = exchange.vdirs.filter((v) => url && [v.internalUrl, v.externalUrl].some((u) => u && safeUrl(u)?.host.toLowerCase() === url.host.toLowerCase()));
  const relevant = serving.length ? serving : exchange.vdirs;
  const basicOff = relevant.filter((v) => !v.basicAuthentication);
  if (!relevant.length) checks.push(warn('ews.vdir', 'No EWS virtual directory was found.', { fix: 'Check Get-WebServicesVirtualDirectory on the Exchange server.' }));
  else if (basicOff.length) {
    checks.push(
      fail('ews.vdir', `Basic authentication is off on ${basicOff.map((v) => v.identity).join(', ')}; the booking system cannot log in to EWS.`, basicAuthenticationFix(basicOff)),
    );
  } else checks.push(pass('ews.vdir', `Basic authentication is on for ${relevant.map((v) => v.identity).join(', ')}.`));
  return checks;
}

/** "1 mailbox", "3 mailboxes". */
function countMailboxes(count: number): string {
  return `${count} ${count === 1 ? 'mailbox' : 'mailboxes'}`;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function mailboxCheckFromEws(account: string, resolved: { primarySmtpAddress: string; name: string } | null | undefined, error?: string): Check {
  if (error) return fail('account.mailbox', `ResolveNames for ${account} failed: ${error}`, 'Check the address, or run verify where the Management Shell is available.');
  if (!resolved) return fail('account.mailbox', `EWS finds no mailbox for ${account}.`, 'Give the service account a mailbox and use its primary SMTP address.', { code: 'ErrorNameResolutionNoResults' });
  if (resolved.primarySmtpAddress.toLowerCase() !== account.toLowerCase()) {
    return fail('account.mailbox', `${account} is an alias; the primary SMTP address of ${resolved.name}'s mailbox is ${resolved.primarySmtpAddress}.`, `Use ${resolved.primarySmtpAddress} with --account and in the booking system.`, { code: 'ErrorNonPrimarySmtpAddress' });
  }
  return pass('account.mailbox', `${account} is the primary SMTP address of ${resolved.name}'s mailbox (EWS ResolveNames).`);
}

async function impersonationCheck(
  context: CommandContext,
  settings: Settings,
  connection: EwsConnection,
  exchange: VerifyResult | undefined,
  assignment: Assignment | undefined,
): Promise<{ check: Check; propagation?: PropagationResult }> {
  const output = context.output;
  const { probeTargets } = await import('../verify/impersonation');
  const { waitForPropagation } = await import('../verify/propagation');
  const inScope = new Map((exchange?.targets ?? []).map((t) => [t.address.toLowerCase(), t.inScope]));
  // Unknown mailboxes are probed as given: EWS answers ErrorNonExistentMailbox for them itself.
  const addresses = [...(exchange ? exchange.targets.map((t) => t.address) : settings.mailboxes), ...(exchange?.targetErrors.map((e) => e.requested) ?? [])];
  if (!addresses.length) {
    return { check: warn('ews.impersonation', 'No mailbox to impersonate was given, so impersonation was not tested.', { fix: 'Add --rooms, --group <bookers> and/or --mailbox <address>.' }) };
  }
  const probeOptions = {
    signal: interruption.signal,
    onRetry: ({ failure, waitMs }: { failure: { kind: string }; waitMs: number }) => output.debug(`EWS ${failure.kind}: retrying in ${formatDuration(waitMs)}`),
  };
  const probeAll = (list: readonly string[]) => probeTargets(connection, list, settings.concurrency, probeOptions);

  // The wait window runs from the assignment's creation (when the Management Shell told us), else from now.
  const created = assignment?.whenCreatedUTC ? Date.parse(assignment.whenCreatedUTC) : undefined;
  const deadline = (created ?? Date.now()) + settings.waitMs;
  const mayStillPropagate = settings.waitMs > 0 && Date.now() < deadline && (!exchange || assignment !== undefined);
  const canary = addresses.find((a) => inScope.get(a.toLowerCase()) !== false) ?? addresses[0];

  let propagation: PropagationResult | undefined;
  const timeline: ProbeRecord[] = [];
  if (mayStillPropagate) {
    propagation = await waitForPropagation({
      deadline,
      pollIntervalMs: settings.pollIntervalMs,
      signal: interruption.signal,
      probe: async () => {
        const outcome = (await probeAll([canary]))[0] ?? { address: canary, ok: false };
        timeline.push({ at: Date.now(), attempt: timeline.length + 1, address: canary, ok: outcome.ok, code: outcome.failure?.code ?? outcome.failure?.kind });
        return outcome;
      },
      progress: (line) => output.progress(line),
    });
    Object.assign(propagation, { timeline });
    output.endProgress();
    if (propagation.ended === 'interrupted') {
      return { check: fail('ews.impersonation', `Interrupted while waiting for propagation (${propagation.attempts} probe(s) of ${canary}, all denied).`, 'Run imp verify again later.', { code: 'ErrorImpersonateUserDenied' }), propagation };
    }
  }
  const probed = settings.canaryOnly ? [canary] : addresses;
  const outcomes = await probeAll(probed);
  const check = summarise(outcomes, probed.length, settings, exchange, assignment, inScope, propagation);
  return { check, propagation };
}

function summarise(
  outcomes: TargetOutcome[],
  total: number,
  settings: Settings,
  exchange: VerifyResult | undefined,
  assignment: Assignment | undefined,
  inScope: Map<string, boolean>,
  propagation: PropagationResult | undefined,
): Check {
  const mailboxes = outcomes.map((o) => ({ address: o.address, status: o.ok ? ('pass' as const) : ('fail' as const), ...(o.failure?.code ? { code: o.failure.code } : o.failure ? { code: o.failure.kind } : {}) }));
  const failed = outcomes.filter((o) => !o.ok);
  if (outcomes.length < total) {
    return fail('ews.impersonation', `Interrupted after ${outcomes.length} of ${total} mailboxes.`, 'Run imp verify again.', { mailboxes });
  }
  if (!failed.length) {
    const waited = propagation && propagation.attempts > 1 ? ` after waiting ${formatDuration(propagation.waitedMs)} for propagation (${propagation.attempts} probes)` : '';
    const which = settings.canaryOnly ? `the canary mailbox ${outcomes[0]?.address}` : total === 1 ? `the mailbox ${outcomes[0]?.address}` : `all ${total} mailboxes`;
    return pass('ews.impersonation', `${settings.account} can impersonate ${which}${waited}.`, { mailboxes });
  }
  const first = failed[0].failure!;
  const codes = [...new Set(failed.map((f) => f.failure?.code ?? f.failure?.kind ?? 'unknown'))];
  const denied = failed.filter(isPropagationDenial);
  const deniedInScope = denied.filter((d) => inScope.get(d.address.toLowerCase()) !== false);
  let fix = ewsFailureFix(first, settings, exchange);
  let message = `${failed.length} of ${countMailboxes(total)} cannot be impersonated (${codes.join(', ')}).`;
  if (denied.length && !deniedInScope.length && failed.length === denied.length && exchange?.scopes.length) {
    message += ' They are outside the assignment\'s management scope (see rbac.scope).';
    fix = SCOPE_FIX;
  } else if (deniedInScope.length && failed.length === denied.length) {
    const age = assignment?.whenCreatedUTC ? Date.now() - Date.parse(assignment.whenCreatedUTC) : undefined;
    if (exchange && !assignment) {
      fix = `imp grant --account ${settings.account}`;
    } else if (age !== undefined && age >= settings.waitMs && settings.waitMs > 0) {
      message += ` The assignment "${assignment!.name}" is ${formatDuration(age)} old, past the ${formatDuration(settings.waitMs)} propagation window: this is not a propagation delay.`;
      fix = 'Check the assignment\'s scope (rbac.scope), that the booking system uses this account, and that the right assignment was granted.';
    } else {
      message += propagation
        ? ` The role had not reached EWS after waiting ${formatDuration(propagation.waitedMs)} (${propagation.attempts} probes).`
        : ' The role may not have reached EWS yet (Exchange takes up to 30 minutes).';
      fix = 'Wait for propagation: imp verify --wait 30m (counted from the assignment\'s creation).';
    }
  }
  return fail('ews.impersonation', message, fix, { code: first.code ?? first.kind, mailboxes });
}
