// The judge of imp verify, one row per situation: every check id, every status, every branch.
// Pure and in-process: no pwsh, no EWS, no real time (the clock is a parameter).
import { strict as assert } from 'node:assert';
import type { EwsFailure } from '../../src/ews';
import { UNANSWERED } from '../../src/ews/errors';
import type { Assignment, VerifyResult } from '../../src/exchange/schemas';
import type { Check, CheckId } from '../../src/verify/checks';
import type { Evidence } from '../../src/verify/evidence';
import type { NearMatches } from '../../src/exchange/not-found';
import { judge, SCOPE_FIX } from '../../src/verify/judge';
import type { TargetOutcome } from '../../src/verify/outcome';
import type { VerifySettings } from '../../src/verify/settings';

const ACCOUNT = 'svc-booking@contoso.com';
const NOW = new Date('2026-12-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const settings = (over: Partial<VerifySettings> = {}): VerifySettings => ({
  account: ACCOUNT,
  username: ACCOUNT,
  mailboxes: [],
  rooms: true,
  groups: [],
  waitMs: 30 * 60_000,
  pollIntervalMs: 10_000,
  concurrency: 10,
  insecure: false,
  passwordStdin: true,
  powershell: true,
  canaryOnly: false,
  ...over,
});

const assignment = (over: Partial<Assignment> = {}): Assignment => ({
  name: `ApplicationImpersonation-${ACCOUNT}`,
  role: 'ApplicationImpersonation',
  roleAssigneeName: 'svc-booking',
  roleAssigneeType: 'User',
  assignmentMethod: 'Direct',
  effectiveUserName: 'svc-booking',
  assignmentChain: null,
  enabled: true,
  customRecipientWriteScope: null,
  recipientWriteScope: 'Organization',
  whenCreatedUTC: minutesAgo(120),
  ...over,
});

const ROOMS = ['room1@contoso.com', 'room2@contoso.com'];
const ROOMS_SCOPE = { name: 'Rooms', filter: "RecipientTypeDetails -eq 'RoomMailbox'", type: 'custom' as const, root: null, exclusive: false };

const exchange = (over: Partial<VerifyResult> = {}): VerifyResult => ({
  mailbox: {
    name: 'svc-booking',
    alias: 'svc-booking',
    distinguishedName: 'CN=svc-booking,OU=Service,DC=contoso,DC=com',
    primarySmtpAddress: ACCOUNT,
    isPrimary: true,
    recipientTypeDetails: 'UserMailbox',
    accountDisabled: false,
    emailAddresses: [`SMTP:${ACCOUNT}`],
  },
  mailboxError: null,
  mailboxNotFound: false,
  assignments: [assignment()],
  scopes: [],
  targets: ROOMS.map((address) => ({ address, type: 'RoomMailbox', source: 'rooms', groupPath: [], inScope: true, blockedBy: null, nestedVia: null })),
  targetErrors: [],
  vdirError: null,
  vdirs: [{ server: 'EX01', identity: 'EX01\\EWS (Default Web Site)', internalUrl: 'https://ex01.contoso.com/EWS/Exchange.asmx', externalUrl: null, basicAuthentication: true }],
  ...over,
});

const GHOST_GROUP: VerifyResult['targetErrors'][number] = { requested: 'Room Bokers', kind: 'group', notFound: true, message: "The operation couldn't be performed because object 'Room Bokers' couldn't be found on 'DC01.contoso.com'." };
const GHOST_MAILBOX: VerifyResult['targetErrors'][number] = { requested: 'ghost@contoso.com', kind: 'mailbox', notFound: true, message: "The operation couldn't be performed because object 'ghost@contoso.com' couldn't be found on 'DC01.contoso.com'." };

const failure = (kind: EwsFailure['kind'], code?: string): EwsFailure => ({ kind, ...(code ? { code } : {}), message: `${code ?? kind} from the server` });
const DENIED = failure('impersonation-denied', 'ErrorImpersonateUserDenied');
const passed = (address: string): TargetOutcome => ({ address, ok: true });
const denied = (address: string): TargetOutcome => ({ address, ok: false, failure: DENIED });

const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  exchange: exchange(),
  url: 'https://ex01.contoso.com/EWS/Exchange.asmx',
  username: ACCOUNT,
  login: { ok: true },
  impersonation: ROOMS.map(passed),
  interrupted: false,
  startedAt: NOW.getTime(),
  timings: { powershellMs: 0, ewsMs: 0 },
  ...over,
});

/** Evidence of a run without the Management Shell (--no-powershell --mailbox room1 --mailbox room2). */
const ewsOnly = (over: Partial<Evidence> = {}): Evidence =>
  evidence({ exchange: undefined, resolved: { ok: true, value: { primarySmtpAddress: ACCOUNT, name: 'svc-booking', ambiguous: false } }, ...over });
