// The EWS operations the simulator answers: GetFolder, FindItem, ResolveNames, GetPasswordExpirationDate.
// Each returns the response body plus what the request log records.
import { createHash } from 'node:crypto';
import type { SimGroup, SimUser } from '../state';
import { findMailbox, type Directory } from './directory';
import { errorContent, errorMessage, NS, operationResponse, responseCodeText, successMessage, type EwsResponseCode } from './soap';
import { child, children, escapeXml, textOf, type XmlElement } from './xml';

export interface OperationContext {
  directory: Directory;
  caller: SimUser;
  impersonated: SimUser | undefined;
  pad: boolean;
  now: number;
}

export interface OperationResult {
  body: string;
  /** First non-NoError ResponseCode of the response, else NoError. */
  responseCode: string;
  /** Primary address of the mailbox the operation touched, for the request log. */
  mailbox?: string;
}

/**
 * UNCONFIRMED: what GetPasswordExpirationDate returns for an account whose password never expires.
 * No capture was found. The schema allows the element to be empty/absent, so the simulator leaves out
 * <PasswordExpirationDate>, and ews-javascript-api then yields null. Change it here if a capture shows otherwise
 * (a plausible alternative is DateTime.MaxValue, 9999-12-31T23:59:59).
 */
export const NEVER_EXPIRING_PASSWORD_ELEMENT = '';

const FOLDERS: Record<string, { element: string; displayName: string; folderClass?: string }> = {
  calendar: { element: 'CalendarFolder', displayName: 'Calendar', folderClass: 'IPF.Appointment' },
  inbox: { element: 'Folder', displayName: 'Inbox', folderClass: 'IPF.Note' },
  msgfolderroot: { element: 'Folder', displayName: 'Top of Information Store' },
  root: { element: 'Folder', displayName: '' },
  sentitems: { element: 'Folder', displayName: 'Sent Items', folderClass: 'IPF.Note' },
  drafts: { element: 'Folder', displayName: 'Drafts', folderClass: 'IPF.Note' },
  deleteditems: { element: 'Folder', displayName: 'Deleted Items', folderClass: 'IPF.Note' },
  contacts: { element: 'ContactsFolder', displayName: 'Contacts', folderClass: 'IPF.Contact' },
  tasks: { element: 'TasksFolder', displayName: 'Tasks', folderClass: 'IPF.Task' },
};

type Resolved<T> =
  | { ok: true; value: T }
  | { ok: false; code: EwsResponseCode; details?: Record<string, string>; /** requested address, for the log */ mailbox?: string };

function folderId(user: SimUser, folder: string): string {
  return Buffer.from(`imp-sim:${user.guid}:${folder}`, 'utf8').toString('base64');
}

function changeKey(user: SimUser, folder: string): string {
  return createHash('sha1').update(`${user.guid}:${folder}`).digest('base64').slice(0, 24);
}

/**
 * The mailbox an operation reaches: the <t:Mailbox> address when given, else the impersonated user, else
 * the caller. Without delegate permissions (not simulated), only the acting account's own mailbox is open.
 */
function resolveMailbox(ctx: OperationContext, mailboxElement: XmlElement | undefined): Resolved<SimUser> {
  const acting = ctx.impersonated ?? ctx.caller;
  if (mailboxElement) {
    const address = textOf(child(mailboxElement, 'EmailAddress')) ?? '';
    const owner = findMailbox(ctx.directory, address);
    if (!owner) return { ok: false, code: 'ErrorNonExistentMailbox', details: { SmtpAddress: address }, mailbox: address };
    if (owner.guid !== acting.guid) return { ok: false, code: 'ErrorAccessDenied', mailbox: owner.mailbox!.primarySmtpAddress };
    return { ok: true, value: owner };
  }
  if (!acting.mailbox) return { ok: false, code: 'ErrorNonExistentMailbox', details: { SmtpAddress: acting.userPrincipalName } };
  return { ok: true, value: acting };
}

