// Reads the service account from Active Directory through imp's PowerShell session (templates/expiry.ps1):
// Get-ADUser where the ActiveDirectory module exists, an [adsisearcher] LDAP query where it does not.
import { z } from 'zod';
import type { PowerShellSession } from '../powershell/session';
import { passwordExpiryFromFileTime } from './filetime';
import type { AccountFacts } from './status';

export const directoryAccountSchema = z.object({
  found: z.boolean(),
  source: z.enum(['Get-ADUser', 'adsisearcher']),
  account: z.string(),
  /** How the address was resolved: Exchange's Get-Mailbox (any proxy address), or AD's mail/userPrincipalName. */
  lookup: z.enum(['mailbox', 'directory']),
  distinguishedName: z.string().nullable(),
  samAccountName: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  enabled: z.boolean().nullable(),
  lockedOut: z.boolean().nullable(),
  passwordNeverExpires: z.boolean().nullable(),
  passwordLastSet: z.string().nullable(),
  /** msDS-UserPasswordExpiryTimeComputed as decimal text: sentinels included, never converted in PowerShell. */
  expiryFileTime: z.string().nullable(),
});
export type DirectoryAccount = z.infer<typeof directoryAccountSchema>;

export type DirectoryLookup =
  | { found: false; source: DirectoryAccount['source'] }
  | { found: true; source: DirectoryAccount['source']; facts: AccountFacts; account: DirectoryAccount };

export async function readAccountFromDirectory(session: PowerShellSession, account: string): Promise<DirectoryLookup> {
  const { result } = await session.run('expiry', { account }, directoryAccountSchema);
  if (!result.found) return { found: false, source: result.source };
  return {
    found: true,
    source: result.source,
    account: result,
    facts: {
      source: result.source,
      identity: result.samAccountName || result.distinguishedName || account,
      enabled: result.enabled,
      lockedOut: result.lockedOut,
      passwordLastSet: result.passwordLastSet,
      expiry: passwordExpiryFromFileTime(result.expiryFileTime),
    },
  };
}
