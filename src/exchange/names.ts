// What imp accepts as an account, an assignment name or a group name, and the names it derives.
// Values are never turned into script text; these checks only refuse what Exchange itself could
// never store, with a message that says why.
import { UsageError } from '../errors';
import type { PlannedCommand } from './schemas';

const CONTROL = /[\u0000-\u001f\u007f]/;
export const SCOPE_SUFFIX = '-Scope';
const NAME_LIMIT = 64; // New-ManagementRoleAssignment -Name and New-ManagementScope -Name

export function checkAccount(account: string | undefined): string {
  if (!account) throw new UsageError('--account is required.', 'Pass the service account\'s primary SMTP address, e.g. --account svc-booking@contoso.com.');
  if (CONTROL.test(account)) throw new UsageError('--account contains a control character (newline, tab or NUL).', 'Pass the address exactly as Exchange shows it in PrimarySmtpAddress.');
  if (account.length > 320 || !/^[^@\s]+@[^@\s]+$/.test(account)) {
    throw new UsageError(`--account "${account}" is not an SMTP address.`, 'Pass the service account\'s primary SMTP address, e.g. --account svc-booking@contoso.com.');
  }
  return account;
}

export function checkAssignmentName(name: string): string {
  if (!name.trim()) throw new UsageError('--name is empty.', 'Give the role assignment a name, or leave --name out to use the default.');
  if (CONTROL.test(name)) throw new UsageError('--name contains a control character (newline, tab or NUL), which Exchange cannot store.', 'Use a name of printable characters.');
  if (name.length > NAME_LIMIT) throw new UsageError(`--name is ${name.length} characters long; Exchange allows at most ${NAME_LIMIT}.`, 'Use a shorter assignment name.');
  return name;
}

export function checkGroupName(group: string): string {
  if (!group.trim()) throw new UsageError('--scope-group is empty.', 'Name a mail-enabled security group, e.g. --scope-group "Room Bookers".');
  if (CONTROL.test(group)) throw new UsageError('--scope-group contains a control character (newline, tab or NUL).', 'Give the group name exactly as Get-Group shows it.');
  if (group.length > 256) throw new UsageError(`--scope-group is ${group.length} characters long; group names are at most 256.`, 'Give the group name exactly as Get-Group shows it.');
  return group;
}

export function defaultAssignmentName(account: string): string {
  return `ApplicationImpersonation-${account.split('@')[0]}`.slice(0, NAME_LIMIT);
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