/** A DistinguishedFolderId, or a FolderId this simulator handed out earlier. */
function resolveFolder(ctx: OperationContext, idElement: XmlElement): Resolved<{ user: SimUser; folder: string }> {
  if (idElement.name === 'DistinguishedFolderId') {
    const folder = (idElement.attributes['Id'] ?? '').toLowerCase();
    if (!FOLDERS[folder]) return { ok: false, code: 'ErrorFolderNotFound' };
    const mailbox = resolveMailbox(ctx, child(idElement, 'Mailbox'));
    return mailbox.ok ? { ok: true, value: { user: mailbox.value, folder } } : mailbox;
  }
  const decoded = Buffer.from(idElement.attributes['Id'] ?? '', 'base64').toString('utf8');
  const m = /^imp-sim:([0-9a-f-]+):(\w+)$/.exec(decoded);
  if (!m) return { ok: false, code: 'ErrorInvalidIdMalformed' };
  const owner = ctx.directory.state.users.find((u) => u.guid === m[1]);
  if (!owner?.mailbox) return { ok: false, code: 'ErrorFolderNotFound' };
  if (owner.guid !== (ctx.impersonated ?? ctx.caller).guid) return { ok: false, code: 'ErrorAccessDenied' };
  return { ok: true, value: { user: owner, folder: m[2]! } };
}

const EFFECTIVE_RIGHTS =
  '<t:EffectiveRights><t:CreateAssociated>true</t:CreateAssociated><t:CreateContents>true</t:CreateContents>' +
  '<t:CreateHierarchy>true</t:CreateHierarchy><t:Delete>true</t:Delete><t:Modify>true</t:Modify><t:Read>true</t:Read>' +
  '<t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>';

/** 0–2 bookings per room or user, the same on every call. */
function bookingCount(user: SimUser): number {
  return parseInt(user.guid.slice(0, 2), 16) % 3;
}

function folderXml(user: SimUser, folder: string): string {
  const info = FOLDERS[folder]!;
  const total = folder === 'calendar' ? bookingCount(user) : 0;
  return (
    `<t:${info.element}>` +
    `<t:FolderId Id="${folderId(user, folder)}" ChangeKey="${changeKey(user, folder)}"/>` +
    `<t:ParentFolderId Id="${folderId(user, 'msgfolderroot')}" ChangeKey="AQAAAA=="/>` +
    (info.folderClass ? `<t:FolderClass>${info.folderClass}</t:FolderClass>` : '') +
    `<t:DisplayName>${escapeXml(info.displayName)}</t:DisplayName>` +
    `<t:TotalCount>${total}</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount>` +
    EFFECTIVE_RIGHTS +
    (info.element === 'Folder' ? '<t:UnreadCount>0</t:UnreadCount>' : '') +
    `</t:${info.element}>`
  );
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function calendarItemsXml(user: SimUser, view: XmlElement | undefined, now: number): string[] {
  const count = bookingCount(user);
  const dayStart = Math.floor(now / 86_400_000) * 86_400_000;
  let windowStart = dayStart;
  let windowEnd = Number.POSITIVE_INFINITY;
  if (view) {
    windowStart = Date.parse(view.attributes['StartDate'] ?? '') || dayStart;
    windowEnd = Date.parse(view.attributes['EndDate'] ?? '') || windowStart + 7 * 86_400_000;
  }
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.max(windowStart, dayStart) + (9 + 2 * i) * 3_600_000;
    const end = start + 3_600_000;
    if (end > windowEnd) break;
    const id = Buffer.from(`imp-sim:${user.guid}:item${i}`, 'utf8').toString('base64');
    items.push(
      `<t:CalendarItem><t:ItemId Id="${id}" ChangeKey="DwAAABYAAAA${i}"/>` +
        `<t:ParentFolderId Id="${folderId(user, 'calendar')}" ChangeKey="AQAAAA=="/>` +
        `<t:ItemClass>IPM.Appointment</t:ItemClass><t:Subject>Booking ${i + 1}</t:Subject>` +
        `<t:Sensitivity>Normal</t:Sensitivity><t:Importance>Normal</t:Importance>` +
        `<t:Start>${isoSeconds(start)}</t:Start><t:End>${isoSeconds(end)}</t:End>` +
        `<t:IsAllDayEvent>false</t:IsAllDayEvent><t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>` +
        `<t:Location>${escapeXml(user.mailbox?.displayName ?? user.name)}</t:Location>` +
        `<t:IsMeeting>true</t:IsMeeting><t:IsCancelled>false</t:IsCancelled><t:IsRecurring>false</t:IsRecurring>` +
        `<t:CalendarItemType>Single</t:CalendarItemType>` +
        `<t:Organizer><t:Mailbox><t:Name>User 1</t:Name></t:Mailbox></t:Organizer></t:CalendarItem>`,
    );
  }
  return items;
}