const EWS_ONLY = settings({ powershell: false, rooms: false, mailboxes: ROOMS });

interface Row {
  name: string;
  settings?: VerifySettings;
  evidence: Evidence;
  now?: Date;
  id: CheckId;
  status: Check['status'];
  message: RegExp;
  fix?: RegExp | string;
  code?: string;
}

const rows: Row[] = [
  // account.mailbox, from the Management Shell
  { name: 'the account has a mailbox at its primary address', evidence: evidence(), id: 'account.mailbox', status: 'pass', message: /is the primary SMTP address of svc-booking's mailbox, and the account is enabled/ },
  { name: 'no mailbox: the Management Shell error is the message', evidence: evidence({ exchange: exchange({ mailbox: null, mailboxError: "object 'svc' couldn't be found" }) }), id: 'account.mailbox', status: 'fail', message: /couldn't be found/, fix: /Enable-Mailbox/ },
  {
    name: 'an --account Exchange does not know: the flag, the value, near matches (ANR); EWS is not asked',
    evidence: evidence({ exchange: exchange({ mailbox: null, mailboxNotFound: true, mailboxError: "object 'svc-bookng@contoso.com' couldn't be found", targets: [] }), nearMatches: [{ kind: 'mailbox', value: 'svc-bookng@contoso.com', near: { matches: [{ name: 'Booking Service', primarySmtpAddress: ACCOUNT, recipientTypeDetails: 'UserMailbox' }], userWithoutMailbox: null } }], login: { ok: false, notRun: 'the account has no mailbox (see account.mailbox)' }, impersonation: undefined }),
    settings: settings({ account: 'svc-bookng@contoso.com' }),
    id: 'account.mailbox', status: 'fail', message: /^--account "svc-bookng@contoso.com": Exchange has no mailbox by that name\.$/, fix: "Did you mean --account 'svc-booking@contoso.com'?", code: 'ManagementObjectNotFoundException',
  },
  {
    name: 'an --account that is an AD user without a mailbox: Enable-Mailbox',
    evidence: evidence({ exchange: exchange({ mailbox: null, mailboxNotFound: true, targets: [] }), nearMatches: [{ kind: 'mailbox', value: ACCOUNT, near: { matches: [], userWithoutMailbox: { name: 'Booking Service', userPrincipalName: ACCOUNT } } }], login: { ok: false, notRun: 'the account has no mailbox (see account.mailbox)' }, impersonation: undefined }),
    id: 'account.mailbox', status: 'fail', message: /the AD account Booking Service \(svc-booking@contoso.com\) has no mailbox/, fix: /^Give it a mailbox: Enable-Mailbox -Identity 'svc-booking@contoso.com'/,
  },
  { name: 'EWS not asked for an account without a mailbox', evidence: evidence({ exchange: exchange({ mailbox: null, mailboxNotFound: true, targets: [] }), login: { ok: false, notRun: 'the account has no mailbox (see account.mailbox)' }, impersonation: undefined }), id: 'ews.login', status: 'skip', message: /^not run: the account has no mailbox \(see account.mailbox\)$/ },
  { name: 'no mailbox and no error text', evidence: evidence({ exchange: exchange({ mailbox: null }) }), id: 'account.mailbox', status: 'fail', message: /svc-booking@contoso.com has no mailbox/ },
  { name: 'an alias names the primary', evidence: evidence({ exchange: exchange({ mailbox: { ...exchange().mailbox!, isPrimary: false } }) }), id: 'account.mailbox', status: 'fail', message: /is an alias; the primary SMTP address of svc-booking's mailbox is svc-booking@contoso.com/, fix: /Use svc-booking@contoso.com with --account/, code: 'ErrorNonPrimarySmtpAddress' },
  { name: 'a disabled AD account', evidence: evidence({ exchange: exchange({ mailbox: { ...exchange().mailbox!, accountDisabled: true } }) }), id: 'account.mailbox', status: 'fail', message: /AD account of svc-booking .* is disabled/, fix: /Enable-ADAccount/ },
  // account.mailbox, from EWS ResolveNames
  { name: 'EWS only: ResolveNames finds the primary', settings: EWS_ONLY, evidence: ewsOnly(), id: 'account.mailbox', status: 'pass', message: /\(EWS ResolveNames\)/ },
  { name: 'EWS only: ResolveNames finds nothing', settings: EWS_ONLY, evidence: ewsOnly({ resolved: { ok: true, value: null } }), id: 'account.mailbox', status: 'fail', message: /EWS finds no mailbox/, code: 'ErrorNameResolutionNoResults' },
  { name: 'EWS only: ResolveNames names another primary', settings: EWS_ONLY, evidence: ewsOnly({ resolved: { ok: true, value: { primarySmtpAddress: 'other@contoso.com', name: 'Other', ambiguous: false } } }), id: 'account.mailbox', status: 'fail', message: /is an alias.* is other@contoso.com/, code: 'ErrorNonPrimarySmtpAddress' },
  { name: 'EWS only: ResolveNames fails', settings: EWS_ONLY, evidence: ewsOnly({ resolved: { ok: false, message: 'boom' } }), id: 'account.mailbox', status: 'fail', message: /ResolveNames for svc-booking@contoso.com failed: boom/, fix: /Management Shell/ },
  { name: 'EWS only: login failed, so the mailbox is not looked up', settings: EWS_ONLY, evidence: ewsOnly({ login: { ok: false, failure: failure('unauthorized') }, resolved: undefined }), id: 'account.mailbox', status: 'skip', message: /not checked: ews.login failed/ },
  // targets.found: a --mailbox or --group Exchange does not know is reported, and everything else still runs
  { name: 'every room, group and mailbox named is known', evidence: evidence(), id: 'targets.found', status: 'pass', message: /^Exchange knows every room, group and mailbox named: 2 mailboxes to check\.$/ },
  {
    name: 'an unknown --group: the flag, the value, the group Exchange has by a similar name (ANR)',
    evidence: evidence({ exchange: exchange({ targetErrors: [GHOST_GROUP] }), nearMatches: [{ kind: 'group', value: 'Room Bokers', near: { matches: [{ name: 'Room Bookers', primarySmtpAddress: 'room-bookers@contoso.com', recipientTypeDetails: 'MailUniversalSecurityGroup' }], userWithoutMailbox: null } }] }),
    id: 'targets.found', status: 'fail', message: /^--group "Room Bokers": Exchange has no group by that name\. The other 2 mailboxes were checked\.$/, fix: "Did you mean --group 'Room Bookers'?", code: 'ManagementObjectNotFoundException',
  },
  {
    name: 'an unknown --mailbox with nothing near: how to look it up',
    evidence: evidence({ exchange: exchange({ targetErrors: [GHOST_MAILBOX] }), nearMatches: [{ kind: 'mailbox', value: 'ghost@contoso.com', near: { matches: [], userWithoutMailbox: null } }] }),
    id: 'targets.found', status: 'fail', message: /^--mailbox "ghost@contoso.com": Exchange has no mailbox by that name\./, fix: /^Check the address with Get-Recipient -Anr 'ghost'; an account without a mailbox needs Enable-Mailbox\.$/,
  },
  {
    name: 'a --mailbox that is an AD user without a mailbox: Enable-Mailbox',
    evidence: evidence({ exchange: exchange({ targetErrors: [{ ...GHOST_MAILBOX, requested: 'jdoe@contoso.com' }] }), nearMatches: [{ kind: 'mailbox', value: 'jdoe@contoso.com', near: { matches: [], userWithoutMailbox: { name: 'John Doe', userPrincipalName: 'jdoe@contoso.com' } } }] }),
    id: 'targets.found', status: 'fail', message: /--mailbox "jdoe@contoso.com": the AD account John Doe \(jdoe@contoso.com\) has no mailbox/, fix: /Enable-Mailbox -Identity 'jdoe@contoso.com'/,
  },
  {
    name: 'two unknown targets, no near matches asked (the lookup failed): both named, each with its fix',
    evidence: evidence({ exchange: exchange({ targetErrors: [GHOST_GROUP, GHOST_MAILBOX] }) }),
    id: 'targets.found', status: 'fail', message: /^--group "Room Bokers": .* --mailbox "ghost@contoso.com": .* The other 2 mailboxes were checked\.$/, fix: /Get-Group -Anr 'Room Bokers'.*Get-Recipient -Anr 'ghost'/,
  },
  {
    name: 'an error other than not-found: Exchange\'s own words',
    evidence: evidence({ exchange: exchange({ targetErrors: [{ ...GHOST_GROUP, notFound: false, message: "The operation couldn't be performed because 'Room Bokers' matches multiple entries." }] }) }),
    id: 'targets.found', status: 'fail', message: /^--group "Room Bokers": The operation couldn't be performed because 'Room Bokers' matches multiple entries\./, fix: /Get-Group -Identity/,
  },
  { name: 'nothing named', evidence: evidence({ exchange: exchange({ targets: [] }), impersonation: undefined }), id: 'targets.found', status: 'skip', message: /No rooms, groups or mailboxes were named/ },
  { name: 'no mailbox for the account: the template stops before the targets', evidence: evidence({ exchange: exchange({ mailbox: null, targets: [] }) }), id: 'targets.found', status: 'skip', message: /not checked: no mailbox/ },
  { name: 'EWS only: not checked', settings: EWS_ONLY, evidence: ewsOnly(), id: 'targets.found', status: 'skip', message: /not checked: --no-powershell/ },
  // rbac.assignment
  { name: 'a direct assignment', evidence: evidence(), id: 'rbac.assignment', status: 'pass', message: /reaches svc-booking: "ApplicationImpersonation-svc-booking@contoso.com", created 2026-12-01 11:00:00 \+01:00/ },
  { name: 'through a group, creation time unknown', evidence: evidence({ exchange: exchange({ assignments: [assignment({ assignmentChain: 'Booking Admins', whenCreatedUTC: null })] }) }), id: 'rbac.assignment', status: 'pass', message: /through Booking Admins, created at an unknown time/ },
  { name: 'only a disabled assignment', evidence: evidence({ exchange: exchange({ assignments: [assignment({ enabled: false })] }) }), id: 'rbac.assignment', status: 'fail', message: /No enabled ApplicationImpersonation assignment reaches svc-booking/, fix: 'imp grant --account svc-booking@contoso.com' },
  { name: 'no mailbox, so no assignment check', evidence: evidence({ exchange: exchange({ mailbox: null }) }), id: 'rbac.assignment', status: 'skip', message: /not checked: no mailbox/ },
  { name: 'EWS only: not checked', settings: EWS_ONLY, evidence: ewsOnly(), id: 'rbac.assignment', status: 'skip', message: /--no-powershell/ },
  // rbac.scope
  { name: 'organisation-wide', evidence: evidence(), id: 'rbac.scope', status: 'pass', message: /organisation-wide/ },
  { name: 'a scope covering every target', evidence: evidence({ exchange: exchange({ scopes: [ROOMS_SCOPE] }) }), id: 'rbac.scope', status: 'pass', message: /^All 2 mailboxes are inside the scope "Rooms"\.$/ },
  { name: 'a scope leaving one room out', evidence: evidence({ exchange: exchange({ scopes: [{ ...ROOMS_SCOPE, filter: 'x' }], targets: [{ ...exchange().targets[0] }, { ...exchange().targets[1], inScope: false }] }) }), id: 'rbac.scope', status: 'fail', message: /^1 of 2 mailboxes fall outside the assignment's scope "Rooms"\.$/, fix: 'Widen the scope to cover them: imp grant --account svc-booking@contoso.com --scope-rooms (or Set-ManagementScope -RecipientRestrictionFilter), otherwise they double-book.' },
  {
    name: 'bookers of a --group outside a rooms scope: the complete grant, rooms and the group',
    evidence: evidence({ exchange: exchange({ scopes: [ROOMS_SCOPE], targets: [exchange().targets[0], { address: 'user1@contoso.com', type: 'UserMailbox', source: 'group:Room Bookers', groupPath: ['Room Bookers'], inScope: false, blockedBy: null, nestedVia: null }] }) }),
    id: 'rbac.scope', status: 'fail', message: /^1 of 2 mailboxes fall outside the assignment's scope "Rooms"\.$/, fix: /^Widen the scope to cover them: imp grant --account svc-booking@contoso.com --scope-rooms --scope-group "Room Bookers" \(or Set-ManagementScope/,
  },
  { name: 'no assignment, so no scope check', evidence: evidence({ exchange: exchange({ assignments: [] }) }), id: 'rbac.scope', status: 'skip', message: /not checked: no assignment/ },
  { name: 'EWS only: scope not checked', settings: EWS_ONLY, evidence: ewsOnly(), id: 'rbac.scope', status: 'skip', message: /--no-powershell/ },
  {
    name: 'organisation-wide, but an exclusive scope holds a room: out of reach all the same',
    evidence: evidence({ exchange: exchange({ targets: [exchange().targets[0], { ...exchange().targets[1], inScope: false, blockedBy: 'VIP' }] }) }),
    id: 'rbac.scope', status: 'fail', message: /^1 of 2 mailboxes fall outside the assignment's reach\. \S+ is in the exclusive scope "VIP"/, fix: /New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc-booking@contoso.com -ExclusiveRecipientWriteScope 'VIP'/,
  },
  {
    name: 'an exclusive scope keeps a room from the assignment',
    evidence: evidence({ exchange: exchange({ scopes: [ROOMS_SCOPE, { name: 'VIP', filter: "CustomAttribute1 -eq 'VIP'", type: 'exclusive', root: null, exclusive: true }], targets: [exchange().targets[0], { ...exchange().targets[1], inScope: false, blockedBy: 'VIP' }] }) }),
    id: 'rbac.scope', status: 'fail', message: /^1 of 2 mailboxes fall outside the assignment's scope "Rooms", "VIP"\. \S+ is in the exclusive scope "VIP", which blocks every assignment that does not use it\.$/, fix: /-ExclusiveRecipientWriteScope 'VIP'/,
  },
  {
    name: 'a booker only in a nested group of the scope group is outside',
    evidence: evidence({ exchange: exchange({ scopes: [{ ...ROOMS_SCOPE, name: 'Bookers', filter: "MemberOfGroup -eq 'CN=Bookers'" }], targets: [exchange().targets[0], { ...exchange().targets[1], type: 'UserMailbox', source: 'group', groupPath: ['Bookers', 'Bookers-EU'], inScope: false, nestedVia: { scopeGroup: 'Bookers', nestedGroup: 'Bookers-EU', path: ['Bookers', 'Bookers-EU'] } }] }) }),
    id: 'rbac.scope', status: 'fail', message: /^1 of 2 mailboxes fall outside the assignment's scope "Bookers"\. \S+ is in "Bookers" only through the nested group "Bookers-EU", and a scope's MemberOfGroup reaches direct members only\.$/, fix: /imp grant --account \S+ --scope-group Bookers --scope-group Bookers-EU\.$/,
  },
  { name: 'a scope and one mailbox inside it: the filter as detail', evidence: evidence({ exchange: exchange({ scopes: [ROOMS_SCOPE], targets: [exchange().targets[0]] }) }), id: 'rbac.scope', status: 'pass', message: /^The mailbox is inside the scope "Rooms"\.$/ },
  { name: 'a scope but no rooms or bookers named', evidence: evidence({ exchange: exchange({ scopes: [ROOMS_SCOPE], targets: [] }), impersonation: undefined }), id: 'rbac.scope', status: 'skip', message: /No rooms or bookers were named, so nothing was checked against the scope "Rooms"/ },
  // ews.vdir
  {
    name: 'the session has no Get-WebServicesVirtualDirectory: a warning, not a failure',
    evidence: evidence({ exchange: exchange({ vdirs: [], vdirError: 'Get-WebServicesVirtualDirectory is not available: it needs the Server Management role.' }) }),
    id: 'ews.vdir', status: 'warn', message: /^Get-WebServicesVirtualDirectory is not available: it needs the Server Management role\. Basic authentication on the EWS virtual directory was not checked\.$/, fix: /Get-WebServicesVirtualDirectory -ADPropertiesOnly/,
  },
  { name: 'Basic authentication on', evidence: evidence(), id: 'ews.vdir', status: 'pass', message: /Basic authentication is on for EX01\\EWS \(Default Web Site\)/ },
  { name: 'Basic authentication off', evidence: evidence({ exchange: exchange({ vdirs: [{ ...exchange().vdirs[0], basicAuthentication: false }] }) }), id: 'ews.vdir', status: 'fail', message: /Basic authentication is off on EX01/, fix: "Set-WebServicesVirtualDirectory -Identity 'EX01\\EWS (Default Web Site)' -BasicAuthentication $true; then iisreset on EX01" },
  {
    name: 'only the directory serving --ews-url counts',
    settings: settings({ ewsUrl: 'https://ex02.contoso.com/EWS/Exchange.asmx' }),
    evidence: evidence({ exchange: exchange({ vdirs: [{ ...exchange().vdirs[0], basicAuthentication: false }, { server: 'EX02', identity: 'EX02\\EWS (Default Web Site)', internalUrl: null, externalUrl: 'https://EX02.contoso.com/EWS/Exchange.asmx', basicAuthentication: true }] }) }),
    id: 'ews.vdir', status: 'pass', message: /^Basic authentication is on for EX02\\EWS \(Default Web Site\)\.$/,
  },
  { name: 'no virtual directory', evidence: evidence({ exchange: exchange({ vdirs: [] }) }), id: 'ews.vdir', status: 'warn', message: /No EWS virtual directory was found/, fix: /Get-WebServicesVirtualDirectory/ },
  { name: 'EWS only: vdir not checked', settings: EWS_ONLY, evidence: ewsOnly(), id: 'ews.vdir', status: 'skip', message: /--no-powershell/ },
  // ews.login
  { name: 'Basic authentication works', evidence: evidence(), id: 'ews.login', status: 'pass', message: /^Basic authentication as svc-booking@contoso.com works at https:\/\/ex01.contoso.com\/EWS\/Exchange.asmx\.$/ },
  { name: '--insecure works but warns', settings: settings({ insecure: true }), evidence: evidence(), id: 'ews.login', status: 'warn', message: /certificate was not verified \(--insecure\)/, fix: /--ca <pem>/ },
  { name: 'wrong password', evidence: evidence({ login: { ok: false, failure: failure('unauthorized') } }), id: 'ews.login', status: 'fail', message: /HTTP 401/, fix: /imp credentials set --account svc-booking@contoso.com/, code: 'unauthorized' },
  { name: 'a failure with an EWS code keeps the code', evidence: evidence({ login: { ok: false, failure: failure('server-busy', 'ErrorServerBusy') } }), id: 'ews.login', status: 'fail', message: /ErrorServerBusy/, code: 'ErrorServerBusy' },
  { name: 'an alias: the logon name is the primary the credential belongs to', evidence: evidence({ username: 'primary@contoso.com' }), id: 'ews.login', status: 'pass', message: /^Basic authentication as primary@contoso.com works/ },
  { name: 'Exchange did not answer: the failure, with its kind as the code', evidence: evidence({ login: { ok: false, failure: failure('network') }, impersonation: undefined }), id: 'ews.login', status: 'fail', message: /^EWS could not be reached: network from the server$/, code: 'network' },
  // ews.impersonation
  { name: 'one mailbox passes', evidence: evidence({ exchange: exchange({ targets: [exchange().targets[0]] }), impersonation: [passed(ROOMS[0])] }), id: 'ews.impersonation', status: 'pass', message: /^svc-booking@contoso.com can impersonate the mailbox room1@contoso.com\.$/ },
  { name: '--probe canary: only the canary, named', settings: settings({ canaryOnly: true }), evidence: evidence({ impersonation: [passed(ROOMS[0])] }), id: 'ews.impersonation', status: 'pass', message: /^svc-booking@contoso.com can impersonate the canary mailbox room1@contoso.com\.$/ },
  { name: 'login failed: impersonation not run', evidence: evidence({ login: { ok: false, failure: failure('unauthorized') }, impersonation: undefined }), id: 'ews.impersonation', status: 'skip', message: /not run: ews.login failed/ },
  { name: 'nothing to impersonate', evidence: evidence({ exchange: exchange({ targets: [] }), impersonation: undefined }), id: 'ews.impersonation', status: 'warn', message: /No mailbox to impersonate/, fix: /--rooms, --group/ },
  { name: 'every mailbox passes at once', evidence: evidence(), id: 'ews.impersonation', status: 'pass', message: /^svc-booking@contoso.com can impersonate all 2 mailboxes\.$/ },
  {
    name: 'every mailbox passes after waiting',
    evidence: evidence({ propagation: { outcome: passed(ROOMS[0]), attempts: 3, waitedMs: 25_000, ended: 'passed', timeline: [] } }),
    id: 'ews.impersonation', status: 'pass', message: /all 2 mailboxes after waiting 25s for propagation \(3 probes\)/,
  },
  {
    name: 'interrupted while waiting for propagation',
    evidence: evidence({ propagation: { outcome: denied(ROOMS[0]), attempts: 2, waitedMs: 2000, ended: 'interrupted', timeline: [] }, impersonation: undefined, interrupted: true }),
    id: 'ews.impersonation', status: 'fail', message: /Interrupted while waiting for propagation \(2 probe\(s\) of room1@contoso.com, all denied\)/, fix: 'Run it again later: imp verify --account svc-booking@contoso.com --rooms --wait 30m.', code: 'ErrorImpersonateUserDenied',
  },
  { name: 'interrupted after N of M mailboxes', evidence: evidence({ impersonation: [passed(ROOMS[0])], interrupted: true }), id: 'ews.impersonation', status: 'fail', message: /^Interrupted after 1 of 2 mailboxes\.$/, fix: 'Run it again: imp verify --account svc-booking@contoso.com --rooms --wait 30m.' },
  {
    name: 'EWS only: an unknown mailbox, the EWS failure and its fix',
    settings: settings({ powershell: false, rooms: false, mailboxes: [...ROOMS, 'ghost@contoso.com'] }),
    evidence: ewsOnly({ impersonation: [...ROOMS.map(passed), { address: 'ghost@contoso.com', ok: false, failure: failure('no-mailbox', 'ErrorNonExistentMailbox') }] }),
    id: 'ews.impersonation', status: 'fail', message: /^1 of 3 mailboxes cannot be impersonated \(ErrorNonExistentMailbox\)\.$/, fix: /Get-Recipient/, code: 'ErrorNonExistentMailbox',
  },
  {
    name: 'Exchange found none of the targets named: nothing to impersonate',
    evidence: evidence({ exchange: exchange({ targets: [], targetErrors: [GHOST_GROUP] }), impersonation: undefined }),
    id: 'ews.impersonation', status: 'skip', message: /not run: Exchange found none of the rooms, groups or mailboxes named \(see targets.found\)/,
  },
  {
    name: 'denied only outside the scope',
    evidence: evidence({ exchange: exchange({ scopes: [{ ...ROOMS_SCOPE, filter: 'x' }], targets: [{ ...exchange().targets[0] }, { ...exchange().targets[1], inScope: false }] }), impersonation: [passed(ROOMS[0]), denied(ROOMS[1])] }),
    id: 'ews.impersonation', status: 'fail', message: /outside the assignment's management scope \(see rbac.scope\)/, fix: SCOPE_FIX, code: 'ErrorImpersonateUserDenied',
  },
  {
    name: 'denied with no assignment at all',
    evidence: evidence({ exchange: exchange({ assignments: [] }), impersonation: ROOMS.map(denied) }),
    id: 'ews.impersonation', status: 'fail', message: /^2 of 2 mailboxes cannot be impersonated \(ErrorImpersonateUserDenied\)\.$/, fix: 'imp grant --account svc-booking@contoso.com',
  },
  {
    name: 'assignment past the window: 2 hours old is not a propagation delay',
    evidence: evidence({ impersonation: ROOMS.map(denied) }),
    id: 'ews.impersonation', status: 'fail', message: /is 120m old, past the 30m Exchange takes to propagate a role: this is not a propagation delay/, fix: /Check the assignment's scope/,
  },
  {
    // issue 11.2: --wait 20s on a 5-minute-old assignment is still a propagation delay.
    name: 'a young assignment with a short --wait is still propagating, and says until when',
    settings: settings({ waitMs: 20_000 }),
    evidence: evidence({ exchange: exchange({ assignments: [assignment({ whenCreatedUTC: '2026-12-01T11:55:20Z' })] }), impersonation: ROOMS.map(denied) }),
    id: 'ews.impersonation', status: 'fail', message: /may not have reached EWS yet \(Exchange takes up to 30 minutes\)\. It should be effective by 2026-12-01 13:26:00 \+01:00\.$/, fix: /run verify again after 2026-12-01 13:26:00 \+01:00, or now with imp verify --account svc-booking@contoso.com --rooms --wait 30m \(/,
  },
  {
    name: 'waited, and the window closed before the 30 minutes were over',
    settings: settings({ waitMs: 60_000 }),
    evidence: evidence({ exchange: exchange({ assignments: [assignment({ whenCreatedUTC: minutesAgo(2) })] }), propagation: { outcome: denied(ROOMS[0]), attempts: 4, waitedMs: 60_000, ended: 'window-closed', timeline: [] }, impersonation: ROOMS.map(denied) }),
    id: 'ews.impersonation', status: 'fail', message: /The role had not reached EWS after waiting 1m \(4 probes\)\. It should be effective by 2026-12-01 13:28:00 \+01:00\./, fix: /Wait for propagation/,
  },
  {
    name: 'effective after local midnight: the local date',
    now: new Date('2026-12-01T22:50:00Z'),
    evidence: evidence({ exchange: exchange({ assignments: [assignment({ whenCreatedUTC: '2026-12-01T22:45:00Z' })] }), impersonation: ROOMS.map(denied) }),
    id: 'ews.impersonation', status: 'fail', message: /effective by 2026-12-02 00:15:00 \+01:00/,
  },
  {
    name: 'EWS only: denied, creation time unknown',
    settings: EWS_ONLY,
    evidence: ewsOnly({ impersonation: ROOMS.map(denied) }),
    id: 'ews.impersonation', status: 'fail', message: /may not have reached EWS yet \(Exchange takes up to 30 minutes\)\.$/, fix: "Wait for propagation: imp verify --account svc-booking@contoso.com --mailbox room1@contoso.com --mailbox room2@contoso.com --wait 30m (counted from the assignment's creation).",
  },
  {
    name: 'denied mixed with another failure: the first failure decides the fix',
    evidence: evidence({ impersonation: [{ address: ROOMS[0], ok: false, failure: failure('server-busy', 'ErrorServerBusy') }, denied(ROOMS[1])] }),
    id: 'ews.impersonation', status: 'fail', message: /^2 of 2 mailboxes cannot be impersonated \(ErrorServerBusy, ErrorImpersonateUserDenied\)\.$/, fix: /lower --concurrency/, code: 'ErrorServerBusy',
  },
];

describe('verify judge', () => {
  const tz = process.env.TZ;
  // Local clock times in the rows are Berlin's (UTC+01:00 in December).
  before(() => (process.env.TZ = 'Europe/Berlin'));
  after(() => (tz === undefined ? delete process.env.TZ : (process.env.TZ = tz)));

  for (const row of rows) {
    it(`${row.id} ${row.status}: ${row.name}`, () => {
      const verdict = judge(row.settings ?? settings(), row.evidence, row.now ?? NOW);
      const check = verdict.checks.find((c) => c.id === row.id);
      assert.ok(check, `no ${row.id} in ${JSON.stringify(verdict.checks)}`);
      assert.equal(check.status, row.status, check.message);
      assert.match(check.message, row.message);
      if (typeof row.fix === 'string') assert.equal(check.fix, row.fix);
      else if (row.fix) assert.match(check.fix ?? '', row.fix);
      if (row.code) assert.equal(check.code, row.code);
    });
  }

  it('covers every check id with every status it can have', () => {
    const seen = new Set(rows.map((r) => `${r.id} ${r.status}`));
    for (const expected of [
      'account.mailbox pass', 'account.mailbox fail', 'account.mailbox skip',
      'targets.found pass', 'targets.found fail', 'targets.found skip',
      'rbac.assignment pass', 'rbac.assignment fail', 'rbac.assignment skip',
      'rbac.scope pass', 'rbac.scope fail', 'rbac.scope skip',
      'ews.vdir pass', 'ews.vdir fail', 'ews.vdir warn', 'ews.vdir skip',
      'ews.login pass', 'ews.login warn', 'ews.login fail',
      'ews.impersonation pass', 'ews.impersonation fail', 'ews.impersonation warn', 'ews.impersonation skip',
    ]) assert.ok(seen.has(expected), `no row for ${expected}`);
  });

  it('reports the seven checks in their fixed order, each once', () => {
    const ids = ['account.mailbox', 'targets.found', 'rbac.assignment', 'rbac.scope', 'ews.vdir', 'ews.login', 'ews.impersonation'];
    assert.deepEqual(judge(settings(), evidence(), NOW).checks.map((c) => c.id), ids);
    assert.deepEqual(judge(EWS_ONLY, ewsOnly(), NOW).checks.map((c) => c.id), ids);
  });

  describe('an unknown --group or --mailbox: the other checks still run, and the status says bad input', () => {
    const unknown = exchange({ targetErrors: [GHOST_GROUP] });
    const cases: [string, Evidence, string][] = [
      ['everything else passes: UNKNOWN (exit 3), as for any bad flag', evidence({ exchange: unknown }), 'UNKNOWN'],
      ['a warning elsewhere: still UNKNOWN', evidence({ exchange: { ...unknown, vdirError: 'no Get-WebServicesVirtualDirectory' } }), 'UNKNOWN'],
      ['a real fault elsewhere outranks it: CRITICAL', evidence({ exchange: unknown, impersonation: ROOMS.map(denied) }), 'CRITICAL'],
    ];
    for (const [name, e, status] of cases) {
      it(name, () => {
        const verdict = judge(settings(), e, NOW);
        assert.equal(verdict.status, status);
        assert.equal(verdict.interrupted, false);
        assert.deepEqual(verdict.checks.filter((c) => c.status === 'skip').map((c) => c.id), [], 'every other check ran');
      });
    }
    const noMailbox = (near: NearMatches): Evidence =>
      evidence({ exchange: exchange({ mailbox: null, mailboxNotFound: true, targets: [] }), nearMatches: [{ kind: 'mailbox', value: ACCOUNT, near }], login: { ok: false, notRun: 'no mailbox' }, impersonation: undefined });
    it('an --account unknown to Exchange and AD: UNKNOWN (exit 3), bad input', () => {
      assert.equal(judge(settings(), noMailbox({ matches: [], userWithoutMailbox: null }), NOW).status, 'UNKNOWN');
    });
    it('an --account that is an AD user without a mailbox: CRITICAL, a fault in the set-up (Enable-Mailbox)', () => {
      assert.equal(judge(settings(), noMailbox({ matches: [], userWithoutMailbox: { name: 'Booking Service', userPrincipalName: ACCOUNT } }), NOW).status, 'CRITICAL');
    });
  });

  describe('overall status', () => {
    const cases: [string, VerifySettings, Evidence, string][] = [
      ['every check passes (skips do not count): OK', EWS_ONLY, ewsOnly(), 'OK'],
      ['a warning and no failure: WARNING', settings({ insecure: true }), evidence(), 'WARNING'],
      ['a failure: CRITICAL', settings(), evidence({ impersonation: ROOMS.map(denied) }), 'CRITICAL'],
      ['a wrong password is an answer: CRITICAL', settings(), evidence({ login: { ok: false, failure: failure('unauthorized') }, impersonation: undefined }), 'CRITICAL'],
      ['interrupted: UNKNOWN, even with failures', settings(), evidence({ impersonation: [denied(ROOMS[0])], interrupted: true }), 'UNKNOWN'],
      ...[...UNANSWERED].map((kind): [string, VerifySettings, Evidence, string] => [`EWS gave no answer (${kind}): UNKNOWN, nothing was learnt`, settings(), evidence({ login: { ok: false, failure: failure(kind) }, impersonation: undefined }), 'UNKNOWN']),
      ['a propagation wait that was interrupted: UNKNOWN', settings(), evidence({ propagation: { outcome: denied(ROOMS[0]), attempts: 1, waitedMs: 0, ended: 'interrupted', timeline: [] }, impersonation: undefined }), 'UNKNOWN'],
    ];
    for (const [name, s, e, status] of cases) {
      it(name, () => {
        const verdict = judge(s, e, NOW);
        assert.equal(verdict.status, status);
        assert.equal(verdict.interrupted, status === 'UNKNOWN' && e.login.ok, 'interrupted only when cut short, not when EWS gave no answer');
      });
    }
  });
});
