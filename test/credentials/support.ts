// What the credential tests share: a password built to break every hop, a sandbox for the files imp
// might write, and a watcher that reads every process's argv and environment while imp runs.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteCredential, listAccounts } from '../../src/credentials/keychain';
import { hashPassword, writeState, type SimState, type SimUser } from '../../src/sim/state';
import { descendants, type Lab } from '../helpers/imp';

/** These tests write to the OS keychain: only ever to the throw-away one scripts/with-keyring starts. */
export function requireTestKeyring(): void {
  if (!process.env.IMP_KEYRING_INNER) {
    throw new Error('The credential tests store passwords in the OS keychain: run them through scripts/with-keyring (as CI does), never against your own keyring.');
  }
}

/** Removes whatever the tests stored. */
export async function clearKeychain(): Promise<void> {
  for (const account of await listAccounts()) await deleteCredential(account);
}

/** A fragment of pure ASCII that survives any escaping: found anywhere, part of the password leaked. */
export const MARKER = 'Qz7uKw3RfX9pLm2';

/**
 * 256 characters: ASCII and typographic quotes, `$` and PowerShell expressions, backticks, backslash,
 * shell metacharacters, Latin, Cyrillic, CJK and a character outside the BMP.
 */
export function hostilePassword(): string {
  const core = `'"‘’“”$\`$(whoami)\${env:PATH}\`n \\ % ; | & < > # @{x} ÄÖÜäöüß éñ Жж 中文 🔑 ${MARKER}`;
  const filler = Array.from({ length: 256 }, (_, i) => 'Aa0-_.~'[i % 7]).join('');
  const password = Array.from(core + filler).slice(0, 256).join('');
  assert.equal(Array.from(password).length, 256);
  return password;
}

/** The forms a leak could take: as is, UTF-16, JSON-escaped, base64, or a telling fragment. */
export function leakPatterns(password: string): Buffer[] {
  return [
    Buffer.from(password, 'utf8'),
    Buffer.from(password, 'utf16le'),
    Buffer.from(JSON.stringify(password).slice(1, -1), 'utf8'),
    Buffer.from(Buffer.from(password, 'utf8').toString('base64'), 'utf8'),
    ...(password.includes(MARKER) ? [Buffer.from(MARKER, 'utf8')] : []),
  ];
}

export function contains(haystack: string | Buffer, patterns: Buffer[]): boolean {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  return patterns.some((p) => bytes.includes(p));
}

/** Reads /proc every few milliseconds: argv of every process, environment of imp and its children. */
export class ProcessWatch {
  /** Where the password was found (pid and program only: never the text itself). */
  readonly leaks: string[] = [];
  /** argv of imp and every process it started, by pid. */
  readonly family = new Map<number, string[]>();
  private timer: NodeJS.Timeout | undefined;
  private root = 0;

  constructor(private readonly patterns: Buffer[]) {}

  watch(pid: number): void {
    this.root = pid;
    this.scan();
    this.timer = setInterval(() => this.scan(), 20);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private scan(): void {
    const family = new Set([this.root, ...descendants(this.root)]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`);
        const argv = cmdline.toString('utf8').split('\0').filter(Boolean);
        if (contains(cmdline, this.patterns)) this.leaks.push(`argv of pid ${pid} (${argv[0]})`);
        if (!family.has(pid)) continue;
        // An exiting process (a zombie until its parent reaps it) shows an empty cmdline: keep what it ran.
        if (argv.length > 0 || !this.family.has(pid)) this.family.set(pid, argv);
        if (contains(readFileSync(`/proc/${entry}/environ`), this.patterns)) this.leaks.push(`environment of pid ${pid} (${argv[0]})`);
      } catch {
        // the process ended while we looked
      }
    }
  }
}

/** Files (recursively) under `dirs` whose bytes hold the password in any of its forms. */
export function filesContaining(dirs: string[], patterns: Buffer[]): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return; // a socket or a file removed meanwhile
    }
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else if (stat.isFile() && contains(readFileSync(path), patterns)) found.push(path);
  };
  for (const dir of dirs) walk(dir);
  return found;
}

/** Every file under `dir`. */
export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(path, entry.name));
      else files.push(join(path, entry.name));
    }
  };
  walk(dir);
  return files;
}

/** HOME, the XDG directories, TMPDIR and the working directory of an imp run, all in one place to search afterwards. */
export class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'imp-cred-sandbox-'));
  readonly cwd = join(this.root, 'cwd');

  constructor() {
    for (const dir of ['home', 'tmp', 'cwd', 'config', 'cache', 'data']) mkdirSync(join(this.root, dir));
  }

  get env(): NodeJS.ProcessEnv {
    return {
      HOME: join(this.root, 'home'),
      TMPDIR: join(this.root, 'tmp'),
      XDG_CONFIG_HOME: join(this.root, 'config'),
      XDG_CACHE_HOME: join(this.root, 'cache'),
      XDG_DATA_HOME: join(this.root, 'data'),
    };
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Changes the simulated service account (its password, lockout) or the EWS virtual directory. */
export function changeLab(lab: Lab, change: (account: SimUser, state: SimState) => void): void {
  const state = lab.state();
  const account = state.users.find((u) => u.userPrincipalName.toLowerCase() === lab.settings.username.toLowerCase())!;
  change(account, state);
  writeState(lab.settings.stateDir, state);
}

export function setLabPassword(lab: Lab, password: string): void {
  changeLab(lab, (account) => (account.passwordHash = hashPassword(password)));
}