function summarize(results: { code: string; mailbox?: string }[]): { responseCode: string; mailbox?: string } {
  const failed = results.find((r) => r.code !== 'NoError');
  return { responseCode: failed?.code ?? 'NoError', mailbox: results.find((r) => r.mailbox)?.mailbox };
}

function getFolder(request: XmlElement, ctx: OperationContext): OperationResult {
  const ids = child(request, 'FolderIds')?.children ?? [];
  const results = ids.map((idElement) => {
    const resolved = resolveFolder(ctx, idElement);
    if (!resolved.ok) {
      return {
        code: resolved.code,
        mailbox: resolved.mailbox,
        xml: errorMessage('GetFolder', resolved.code, { pad: ctx.pad, details: resolved.details, content: '<m:Folders/>' }),
      };
    }
    const { user, folder } = resolved.value;
    return {
      code: 'NoError',
      mailbox: user.mailbox!.primarySmtpAddress,
      xml: successMessage('GetFolder', `<m:Folders>${folderXml(user, folder)}</m:Folders>`, ctx.pad),
    };
  });
  return { body: operationResponse('GetFolder', results.map((r) => r.xml)), ...summarize(results) };
}

function findItem(request: XmlElement, ctx: OperationContext): OperationResult {
  const ids = child(request, 'ParentFolderIds')?.children ?? [];
  const view = child(request, 'CalendarView');
  const results = ids.map((idElement) => {
    const resolved = resolveFolder(ctx, idElement);
    if (!resolved.ok) {
      return { code: resolved.code, mailbox: resolved.mailbox, xml: errorMessage('FindItem', resolved.code, { pad: ctx.pad, details: resolved.details }) };
    }
    const { user, folder } = resolved.value;
    const items = folder === 'calendar' ? calendarItemsXml(user, view, ctx.now) : [];
    return {
      code: 'NoError',
      mailbox: user.mailbox!.primarySmtpAddress,
      xml: successMessage(
        'FindItem',
        `<m:RootFolder TotalItemsInView="${items.length}" IncludesLastItemInRange="true"><t:Items>${items.join('')}</t:Items></m:RootFolder>`,
        ctx.pad,
      ),
    };
  });
  return { body: operationResponse('FindItem', results.map((r) => r.xml)), ...summarize(results) };
}

type Resolvable = { kind: 'user'; user: SimUser } | { kind: 'group'; group: SimGroup };

function resolutionXml(entry: Resolvable, fullContact: boolean): string {
  const name = entry.kind === 'user' ? entry.user.mailbox!.displayName : entry.group.name;
  const address = entry.kind === 'user' ? entry.user.mailbox!.primarySmtpAddress : entry.group.primarySmtpAddress!;
  const contact = fullContact
    ? `<t:Contact><t:DisplayName>${escapeXml(name)}</t:DisplayName><t:EmailAddresses>` +
      `<t:Entry Key="EmailAddress1">SMTP:${escapeXml(address)}</t:Entry></t:EmailAddresses>` +
      `<t:ContactSource>ActiveDirectory</t:ContactSource></t:Contact>`
    : '';
  return (
    `<t:Resolution><t:Mailbox><t:Name>${escapeXml(name)}</t:Name><t:EmailAddress>${escapeXml(address)}</t:EmailAddress>` +
    `<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>${entry.kind === 'user' ? 'Mailbox' : 'PublicDL'}</t:MailboxType>` +
    `</t:Mailbox>${contact}</t:Resolution>`
  );
}

/** Exact proxy address first; otherwise ambiguous name resolution by prefix of name, alias or account name. */
function resolveEntry(ctx: OperationContext, entry: string): Resolvable[] {
  const text = entry.trim().replace(/^smtp:/i, '');
  const lower = text.toLowerCase();
  if (!lower) return [];
  if (lower.includes('@')) {
    const user = findMailbox(ctx.directory, lower);
    if (user) return [{ kind: 'user', user }];
    const group = ctx.directory.mailEnabledGroups.find((g) => g.primarySmtpAddress!.toLowerCase() === lower);
    return group ? [{ kind: 'group', group }] : [];
  }
  const starts = (value: string | undefined): boolean => !!value && value.toLowerCase().startsWith(lower);
  const found: Resolvable[] = [];
  for (const user of ctx.directory.state.users) {
    const mailbox = user.mailbox;
    if (mailbox && (starts(mailbox.displayName) || starts(mailbox.alias) || starts(user.samAccountName) || starts(user.name))) {
      found.push({ kind: 'user', user });
    }
  }
  for (const group of ctx.directory.mailEnabledGroups) {
    if (starts(group.name) || starts(group.samAccountName)) found.push({ kind: 'group', group });
  }
  return found;
}

