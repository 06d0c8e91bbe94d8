// How a command is told to reach EWS: the flags, declared and worded here once, and the CA file behind
// --ca. verify, check, credentials and expiry all take them from here.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, errorMessage } from '../errors';

/** Which of the EWS flags a command takes, and what it does without --ews-url. */
export interface EwsOptionSet {
  /** Where the URL comes from when --ews-url is not given, e.g. 'the InternalUrl of the EWS virtual directory'. */
  urlDefault: string;
  insecure?: boolean;
  /** --password-stdin, with what it adds for this command (e.g. 'once, for both halves'), or true. */
  passwordStdin?: boolean | string;
}

/** What the EWS flags parse to; which of them a command has, its EwsOptionSet says. */
export interface EwsFlags {
  ewsUrl?: string;
  username?: string;
  ca?: string;
  insecure?: boolean;
  passwordStdin?: boolean;
}

export function addEwsOptions(command: Command, set: EwsOptionSet): Command {
  command
    .option('--ews-url <url>', `EWS endpoint, e.g. https://mail.contoso.com/EWS/Exchange.asmx (default: ${set.urlDefault})`)
    .option('--username <logon>', 'logon name for EWS Basic authentication (UPN or DOMAIN\\sam; default: the account address)')
    .option('--ca <pem>', 'trust this CA certificate (PEM file) for the EWS server, e.g. your internal CA');
  if (set.insecure) command.option('--insecure', 'do not verify the EWS TLS certificate (unsafe; prefer --ca)');
  if (set.passwordStdin) {
    const note = typeof set.passwordStdin === 'string' ? `, ${set.passwordStdin}` : '';
    command.option('--password-stdin', `read the service account password from the first line of standard input instead of the OS keychain${note}`);
  }
  return command;
}

/** The CA file given with --ca (or `ca` in the configuration), as PEM text. */
export function readCaFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the CA certificate ${path}: ${errorMessage(error)}.`, 'Pass the PEM file of the CA that issued the Exchange certificate.');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${path} is not a PEM certificate.`, 'Export the CA certificate as Base-64 (PEM), not DER.');
  // A damaged file must be blamed on itself here, not later on the server's certificate as a TLS failure.
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?(-----END CERTIFICATE-----|$)/g) ?? [];
  blocks.forEach((block, index) => {
    const which = blocks.length > 1 ? `certificate ${index + 1} of ${blocks.length} in ` : '';
    try {
      if (!block.endsWith('-----END CERTIFICATE-----')) throw new Error('it has no -----END CERTIFICATE----- line');
      // node:crypto loads only when there is a certificate to read: --help and most commands need none.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      new (require('node:crypto') as typeof import('node:crypto')).X509Certificate(block);
    } catch (error) {
      throw new UsageError(`The CA file ${path} is corrupt: ${which}it cannot be read (${errorMessage(error)}).`, 'Export the CA certificate again as Base-64 (PEM) and pass that file with --ca.');
    }
  });
  return pem;
}
