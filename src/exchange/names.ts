// What imp accepts as an account, an assignment name or a group name, and the names it derives.
// Values are never turned into script text; these checks only refuse what Exchange itself could
// never store, with a message that says why.
import { UsageError } from '../errors';
import type { PlannedCommand } from './schemas';

const CONTROL = /[\u0000-\u001f\u007f]/;
export const SCOPE_SUFFIX = '-Scope';
const NAME_LIMIT = 64; // New-ManagementRoleAssignment -Name and New-ManagementScope -Name

/** RFC 5321 atext, less "&": XML gives "&", "<", ">" and '"' meaning, and an address reaches EWS inside XML. */
const ATEXT = /^[A-Za-z0-9!#$%'*+\-/=?^_`{|}~]+$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `address` is not an SMTP address imp accepts, or undefined when it is one. */
export function addressProblem(address: string): string | undefined {
  const markup = /[<>&"]/.exec(address);
  if (markup) return `"${markup[0]}" is not allowed in an address`;
  if (/\s/.test(address)) return 'it contains a space';
  const at = address.lastIndexOf('@');
  if (at < 0) return 'it has no "@"';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (address.length > 254) return `it is ${address.length} characters long; an SMTP address has at most 254`;
  if (!local || local.length > 64) return 'the part before "@" must be 1 to 64 characters';
  if (local.split('.').some((atom) => !ATEXT.test(atom))) {
    return local.includes('@') ? 'it has more than one "@"' : 'the part before "@" is not a dot-separated run of letters, digits and !#$%\'*+-/=?^_`{|}~';
  }
  if (!domain || domain.split('.').some((label) => !LABEL.test(label))) return `"${domain}" is not a domain name`;
  return undefined;
}

/**
 * An SMTP address as RFC 5321 writes it (a dot-string local part, a domain name; no quoted local parts, no
 * address literals, none of < > & "), checked before any request so `flag` can be named in the error.
 */
export function checkAddress(address: string | undefined, flag: string, example = 'svc-booking@contoso.com'): string {
  if (!address) throw new UsageError(`${flag} is required.`, `Pass a primary SMTP address, e.g. ${flag} ${example}.`);
  if (CONTROL.test(address)) throw new UsageError(`${flag} contains a control character (newline, tab or NUL).`, 'Pass the address exactly as Exchange shows it in PrimarySmtpAddress.');
  const problem = addressProblem(address);
  if (problem) throw new UsageError(`${flag} "${address}" is not an SMTP address: ${problem}.`, `Pass the primary SMTP address exactly as Exchange shows it, e.g. ${flag} ${example}.`);
  return address;
}

export function checkAccount(account: string | undefined, flag = '--account'): string {
  return checkAddress(account, flag);
}

export function checkAssignmentName(name: string): string {
  if (!name.trim()) throw new UsageError('--name is empty.', 'Give the role assignment a name, or leave --name out to use the default.');
  if (CONTROL.test(name)) throw new UsageError('--name contains a control character (newline, tab or NUL), which Exchange cannot store.', 'Use a name of printable characters.');
  if (name.length > NAME_LIMIT) throw new UsageError(`--name is ${name.length} characters long; Exchange allows at most ${NAME_LIMIT}.`, 'Use a shorter assignment name.');
  return name;
}

export function checkGroupName(group: string, flag = '--scope-group'): string {
  if (!group.trim()) throw new UsageError(`${flag} is empty.`, `Name a group: security or distribution, mail-enabled or not, e.g. ${flag} "Room Bookers".`);
  if (CONTROL.test(group)) throw new UsageError(`${flag} contains a control character (newline, tab or NUL).`, 'Give the group name exactly as Get-Group shows it.');
  if (group.length > 256) throw new UsageError(`${flag} is ${group.length} characters long; group names are at most 256.`, 'Give the group name exactly as Get-Group shows it.');
  return group;
}

/**
 * The whole address, so svc@a.com and svc@b.com never share an assignment or scope name. Short enough
 * (58) that the scope name (+ "-Scope") is never cut; a long address keeps a hash of itself instead.
 */
export function defaultAssignmentName(account: string): string {
  const address = account.toLowerCase();
  const name = `ApplicationImpersonation-${address}`;
  const limit = NAME_LIMIT - SCOPE_SUFFIX.length;
  if (name.length <= limit) return name;
  // node:crypto costs about as much to load as Node's own start-up: only for a name this long.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return `${name.slice(0, limit - 9)}-${createHash('sha256').update(address).digest('hex').slice(0, 8)}`;
}

/** The scope imp creates for an assignment; revoke recognises imp's scopes by this name. */
export function scopeNameFor(assignmentName: string): string {
  return assignmentName.slice(0, NAME_LIMIT - SCOPE_SUFFIX.length) + SCOPE_SUFFIX;
}

/** Display only (never executed): a planned cmdlet as an admin would type it. */
export function formatCommand(command: PlannedCommand): string {
  const parts = [command.cmdlet];
  for (const [key, value] of Object.entries(command.parameters)) {
    if (typeof value === 'boolean') parts.push(value ? `-${key}` : `-${key}:$false`);
    else parts.push(`-${key} ${quote(String(value))}`);
  }
  return parts.join(' ');
}

/** PowerShell single quotes; PowerShell also treats ‘ ’ ‚ ‛ as quotes, so those are doubled too. */
export function quote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}
