// The service account's password lives in the OS keychain (Windows Credential Manager, macOS Keychain,
// Secret Service on Linux) through @napi-rs/keyring, and nowhere else: there is no plaintext fallback.
// This is the only module that imports the binding, and it does so lazily (a native module, and optional
// for commands that never touch a password).
import { ExitCode, ImpError, errorMessage } from '../errors';

export const KEYCHAIN_SERVICE = 'imp: Exchange service account';

type Keyring = typeof import('@napi-rs/keyring');

export interface StoredCredential {
  account: string;
  password: string;
  /** When imp stored it: `imp expiry --check-login` compares it with AD's PasswordLastSet. */
  storedAt: string | null;
}

const UNLOCKED_SESSION = "dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock --components=secrets; imp ...' (the daemon reads the keyring password on stdin)";
const HEADLESS_SESSION = `headless (SSH, cron, a service), start one unlocked around imp: ${UNLOCKED_SESSION}`;
const NO_FALLBACK = 'imp never falls back to a file; a single run can take the password with --password-stdin instead.';

function defaultFix(): string {
  if (process.platform === 'win32') return 'Run imp as the Windows user who owns the credential, with a loaded profile (Credential Manager is per user).';
  if (process.platform === 'darwin') return 'Unlock the login keychain (security unlock-keychain) and run imp in that user session.';
  return `Install a Secret Service (apt-get install gnome-keyring dbus-user-session) and run imp where it is unlocked: a desktop login does that; ${HEADLESS_SESSION}.`;
}

export class KeychainUnavailableError extends ImpError {
  constructor(reason: string, cause?: unknown, fix = defaultFix()) {
    super('KEYCHAIN_UNAVAILABLE', `The OS keychain cannot be used: ${reason}.`, {
      exitCode: ExitCode.UNKNOWN,
      cause,
      suggestion: `${fix} ${NO_FALLBACK}`,
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

let loaded: Keyring | undefined;
async function keyring(): Promise<Keyring> {
  if (loaded) return loaded;
  try {
    const module = (await import('@napi-rs/keyring')) as Keyring & { default?: Keyring };
    // Native import() of this CommonJS module (tsx, bundlers) may put it whole only under `default`.
    loaded = typeof module.default?.findCredentialsAsync === 'function' ? module.default : module;
    return loaded;
  } catch (error) {
    throw new KeychainUnavailableError(
      `the @napi-rs/keyring native module did not load (${errorMessage(error).split('\n')[0]})`,
      error,
      `Reinstall imp (npm ci, or unzip the offline bundle again) so that its prebuilt keychain binary for ${process.platform}-${process.arch} is present: it comes as the npm package @napi-rs/keyring-${process.platform}-${process.arch}-*, which an install with --omit=optional leaves out.`,
    );
  }
}

/**
 * On Linux the binding would silently fall back to the kernel keyutils keyring, which lives in memory and
 * is gone after a reboot: pin the Secret Service so an unusable one is an error, not a lost password.
 */
const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

function entry(k: Keyring, account: string) {
  return new k.AsyncEntry(KEYCHAIN_SERVICE, account, ENTRY_OPTIONS);
}

/** What the Secret Service's terse messages mean on a Linux box, and the fix (see reference/libraries.md §2). */
const LINUX_DIAGNOSES: { pattern: RegExp; reason: string; fix: string }[] = [
  {
    pattern: /autolaunch|Failed to connect|Could not connect|DBUS_SESSION_BUS_ADDRESS/i,
    reason: 'there is no D-Bus session bus to reach a Secret Service on',
    fix: `Run imp in a session with a D-Bus session bus and an unlocked Secret Service: a desktop login has both; ${HEADLESS_SESSION}.`,
  },
  {
    pattern: /not provided by any \.service files|org\.freedesktop\.secrets/i,
    reason: 'no Secret Service (gnome-keyring, KeePassXC) is installed or running',
    fix: `Install one (apt-get install gnome-keyring) and start it unlocked: a desktop login does that; ${HEADLESS_SESSION}.`,
  },
  {
    pattern: /locked collection|is locked|unlock prompt was dismissed/i,
    reason: 'the keyring is locked',
    fix: `Unlock it: on a desktop, log in graphically or unlock "Login" in Passwords and Keys (seahorse); ${HEADLESS_SESSION}.`,
  },
  {
    pattern: /collection\/login|Object does not exist at path|Secret Service: no result found/i,
    reason: 'the Secret Service has no login keyring yet',
    fix: `gnome-keyring creates it when first unlocked with a password, e.g. ${UNLOCKED_SESSION}.`,
  },
];

function keychainFailure(error: unknown): KeychainUnavailableError {
  const message = errorMessage(error).replace(/\s+/g, ' ').trim();
  const diagnosis = process.platform === 'linux' ? LINUX_DIAGNOSES.find((d) => d.pattern.test(message)) : undefined;
  return diagnosis ? new KeychainUnavailableError(`${diagnosis.reason} (${message})`, error, diagnosis.fix) : new KeychainUnavailableError(message, error);
}

/** Runs a keychain call, turning "no D-Bus", "locked collection" and the like into KeychainUnavailableError. */
async function withKeychain<T>(call: (k: Keyring) => Promise<T>): Promise<T> {
  const k = await keyring();
  try {
    return await call(k);
  } catch (error) {
    throw keychainFailure(error);
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
  await withKeychain((k) => entry(k, credentialKey(account)).setPassword(encode(password, now)));
}

/** A throw-away entry, written only to tell "nothing stored" from "keyring locked". */
const PROBE_ACCOUNT = '.imp-keychain-probe';

/**
 * The Secret Service answers a lookup in a locked keyring with "nothing found" instead of an error. A write does
 * fail ("locked collection"), or brings up the unlock dialog on a desktop, so an empty answer on Linux is
 * checked with a throw-away write before it is believed (and asked again, in case it just got unlocked).
 */
async function confirmedEmpty<T>(answer: T, empty: (answer: T) => boolean, again: () => Promise<T>): Promise<T> {
  if (!empty(answer) || process.platform !== 'linux') return answer;
  await withKeychain(async (k) => {
    await entry(k, PROBE_ACCOUNT).setPassword('probe');
    await entry(k, PROBE_ACCOUNT).deletePassword();
  });
  return again();
}

export async function readCredential(account: string): Promise<StoredCredential | null> {
  const key = credentialKey(account);
  const lookup = () => withKeychain((k) => entry(k, key).getPassword());
  const secret = await confirmedEmpty(await lookup(), (s) => s === null, lookup);
  return secret === null ? null : decode(key, secret);
}

/** The stored credential, or CredentialNotStoredError (exit 3). */
export async function requireCredential(account: string, offerStdin = true): Promise<StoredCredential> {
  const credential = await readCredential(account);
  if (!credential) throw new CredentialNotStoredError(account, offerStdin);
  return credential;
}

/** False when nothing was stored for the account. */
export async function deleteCredential(account: string): Promise<boolean> {
  const remove = () => withKeychain((k) => entry(k, credentialKey(account)).deletePassword());
  return confirmedEmpty(await remove(), (deleted) => !deleted, remove);
}

/** Accounts only: findCredentials hands back the secrets too; they are dropped here, unread. */
export async function listAccounts(): Promise<string[]> {
  const find = async () => (await withKeychain((k) => k.findCredentialsAsync(KEYCHAIN_SERVICE))).map((c) => c.account).filter((a) => a !== PROBE_ACCOUNT);
  return (await confirmedEmpty(await find(), (accounts) => accounts.length === 0, find)).sort();
}
