// The service account's password lives in the OS keychain (Windows Credential Manager, macOS Keychain,
// Secret Service on Linux) through keytar, and nowhere else: there is no plaintext fallback.
// This is the only module that imports keytar, and it does so lazily (a native module, and optional
// for commands that never touch a password).
import { ExitCode, ImpError, errorMessage } from '../errors';

export const KEYCHAIN_SERVICE = 'imp: Exchange service account';

type Keytar = typeof import('keytar');

export interface StoredCredential {
  account: string;
  password: string;
  /** When imp stored it: `imp expiry --check-login` compares it with AD's PasswordLastSet. */
  storedAt: string | null;
}

export class KeychainUnavailableError extends ImpError {
  constructor(reason: string, cause?: unknown) {
    super('KEYCHAIN_UNAVAILABLE', `The OS keychain cannot be used: ${reason}.`, {
      exitCode: ExitCode.UNKNOWN,
      cause,
      suggestion:
        process.platform === 'win32'
          ? 'Run imp as the Windows user who owns the credential, with a loaded profile (Credential Manager is per user).'
          : process.platform === 'darwin'
            ? 'Unlock the login keychain (security unlock-keychain) and run imp in that user session.'
            : 'Install a Secret Service (apt-get install gnome-keyring libsecret-1-0 dbus-user-session) and run imp in a D-Bus session where it is unlocked: ' +
              'a desktop login does this; headless, run dbus-run-session -- sh -c \'gnome-keyring-daemon --unlock --components=secrets; imp ...\' (the daemon reads the keyring password on stdin). ' +
              'imp never falls back to a file; for a one-off run, pass the password with --password-stdin instead.',
    });
  }
}

export class CredentialNotStoredError extends ImpError {
  constructor(account: string, offerStdin = true) {
    super('CREDENTIAL_NOT_STORED', `No credential is stored for ${account} in the OS keychain.`, {
      exitCode: ExitCode.UNKNOWN,
      suggestion: `Store it with "imp credentials set --account ${account}"${offerStdin ? ', or pass --password-stdin' : ''}.`,
    });
  }
}

/** The keychain by the name an admin knows it. */
export function keychainName(): string {
  if (process.platform === 'win32') return 'Windows Credential Manager';
  if (process.platform === 'darwin') return 'macOS Keychain';
  return 'Secret Service keyring';
}

/** Accounts are keyed case-insensitively, as Exchange treats SMTP addresses. */
export function credentialKey(account: string): string {
  return account.trim().toLowerCase();
}

let loaded: Keytar | undefined;
async function keytar(): Promise<Keytar> {
  if (loaded) return loaded;
  try {
    loaded = (await import('keytar')) as Keytar;
    return loaded;
  } catch (error) {
    throw new KeychainUnavailableError(`the keytar native module did not load (${errorMessage(error)}); reinstall imp with the build tools and libsecret-1-dev present`, error);
  }
}

/** What libsecret's terse messages mean on a headless Linux box (see reference/libraries.md §2). */
const LINUX_DIAGNOSES: [RegExp, string][] = [
  [/autolaunch D-Bus without X11|Could not connect|DBUS_SESSION_BUS_ADDRESS/i, 'there is no D-Bus session bus to reach a Secret Service on'],
  [/not provided by any \.service files|org\.freedesktop\.secrets/i, 'no Secret Service (gnome-keyring or KeePassXC) is installed or running'],
  [/locked collection|is locked/i, 'the keyring is locked'],
  [/collection\/login|Object does not exist at path/i, 'the Secret Service has no login keyring yet (it is created when gnome-keyring is first unlocked)'],
];

function describeFailure(error: unknown): string {
  const message = errorMessage(error).replace(/\s+/g, ' ').trim();
  const diagnosis = process.platform === 'linux' ? LINUX_DIAGNOSES.find(([pattern]) => pattern.test(message))?.[1] : undefined;
  return diagnosis ? `${diagnosis} (${message})` : message;
}

/** Runs a keychain call, turning "no D-Bus", "locked collection" and the like into KeychainUnavailableError. */
async function withKeychain<T>(call: (k: Keytar) => Promise<T>): Promise<T> {
  const k = await keytar();
  try {
    return await call(k);
  } catch (error) {
    throw new KeychainUnavailableError(describeFailure(error), error);
  }
}

function encode(password: string, storedAt: Date): string {
  return JSON.stringify({ v: 1, password, storedAt: storedAt.toISOString() });
}

function decode(account: string, secret: string): StoredCredential {
  try {
    const parsed = JSON.parse(secret) as { v?: number; password?: unknown; storedAt?: unknown };
    if (parsed && parsed.v === 1 && typeof parsed.password === 'string') {
      return { account, password: parsed.password, storedAt: typeof parsed.storedAt === 'string' ? parsed.storedAt : null };
    }
  } catch {
    // stored by something else: the secret is the password itself
  }
  return { account, password: secret, storedAt: null };
}

export async function storeCredential(account: string, password: string, now = new Date()): Promise<void> {
  await withKeychain((k) => k.setPassword(KEYCHAIN_SERVICE, credentialKey(account), encode(password, now)));
}

export async function readCredential(account: string): Promise<StoredCredential | null> {
  const secret = await withKeychain((k) => k.getPassword(KEYCHAIN_SERVICE, credentialKey(account)));
  return secret === null ? null : decode(credentialKey(account), secret);
}

/** The stored credential, or CredentialNotStoredError (exit 3). */
export async function requireCredential(account: string, offerStdin = true): Promise<StoredCredential> {
  const credential = await readCredential(account);
  if (!credential) throw new CredentialNotStoredError(account, offerStdin);
  return credential;
}

export async function deleteCredential(account: string): Promise<boolean> {
  return withKeychain((k) => k.deletePassword(KEYCHAIN_SERVICE, credentialKey(account)));
}

/** Accounts only: keytar's findCredentials hands back the secrets too; they are dropped here, unread. */
export async function listAccounts(): Promise<string[]> {
  const credentials = await withKeychain((k) => k.findCredentials(KEYCHAIN_SERVICE));
  return credentials.map((c) => c.account).sort();
}
