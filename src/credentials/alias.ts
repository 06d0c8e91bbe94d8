// An alias given where imp expects the service account's address: find the credential stored under the
// primary address. The Management Shell names the primary when it is available; without it, each account
// imp has a password for asks EWS ResolveNames whether the alias is one of its own addresses.
import type { EwsConnection } from '../ews';
import { credentialKey, listAccounts, readCredential } from './keychain';

export interface AliasCredential {
  /** The primary SMTP address the alias belongs to, under which the password is stored. */
  primary: string;
  password: string;
  storedAt: string | null;
}

/**
 * The stored account whose mailbox `alias` is an address of, with its password; undefined when none is.
 * Only consulted when nothing is stored under `alias` itself. `connect` says how to reach EWS as an account.
 */
export async function credentialOfAlias(alias: string, connect: (account: string, password: string) => EwsConnection): Promise<AliasCredential | undefined> {
  const wanted = credentialKey(alias);
  const { resolveName } = await import('../ews');
  for (const account of await listAccounts()) {
    // Only mailbox addresses can own an alias; DOMAIN\user entries are Exchange admin logons.
    if (!account.includes('@') || account === wanted) continue;
    const credential = await readCredential(account);
    if (!credential) continue;
    const resolved = await resolveName(connect(account, credential.password), alias);
    if (resolved.ok && resolved.value && credentialKey(resolved.value.primarySmtpAddress) === account) {
      return { primary: resolved.value.primarySmtpAddress, password: credential.password, storedAt: credential.storedAt };
    }
  }
  return undefined;
}
