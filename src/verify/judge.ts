// The judge of `imp verify`: a pure function of (settings, evidence, now) that turns what was gathered into
// the seven checks and the overall status. "Why did ews.impersonation say X?" is answered here, and only here.
import { formatDuration } from '../duration';
import { UNANSWERED } from '../ews/errors';
import { basicAuthenticationFix, ewsFailureFix, ewsFailureSummary } from '../ews/failures';
import type { VerifyResult } from '../exchange/schemas';
import { shellArgument, verifyCommandLine } from '../exchange/next-steps';
import { describeMissing } from '../exchange/not-found';
import { formatLocalTime } from '../local-time';
import { worst } from '../monitoring';
import { CHECK_IDS, fail, overallStatus, pass, skip, warn, type Check, type OverallStatus } from './checks';
import { canaryOf, inScope, newestAssignment, probedAddresses, type Evidence } from './evidence';
import { isPropagationDenial, type TargetOutcome } from './outcome';
import type { VerifySettings } from './settings';

/** Exchange's own word: a new role assignment can take up to 30 minutes to reach EWS. */
export const EXCHANGE_PROPAGATION_MS = 30 * 60_000;

export interface Verdict {
  status: OverallStatus;
  /** In CHECK_IDS order. */
  checks: Check[];
  /** The run was cut short: what is reported is what was checked so far. */
  interrupted: boolean;
}

export const SCOPE_FIX = 'Widen the scope with the command rbac.scope gives, otherwise they double-book.';

export function judge(settings: VerifySettings, evidence: Evidence, now: Date): Verdict {
  const { exchange } = evidence;
  const checks: Check[] = exchange
    ? [...exchangeChecks(settings, exchange, evidence.nearMatches ?? []), targetsCheck(exchange, evidence.nearMatches ?? [])]
    : [
        evidence.login.ok ? mailboxCheckFromEws(settings.account, evidence.resolved) : skip('account.mailbox', 'not checked: ews.login failed'),
        skip('targets.found', 'not checked: --no-powershell (EWS answers ErrorNonExistentMailbox for an unknown --mailbox)'),
        ...(['rbac.assignment', 'rbac.scope', 'ews.vdir'] as const).map((id) => skip(id, 'not checked: --no-powershell')),
      ];
  checks.push(loginCheck(settings, evidence), impersonationCheck(settings, evidence, now));
  const ordered = CHECK_IDS.map((id) => checks.find((c) => c.id === id)).filter((c): c is Check => Boolean(c));
  const interrupted = evidence.interrupted || evidence.propagation?.ended === 'interrupted';
  // Exchange unreachable, or answering with no SOAP: nothing was learnt about the account (UNKNOWN, as the README says).
  const unanswered = 'failure' in evidence.login && UNANSWERED.has(evidence.login.failure.kind);
  // An --account, --mailbox or --group Exchange does not know is bad input: UNKNOWN (exit 3), as any bad flag is, while
  // a fault the other checks found still outranks it (CRITICAL), as in monitoring's worst().
  const accountUnknown = unknownAccount(settings, evidence);
  const others = ordered.filter((c) => c.id !== 'targets.found' && !(accountUnknown && c.id === 'account.mailbox'));
  const badInput = Boolean(exchange?.targetErrors.length) || accountUnknown;
  const status = overallStatus(others, interrupted || unanswered);
  return { status: badInput ? worst(status, 'UNKNOWN') : status, checks: ordered, interrupted };
}

/**
 * targets.found: every --mailbox and --group named is one Exchange knows. One it does not know is reported
 * here, with the flag, the value and what Exchange has by a similar name; the others are checked as usual.
 */
