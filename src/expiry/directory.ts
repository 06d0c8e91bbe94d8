// Reads the service account from Active Directory through imp's PowerShell session (templates/expiry.ps1):
// Get-ADUser where the ActiveDirectory module exists and AD Web Services answers, an [adsisearcher] LDAP
// query otherwise; in whichever domain of the forest the account lives.
import { z } from 'zod';
import { ewsVirtualDirectoriesSchema } from '../exchange/schemas';
import type { PowerShellSession } from '../powershell/session';
import { passwordExpiryFromFileTime } from './filetime';
import type { AccountFacts } from './status';

const accountSchema = z.object({
  found: z.boolean(),
  account: z.string(),
  distinguishedName: z.string().nullable(),
  samAccountName: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  /** null: LDAP could not read userAccountControl; never a default. */
  enabled: z.boolean().nullable(),
  /** null: unknown (lockoutTime alone does not say whether the lockout duration has passed). */
  lockedOut: z.boolean().nullable(),
  passwordNeverExpires: z.boolean().nullable(),
  passwordLastSet: z.string().nullable(),
  /** msDS-UserPasswordExpiryTimeComputed as decimal text: sentinels included, never converted in PowerShell. */
  expiryFileTime: z.string().nullable(),
});

export const directoryAccountSchema = accountSchema.extend({
  source: z.enum(['Get-ADUser', 'adsisearcher']),
  /** How the address was resolved: Exchange's Get-Mailbox (any proxy address), or the Global Catalog. */
  lookup: z.enum(['mailbox', 'directory']),
  /** The mailbox's primary SMTP address (lookup 'mailbox'): the address may be an alias of it. */
  primarySmtpAddress: z.string().nullable().optional(),
  /** A linked mailbox's account in the account forest (DOMAIN\user): the one whose password matters. */
  linkedMasterAccount: z.string().nullable().optional(),
  /** Get-ADUser could not reach AD Web Services (TCP 9389), so LDAP answered: why. */
  adwsUnreachable: z.string().nullable().optional(),
  /** The Windows user this PowerShell runs as (asked with runAs). */
  runAs: accountSchema.extend({ error: z.string().optional() }).nullable().optional(),
  /** The EWS virtual directories (asked with ewsVirtualDirectories: --check-login without --ews-url). */
  ...ewsVirtualDirectoriesSchema.partial().shape,
});
export type DirectoryAccount = z.infer<typeof directoryAccountSchema>;
export type RunAsAccount = NonNullable<DirectoryAccount['runAs']>;

export type DirectoryLookup =
  | { found: false; source: DirectoryAccount['source']; account: DirectoryAccount }
  | { found: true; source: DirectoryAccount['source']; facts: AccountFacts; account: DirectoryAccount };

export function factsOf(account: z.infer<typeof accountSchema>, source: DirectoryAccount['source']): AccountFacts {
  return {
    source,
    identity: account.samAccountName || account.distinguishedName || account.account,
    enabled: account.enabled,
    lockedOut: account.lockedOut,
    passwordLastSet: account.passwordLastSet,
    expiry: passwordExpiryFromFileTime(account.expiryFileTime),
  };
}

export async function readAccountFromDirectory(session: PowerShellSession, account: string, options: { runAs?: boolean; ewsVirtualDirectories?: boolean } = {}): Promise<DirectoryLookup> {
  const parameters = { account, runAs: Boolean(options.runAs), ewsVirtualDirectories: Boolean(options.ewsVirtualDirectories) };
  const { result } = await session.run('expiry', parameters, directoryAccountSchema);
  if (!result.found) return { found: false, source: result.source, account: result };
  return { found: true, source: result.source, account: result, facts: factsOf(result, result.source) };
}

const fixResultSchema = z.object({ distinguishedName: z.string(), domain: z.string(), passwordNeverExpires: z.boolean().nullable() });

/** `imp expiry --fix never-expires`: sets PasswordNeverExpires on the account, in its own domain (templates/expiry-fix.ps1). */
export async function setPasswordNeverExpires(session: PowerShellSession, account: DirectoryAccount): Promise<z.infer<typeof fixResultSchema>> {
  const { result } = await session.run('expiry-fix', { distinguishedName: account.distinguishedName, source: account.source }, fixResultSchema);
  return result;
}

/** The change --fix never-expires makes, as an admin would type it (shown before it is made). */
export function neverExpiresCommand(account: DirectoryAccount): string {
  const domain = (account.distinguishedName ?? '').split(/(?<!\\),/).flatMap((p) => /^\s*DC=(.+)$/i.exec(p)?.[1] ?? []).join('.');
  return `Set-ADUser -Identity '${(account.distinguishedName ?? '').replace(/'/g, "''")}' -Server ${domain} -PasswordNeverExpires $true`;
}
