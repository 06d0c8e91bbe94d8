// Where a command gets the service account's password: one line on stdin (--password-stdin), else the
// OS keychain. Never from argv, the environment or a file.
import type { ReadStream } from 'node:tty';
import { UsageError } from '../errors';
import { requireCredential } from './keychain';
import { promptNewPassword } from './prompt';

export interface PasswordSource {
  password: string;
  source: 'stdin' | 'keychain';
  /** When the keychain credential was stored (null for stdin or a credential stored by other tools). */
  storedAt: string | null;
}

/** Reads stdin to its end and takes the first line (without its line ending). */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if ((stdin as NodeJS.ReadStream).isTTY) {
    throw new UsageError('--password-stdin expects the password on standard input, not a terminal.', 'Pipe it in, e.g. from a password manager: <command> | imp ... --password-stdin; or store it once with "imp credentials set".');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  const text = Buffer.concat(chunks).toString('utf8');
  const newline = text.search(/\r?\n/);
  const password = newline === -1 ? text : text.slice(0, newline);
  if (!password) throw new UsageError('--password-stdin received an empty password.', 'Send the password as the first line of standard input.');
  return password;
}

/**
 * The password `imp credentials set` stores: one line of stdin with --password-stdin, else typed twice at a
 * hidden prompt. Piped stdin without the flag is refused rather than guessed at: a script that forgot the
 * flag would otherwise store whatever happened to be on its stdin.
 */
export async function readNewPassword(account: string, passwordStdin: boolean | undefined, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (passwordStdin) return readPasswordFromStdin(stdin);
  if (!stdin.isTTY) {
    throw new UsageError(
      'Standard input is not a terminal, so imp cannot ask for the password.',
      `Pipe the password in with --password-stdin: <command> | imp credentials set --account ${account} --password-stdin`,
    );
  }
  return promptNewPassword(account, { input: stdin as ReadStream, output: process.stderr });
}

export async function obtainPassword(account: string, passwordStdin: boolean | undefined): Promise<PasswordSource> {
  if (passwordStdin) return { password: await readPasswordFromStdin(), source: 'stdin', storedAt: null };
  const credential = await requireCredential(account);
  return { password: credential.password, source: 'keychain', storedAt: credential.storedAt };
}