export function targetsCheck(exchange: VerifyResult, nearMatches: NonNullable<Evidence['nearMatches']>): Check {
  if (!exchange.mailbox) return skip('targets.found', 'not checked: no mailbox');
  if (!exchange.targetErrors.length) {
    return exchange.targets.length
      ? pass('targets.found', `Exchange knows every room, group and mailbox named: ${countMailboxes(exchange.targets.length)} to check.`)
      : skip('targets.found', 'No rooms, groups or mailboxes were named.');
  }
  const messages: string[] = [];
  const fixes: string[] = [];
  for (const error of exchange.targetErrors) {
    const flag = error.kind === 'group' ? '--group' : '--mailbox';
    if (error.notFound) {
      const near = nearMatches.find((n) => n.kind === error.kind && n.value === error.requested)?.near;
      const described = describeMissing({ flag, value: error.requested, kind: error.kind }, near);
      messages.push(described.message);
      fixes.push(described.suggestion);
    } else {
      messages.push(`${flag} "${error.requested}": ${error.message}`);
      fixes.push(`Check ${flag} "${error.requested}" in the Management Shell (${error.kind === 'group' ? 'Get-Group' : 'Get-Recipient'} -Identity).`);
    }
  }
  const others = exchange.targets.length;
  const checked = others ? ` The other ${countMailboxes(others)} ${others === 1 ? 'was' : 'were'} checked.` : '';
  return fail('targets.found', `${messages.join(' ')}${checked}`, [...new Set(fixes)].join(' '), { code: 'ManagementObjectNotFoundException' });
}

/** --account names nothing Exchange knows, not even an AD user without a mailbox: bad input, as for any flag. */
function unknownAccount(settings: VerifySettings, evidence: Evidence): boolean {
  return Boolean(evidence.exchange?.mailboxNotFound) && !accountNearMatches(settings, evidence.nearMatches ?? [])?.userWithoutMailbox;
}

function accountNearMatches(settings: VerifySettings, nearMatches: NonNullable<Evidence['nearMatches']>) {
  return nearMatches.find((n) => n.kind === 'mailbox' && n.value === settings.account)?.near;
}