function resolveNames(request: XmlElement, ctx: OperationContext): OperationResult {
  const fullContact = (request.attributes['ReturnFullContactData'] ?? 'false').toLowerCase() === 'true';
  const results = children(request, 'UnresolvedEntry').map((entryElement) => {
    const found = resolveEntry(ctx, textOf(entryElement) ?? '').slice(0, 100);
    if (!found.length) {
      return { code: 'ErrorNameResolutionNoResults', xml: errorMessage('ResolveNames', 'ErrorNameResolutionNoResults', { pad: ctx.pad }) };
    }
    const set =
      `<m:ResolutionSet TotalItemsInView="${found.length}" IncludesLastItemInRange="true">` +
      found.map((f) => resolutionXml(f, fullContact)).join('') +
      `</m:ResolutionSet>`;
    if (found.length > 1) {
      return {
        code: 'ErrorNameResolutionMultipleResults',
        xml: errorMessage('ResolveNames', 'ErrorNameResolutionMultipleResults', { pad: ctx.pad, responseClass: 'Warning', content: set }),
      };
    }
    const first = found[0]!;
    return {
      code: 'NoError',
      mailbox: first.kind === 'user' ? first.user.mailbox!.primarySmtpAddress : undefined,
      xml: successMessage('ResolveNames', set, ctx.pad),
    };
  });
  return { body: operationResponse('ResolveNames', results.map((r) => r.xml)), ...summarize(results) };
}

/** pwdLastSet + the domain's maximum password age, as msDS-UserPasswordExpiryTimeComputed would give. */
export function passwordExpiryTime(user: SimUser, maxPasswordAgeDays: number): number | 'never' {
  if (user.passwordNeverExpires || maxPasswordAgeDays <= 0) return 'never';
  if (user.passwordLastSet === null) return 0; // must change at next logon: already due
  return Date.parse(user.passwordLastSet) + maxPasswordAgeDays * 86_400_000;
}

function getPasswordExpirationDate(request: XmlElement, ctx: OperationContext): OperationResult {
  // A simple (not batched) response: the response element itself carries ResponseClass and ResponseCode.
  const envelope = (inner: string, responseClass: string): string =>
    `<m:GetPasswordExpirationDateResponse ResponseClass="${responseClass}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}">` +
    `${inner}</m:GetPasswordExpirationDateResponse>`;
  const address = textOf(child(request, 'MailboxSmtpAddress')) ?? '';
  // UNCONFIRMED: whether Exchange lets an account read another account's expiry; the simulator allows it.
  const user = address ? findMailbox(ctx.directory, address) : ctx.impersonated ?? ctx.caller;
  if (!user) {
    const inner = errorContent('ErrorNonExistentMailbox', { pad: ctx.pad, details: { SmtpAddress: address } });
    return { body: envelope(inner, 'Error'), responseCode: 'ErrorNonExistentMailbox' };
  }
  const expiry = passwordExpiryTime(user, ctx.directory.state.organization.maxPasswordAgeDays);
  const date =
    expiry === 'never'
      ? NEVER_EXPIRING_PASSWORD_ELEMENT
      : `<m:PasswordExpirationDate>${new Date(expiry).toISOString().replace(/\.\d{3}Z$/, '')}</m:PasswordExpirationDate>`;
  return {
    body: envelope(`<m:ResponseCode>${responseCodeText('NoError', ctx.pad)}</m:ResponseCode>${date}`, 'Success'),
    responseCode: 'NoError',
    mailbox: user.mailbox?.primarySmtpAddress,
  };
}

export const OPERATIONS: Record<string, (request: XmlElement, ctx: OperationContext) => OperationResult> = {
  GetFolder: getFolder,
  FindItem: findItem,
  ResolveNames: resolveNames,
  GetPasswordExpirationDate: getPasswordExpirationDate,
};
