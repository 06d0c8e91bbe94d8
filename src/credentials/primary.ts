// The address a password belongs under: the primary SMTP address of the mailbox the given address is an
// address of (issue 11.4). An alias would otherwise send the admin to "No credential is stored for <alias>"
// and then to "HTTP 401". The Management Shell names the primary where it is at hand; EWS ResolveNames does
// once a password is (src/credentials/alias.ts, and `credentials set --test`).
import { z } from 'zod';
import { ImpError } from '../errors';
import type { EwsConnection } from '../ews';
import type { ExchangeTarget } from '../exchange/connection';
import { mailboxSchema } from '../exchange/schemas';
import { interruption } from '../interrupt';
import type { PowerShellSession } from '../powershell/session';

export type PrimaryLookup =
  /** The mailbox's primary address; `alias` when the address given is another of its addresses. */
  | { kind: 'mailbox'; primary: string; mailbox: string; alias: boolean }
  /** Exchange has no mailbox with this address (an admin's UPN for --exchange-credential, say). */
  | { kind: 'no-mailbox' }
  /** Exchange was not asked: why. */
  | { kind: 'not-asked'; reason: string };

/** What the lookup needs from the command: satisfied by CommandContext. */
export interface ShellAccess {
  exchange(): PowerShellSession;
  dispose(): Promise<void>;
}

/**
 * Whether to ask the Management Shell at all. Only where one is configured (an --exchange option or the
 * configuration file) or this is an Exchange server (Exchange setup sets ExchangeInstallPath, which the
 * local loader needs): on a workstation a PowerShell start would only fail. An account without "@" is an
 * admin's DOMAIN\user, and the --exchange-credential account is needed to reach the Management Shell itself.
 */
export function managementShellFor(address: string, target: ExchangeTarget, skip: boolean): { ask: true } | { ask: false; reason: string } {
  if (skip) return { ask: false, reason: '--no-powershell' };
  if (!address.includes('@')) return { ask: false, reason: 'not an SMTP address' };
  if (target.exchangeCredential && target.exchangeCredential.toLowerCase() === address.toLowerCase()) return { ask: false, reason: 'it is the --exchange-credential account' };
  const configured = target.exchange !== undefined || target.exchangeModule !== undefined || target.exchangeServer !== undefined || Boolean(process.env.ExchangeInstallPath);
  return configured ? { ask: true } : { ask: false, reason: 'no Management Shell here (no --exchange option, and not an Exchange server)' };
}

const resolvedSchema = z.object({ mailbox: mailboxSchema.nullable() });

/** Asks the Management Shell (templates/resolve-address.ps1); a session that cannot be reached is "not asked", with why. */
export async function primaryFromManagementShell(access: ShellAccess, address: string): Promise<PrimaryLookup> {
  try {
    const { mailbox } = (await access.exchange().run('resolve-address', { address }, resolvedSchema)).result;
    if (!mailbox) return { kind: 'no-mailbox' };
    return { kind: 'mailbox', primary: mailbox.primarySmtpAddress, mailbox: mailbox.name, alias: !mailbox.isPrimary };
  } catch (error) {
    if (!(error instanceof ImpError) || interruption.interrupted) throw error;
    return { kind: 'not-asked', reason: `the Management Shell could not be asked: ${error.message}` };
  } finally {
    await access.dispose();
  }
}

/** Asks EWS ResolveNames, logged in as `connection`; "not-asked" when EWS could not answer. */
export async function primaryFromEws(connection: EwsConnection, address: string): Promise<PrimaryLookup> {
  const { closeAllEwsConnections, resolveName } = await import('../ews');
  try {
    const resolved = await resolveName(connection, address, { signal: interruption.signal });
    if (!resolved.ok) return { kind: 'not-asked', reason: `EWS ResolveNames failed: ${resolved.failure.message}` };
    if (!resolved.value) return { kind: 'no-mailbox' };
    const primary = resolved.value.primarySmtpAddress;
    return { kind: 'mailbox', primary, mailbox: resolved.value.name, alias: primary.toLowerCase() !== address.toLowerCase() };
  } finally {
    closeAllEwsConnections();
  }
}