function exchangeChecks(settings: VerifySettings, exchange: VerifyResult, nearMatches: NonNullable<Evidence['nearMatches']>): Check[] {
  const checks: Check[] = [];
  const mailbox = exchange.mailbox;
  if (!mailbox && exchange.mailboxNotFound) {
    // The flag, the value, and what Exchange has by a similar name, or Enable-Mailbox for an AD user without one.
    const { message, suggestion } = describeMissing({ flag: '--account', value: settings.account, kind: 'mailbox' }, accountNearMatches(settings, nearMatches));
    checks.push(fail('account.mailbox', message, suggestion, { code: 'ManagementObjectNotFoundException' }));
  } else if (!mailbox) {
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
  else checks.push(scopeCheck(settings, exchange));
  checks.push(vdirCheck(settings, exchange));
  return checks;
}

/**
 * rbac.scope. Exchange decided who is inside (targets[].inScope: Get-Recipient with each scope's own filter and
 * root); this says why the others are not: an exclusive scope that blocks them (even an organisation-wide
 * assignment), or a scope group they reach only through a nested group (MemberOfGroup reaches direct members only).
 */
export function scopeCheck(settings: Pick<VerifySettings, 'account'>, exchange: VerifyResult): Check {
  const outside = exchange.targets.filter((t) => !t.inScope);
  if (!exchange.scopes.length && !outside.length) return pass('rbac.scope', 'The assignment is organisation-wide: every mailbox is in scope.');
  // The name in the sentence; the filter (often a long OPATH string) on its own line.
  const names = exchange.scopes.map((s) => `"${s.name}"`).join(', ');
  const detail = exchange.scopes.map((s) => `filter of "${s.name}": ${s.filter}`).join('\n');
  const total = exchange.targets.length;
  if (!total && exchange.targetErrors.length) return skip('rbac.scope', 'not checked: Exchange found none of the rooms, groups or mailboxes named (see targets.found).');
  if (!total) return skip('rbac.scope', `No rooms or bookers were named, so nothing was checked against the scope ${names} (add --rooms, --group or --mailbox).`);
  if (!outside.length) return pass('rbac.scope', `${total === 1 ? 'The mailbox is' : `All ${total} mailboxes are`} inside the scope ${names}.`, { detail });

  const reasons: string[] = [];
  const fixes: string[] = [];
  const blocked = outside.filter((t) => t.blockedBy);
  if (blocked.length) {
    const exclusive = [...new Set(blocked.flatMap((t) => t.blockedBy!.split(', ')))];
    reasons.push(`${blocked.map((t) => t.address).join(', ')} ${blocked.length === 1 ? 'is' : 'are'} in the exclusive scope ${exclusive.map((e) => `"${e}"`).join(', ')}, which blocks every assignment that does not use it.`);
    fixes.push(`Take them out of the exclusive scope, or give the account an assignment with it: New-ManagementRoleAssignment -Role ApplicationImpersonation -User ${settings.account} -ExclusiveRecipientWriteScope '${exclusive[0]}'.`);
  }
  const nested = outside.filter((t) => t.nestedVia);
  for (const t of nested) {
    reasons.push(`${t.address} is in "${t.nestedVia!.scopeGroup}" only through the nested group "${t.nestedVia!.nestedGroup}", and a scope's MemberOfGroup reaches direct members only.`);
  }
  if (nested.length) {
    const via = nested[0].nestedVia!;
    const command = widenCommand(settings, exchange, [], [via.scopeGroup, ...nested.map((t) => t.nestedVia!.nestedGroup)]);
    fixes.push(`Add ${nested.length === 1 ? nested[0].address : 'them'} to "${via.scopeGroup}" directly, or add the nested group to the scope: ${command}.`);
  }
  const plain = outside.filter((t) => !t.blockedBy && !t.nestedVia);
  if (plain.length) {
    // A complete command (issue 11.7): the account, the rooms and every booker group, old and new; grant changes imp's scope in place.
    const groups = plain.flatMap((t) => (t.source.startsWith('group:') ? [t.source.slice('group:'.length)] : []));
    fixes.push(`Widen the scope to cover them: ${widenCommand(settings, exchange, plain, groups)} (or Set-ManagementScope -RecipientRestrictionFilter), otherwise they double-book.`);
  }
  const where = exchange.scopes.length ? `the assignment's scope ${names}` : "the assignment's reach";
  return fail('rbac.scope', [`${outside.length} of ${countMailboxes(total)} fall outside ${where}.`, ...reasons].join(' '), fixes.join(' '), {
    ...(detail ? { detail } : {}),
    mailboxes: outside.map((t) => ({ address: t.address, status: 'fail' as const })),
  });
}

/** The grant that brings the account's scope to its groups and rooms so far plus the ones given. */
function widenCommand(settings: Pick<VerifySettings, 'account'>, exchange: VerifyResult, outside: VerifyResult['targets'], groups: string[]): string {
  const rooms = exchange.scopes.some((s) => /RoomMailbox/i.test(s.filter)) || outside.some((t) => t.type === 'RoomMailbox') ? ' --scope-rooms' : '';
  const scopeGroups = exchange.scopes.flatMap((s) => [...s.filter.matchAll(/MemberOfGroup -eq '((?:[^']|'')*)'/gi)].map((m) => /^CN=((?:[^,\\]|\\.)*)/i.exec(m[1].replace(/''/g, "'"))?.[1] ?? m[1]));
  const flags = [...new Set([...scopeGroups, ...groups])].map((g) => ` --scope-group ${shellArgument(g)}`).join('');
  return `imp grant --account ${shellArgument(settings.account)}${rooms}${flags}`;
}

/** Basic authentication on the virtual directories that serve the given --ews-url (all of them otherwise). */
function vdirCheck(settings: VerifySettings, exchange: VerifyResult): Check {
  const url = settings.ewsUrl ? safeUrl(settings.ewsUrl) : undefined;
  const serving = exchange.vdirs.filter((v) => url && [v.internalUrl, v.externalUrl].some((u) => u && safeUrl(u)?.host.toLowerCase() === url.host.toLowerCase()));
  if (exchange.vdirError) {
    // The admin's roles do not grant Get-WebServicesVirtualDirectory: not a fault of the EWS set-up.
    return warn('ews.vdir', `${exchange.vdirError} Basic authentication on the EWS virtual directory was not checked.`, {
      fix: 'Run verify as an admin who holds the role, or check it by hand: Get-WebServicesVirtualDirectory -ADPropertiesOnly | Format-List Identity, BasicAuthentication.',
    });
  }
  const relevant = serving.length ? serving : exchange.vdirs;
  const basicOff = relevant.filter((v) => !v.basicAuthentication);
  if (!relevant.length) return warn('ews.vdir', 'No EWS virtual directory was found.', { fix: 'Check Get-WebServicesVirtualDirectory on the Exchange server.' });
  if (basicOff.length) {
    return fail('ews.vdir', `Basic authentication is off on ${basicOff.map((v) => v.identity).join(', ')}; the booking system cannot log in to EWS.`, basicAuthenticationFix(basicOff));
  }
  return pass('ews.vdir', `Basic authentication is on for ${relevant.map((v) => v.identity).join(', ')}.`);
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

function mailboxCheckFromEws(account: string, resolved: Evidence['resolved']): Check {
  if (resolved && !resolved.ok) return fail('account.mailbox', `ResolveNames for ${account} failed: ${resolved.message}`, 'Check the address, or run verify where the Management Shell is available.');
  const name = resolved?.value;
  if (!name) return fail('account.mailbox', `EWS finds no mailbox for ${account}.`, 'Give the service account a mailbox and use its primary SMTP address.', { code: 'ErrorNameResolutionNoResults' });
  if (name.primarySmtpAddress.toLowerCase() !== account.toLowerCase()) {
    return fail('account.mailbox', `${account} is an alias; the primary SMTP address of ${name.name}'s mailbox is ${name.primarySmtpAddress}.`, `Use ${name.primarySmtpAddress} with --account and in the booking system.`, { code: 'ErrorNonPrimarySmtpAddress' });
  }
  return pass('account.mailbox', `${account} is the primary SMTP address of ${name.name}'s mailbox (EWS ResolveNames).`);
}

function loginCheck(settings: VerifySettings, evidence: Evidence): Check {
  const { login, url, username } = evidence;
  const who = { account: settings.account, username };
  if ('notRun' in login) return skip('ews.login', `not run: ${login.notRun}`);
  if (!login.ok) return fail('ews.login', ewsFailureSummary(login.failure, who), ewsFailureFix(login.failure, who, evidence.exchange), { code: login.failure.code ?? login.failure.kind });
  return settings.insecure
    ? warn('ews.login', `Basic authentication as ${username} works at ${url}, but the certificate was not verified (--insecure).`, { fix: 'Trust the issuing CA with --ca <pem> and drop --insecure.' })
    : pass('ews.login', `Basic authentication as ${username} works at ${url}.`);
}

function impersonationCheck(settings: VerifySettings, evidence: Evidence, now: Date): Check {
  if ('notRun' in evidence.login) return skip('ews.impersonation', `not run: ${evidence.login.notRun}`);
  if (!evidence.login.ok) return skip('ews.impersonation', 'not run: ews.login failed');
  const total = probedAddresses(settings, evidence.exchange).length;
  if (!total && evidence.exchange?.targetErrors.length) return skip('ews.impersonation', 'not run: Exchange found none of the rooms, groups or mailboxes named (see targets.found).');
  if (!total) return warn('ews.impersonation', 'No mailbox to impersonate was given, so impersonation was not tested.', { fix: 'Add --rooms, --group <bookers> and/or --mailbox <address>.' });
  const { propagation } = evidence;
  if (propagation?.ended === 'interrupted') {
    return fail('ews.impersonation', `Interrupted while waiting for propagation (${propagation.attempts} probe(s) of ${canaryOf(settings, evidence.exchange)}, all denied).`, `Run it again later: ${verifyAgain(settings)}.`, { code: 'ErrorImpersonateUserDenied' });
  }
  return summarise(settings, evidence, evidence.impersonation ?? [], total, now);
}

function summarise(settings: VerifySettings, evidence: Evidence, outcomes: TargetOutcome[], total: number, now: Date): Check {
  const { exchange, propagation } = evidence;
  const mailboxes = outcomes.map((o) => ({ address: o.address, status: o.ok ? ('pass' as const) : ('fail' as const), ...(o.failure?.code ? { code: o.failure.code } : o.failure ? { code: o.failure.kind } : {}) }));
  const failed = outcomes.filter((o) => !o.ok);
  if (outcomes.length < total) {
    return fail('ews.impersonation', `Interrupted after ${outcomes.length} of ${total} mailboxes.`, `Run it again: ${verifyAgain(settings)}.`, { mailboxes });
  }
  if (!failed.length) {
    const waited = propagation && propagation.attempts > 1 ? ` after waiting ${formatDuration(propagation.waitedMs)} for propagation (${propagation.attempts} probes)` : '';
    const which = settings.canaryOnly ? `the canary mailbox ${outcomes[0]?.address}` : total === 1 ? `the mailbox ${outcomes[0]?.address}` : `all ${total} mailboxes`;
    return pass('ews.impersonation', `${settings.account} can impersonate ${which}${waited}.`, { mailboxes });
  }
  const first = failed[0].failure!;
  const codes = [...new Set(failed.map((f) => f.failure?.code ?? f.failure?.kind ?? 'unknown'))];
  const denied = failed.filter(isPropagationDenial);
  const deniedInScope = denied.filter((d) => inScope(exchange, d.address) !== false);
  let fix = ewsFailureFix(first, { account: settings.account, username: evidence.username }, exchange);
  let message = `${failed.length} of ${countMailboxes(total)} cannot be impersonated (${codes.join(', ')}).`;
  if (denied.length && !deniedInScope.length && failed.length === denied.length && exchange?.scopes.length) {
    message += ' They are outside the assignment\'s management scope (see rbac.scope).';
    fix = SCOPE_FIX;
  } else if (deniedInScope.length && failed.length === denied.length) {
    const diagnosis = propagationDiagnosis(settings, evidence, now);
    message += diagnosis.message;
    fix = diagnosis.fix;
  }
  return fail('ews.impersonation', message, fix, { code: first.code ?? first.kind, mailboxes });
}

/** The same checks again, as a complete command (issue 11.7); --wait counts from the assignment's creation. */
function verifyAgain(settings: VerifySettings): string {
  return verifyCommandLine({ account: settings.account, rooms: settings.rooms, groups: settings.groups, mailboxes: settings.mailboxes }, {});
}

/**
 * Denied inside the scope: is the role still on its way? Exchange takes up to 30 minutes, counted from the
 * assignment's creation, whatever --wait the admin chose (issue 11.2); past that, waiting longer will not help.
 */
function propagationDiagnosis(settings: VerifySettings, evidence: Evidence, now: Date): { message: string; fix: string } {
  const { exchange, propagation } = evidence;
  const assignment = newestAssignment(exchange);
  if (exchange && !assignment) return { message: '', fix: `imp grant --account ${settings.account}` };
  const created = assignment?.whenCreatedUTC ? Date.parse(assignment.whenCreatedUTC) : undefined;
  if (created !== undefined && now.getTime() - created >= EXCHANGE_PROPAGATION_MS) {
    return {
      message: ` The assignment "${assignment!.name}" is ${formatDuration(now.getTime() - created)} old, past the ${formatDuration(EXCHANGE_PROPAGATION_MS)} Exchange takes to propagate a role: this is not a propagation delay.`,
      fix: 'Check the assignment\'s scope (rbac.scope), that the booking system uses this account, and that the right assignment was granted.',
    };
  }
  const waited = propagation
    ? ` The role had not reached EWS after waiting ${formatDuration(propagation.waitedMs)} (${propagation.attempts} probes).`
    : ' The role may not have reached EWS yet (Exchange takes up to 30 minutes).';
  const again = verifyAgain(settings);
  if (created === undefined) return { message: waited, fix: `Wait for propagation: ${again} (counted from the assignment's creation).` };
  // Rounded up to the minute: "by 14:35" must not come before the 30 minutes are over.
  const effective = new Date(Math.ceil((created + EXCHANGE_PROPAGATION_MS) / 60_000) * 60_000);
  return {
    message: `${waited} It should be effective by ${formatLocalTime(effective)}.`,
    fix: `Wait for propagation: run verify again after ${formatLocalTime(effective)}, or now with ${again} (counted from the assignment's creation).`,
  };
}
