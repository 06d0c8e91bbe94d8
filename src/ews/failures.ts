// What each EWS failure means to an Exchange admin, and the fix. Shared by verify, credentials test
// and expiry --check-login, so the same failure reads the same everywhere.
import type { EwsFailure } from './errors';
import { quote } from '../exchange/names';

interface Who {
  account: string;
  username: string;
}

interface VirtualDirectories {
  vdirs: { identity: string; server: string }[];
}

/** Said whenever --insecure is used: it must never pass quietly. */
export const INSECURE_WARNING =
  '--insecure: the EWS server certificate is NOT verified; anyone on the network path could capture the service account password. Trust your CA with --ca <pem> instead.';

/** The fix for Basic authentication switched off on EWS virtual directories. */
export function basicAuthenticationFix(vdirs: { identity: string; server: string }[]): string {
  return vdirs.map((v) => `Set-WebServicesVirtualDirectory -Identity ${quote(v.identity)} -BasicAuthentication $true; then iisreset on ${v.server}`).join(' ; ');
}

export function ewsFailureSummary(failure: EwsFailure, who: Who): string {
  switch (failure.kind) {
    case 'unauthorized':
      return `EWS refused the logon ${who.username} (HTTP 401): wrong password or logon name.`;
    case 'basic-disabled':
      return 'EWS does not accept Basic authentication (HTTP 401 offering only Negotiate/NTLM): it is off on the EWS virtual directory.';
    case 'locked-out':
      return `The account ${who.username} is locked out in Active Directory (HTTP 401).`;
    case 'forbidden':
      return `EWS answered HTTP 403 for ${who.username}: an authentication policy (BlockLegacyAuthWebServices) or IIS blocks Basic authentication for this account.`;
    case 'tls':
      return `The TLS certificate of the EWS server was not accepted: ${failure.message}`;
    case 'timeout':
    case 'network':
      return `EWS could not be reached: ${failure.message}`;
    case 'not-soap':
    case 'not-found':
    case 'unavailable':
      return failure.message;
    default:
      return `EWS answered ${failure.code ?? failure.kind}${failure.httpStatus ? ` (HTTP ${failure.httpStatus})` : ''}: ${failure.message}`;
  }
}

export function ewsFailureFix(failure: EwsFailure, who: Who, exchange?: VirtualDirectories): string {
  switch (failure.kind) {
    case 'unauthorized':
      return `Check the logon name (--username takes the UPN or DOMAIN\\sam) and store the current password: imp credentials set --account ${who.account}`;
    case 'basic-disabled': {
      return basicAuthenticationFix(exchange?.vdirs.length ? exchange.vdirs : [{ identity: '<server>\\EWS (Default Web Site)', server: '<server>' }]);
    }
    case 'locked-out':
      return `Unlock the account (Unlock-ADAccount) and find the system still using an old password; then imp credentials set --account ${who.account}`;
    case 'forbidden':
      return `Allow Basic authentication to EWS for this account: Set-User ${quote(who.account)} -AuthenticationPolicy <a policy without BlockLegacyAuthWebServices>`;
    case 'tls':
      return failure.tls === 'hostname-mismatch'
        ? 'Use the host name the certificate was issued for in --ews-url.'
        : failure.tls === 'expired' || failure.tls === 'not-yet-valid'
          ? 'Renew the Exchange certificate (Get-ExchangeCertificate / New-ExchangeCertificate) and assign it to IIS.'
          : 'Trust the CA that issued the Exchange certificate: --ca <ca.pem> (export it as Base-64 from the server\'s certificate chain).';
    case 'impersonation-denied':
      return `imp grant --account ${who.account}, then imp verify --wait 30m`;
    case 'no-mailbox':
      return 'Check the address: Exchange has no mailbox for it (Get-Recipient <address>).';
    case 'non-primary':
      return 'Use the primary SMTP address (Get-Mailbox <address> | Select PrimarySmtpAddress).';
    case 'server-busy':
    case 'unavailable':
      return 'Exchange is throttling or overloaded: run verify later or with a lower --concurrency.';
    case 'timeout':
    case 'network':
      return 'Check the EWS URL, DNS and firewall (HTTPS 443 to the Exchange server).';
    case 'not-soap':
      return 'Check that the EWS URL reaches Exchange itself (https://<server>/EWS/Exchange.asmx), not a proxy or sign-in page; then the IIS logs (W3SVC1) and EWS logs (V15\\Logging\\Ews) on the server for the HTTP 500.';
    case 'not-found':
      return 'Use the EWS URL Exchange publishes: Get-WebServicesVirtualDirectory | Format-List InternalUrl,ExternalUrl (it ends in /EWS/Exchange.asmx).';
    default:
      return 'Run imp verify --verbose and check the EWS logs on the Exchange server.';
  }
}
