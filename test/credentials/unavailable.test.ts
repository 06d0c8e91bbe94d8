// No usable keychain: no D-Bus session bus, a locked keyring, a Secret Service without a login keyring.
// imp stops with exit 3 and says what to install or unlock; it never falls back to writing the password
// anywhere else.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { CLI, PWSH, runImp, type ImpRun } from '../helpers/imp';
import { filesUnder, ProcessWatch, leakPatterns, Sandbox } from './support';

const ACCOUNT = 'svc-booking@contoso.com';
const PASSWORD = 'Unstorable-pa55word’$';
const EWS = ['--ews-url', 'https://127.0.0.1:9/EWS/Exchange.asmx'];

/** Every command that touches the keychain, with the input it needs. */
const COMMANDS: { label: string; args: string[]; input?: string }[] = [
  { label: 'credentials set', args: ['credentials', 'set', '--account', ACCOUNT, '--password-stdin'], input: `${PASSWORD}\n` },
  { label: 'credentials set --test', args: ['credentials', 'set', '--account', ACCOUNT, '--password-stdin', '--test', ...EWS], input: `${PASSWORD}\n` },
  { label: 'credentials test', args: ['credentials', 'test', '--account', ACCOUNT, ...EWS] },
  { label: 'credentials list', args: ['credentials', 'list'] },
  { label: 'credentials delete', args: ['credentials', 'delete', '--account', ACCOUNT] },
  { label: 'verify', args: ['verify', '--account', ACCOUNT, ...EWS, '--no-powershell', '--wait', '0'] },
  { label: '--exchange-credential', args: ['--exchange', 'remote', '--exchange-server', 'ex01.contoso.com', '--exchange-credential', 'CONTOSO\\exadmin', 'grant', '--account', ACCOUNT] },
];

/** Runs imp on a private D-Bus session bus after `prepare` (a shell snippet) has set up its Secret Service. */
function runInPrivateSession(prepare: string, args: string[], input = ''): Promise<ImpRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'imp-cred-bus-'));
  return new Promise((resolve, reject) => {
    const child = spawn('dbus-run-session', ['--', 'bash', '-c', `${prepare}\n"$@"`, 'imp-session', process.execPath, CLI, ...args], {
      env: { ...process.env, HOME: scratch, XDG_DATA_HOME: join(scratch, 'data'), XDG_RUNTIME_DIR: scratch, IMP_POWERSHELL: PWSH, NO_COLOR: '1', DISPLAY: undefined },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(scratch, { recursive: true, force: true });
      resolve({ code, stdout, stderr, pid: child.pid! });
    });
    child.stdin.end(input);
  });
}

describe('no usable keychain', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  beforeEach(() => (sandbox = new Sandbox()));
  afterEach(() => sandbox.remove());

  for (const [what, bus, reason] of [
    ['a D-Bus address that leads nowhere', 'unix:path=/nonexistent', /Failed to connect to (socket |address `unix:path=)\/nonexistent/],
    ['no D-Bus session bus at all', undefined, /set your DBUS_SESSION_BUS_ADDRESS|Failed to connect to address `unix:path=[^`]*\/bus`/],
  ] as const) {
    it(`${what}: exit 3, what to install or unlock, nothing written, nothing started`, async () => {
      for (const { label, args, input } of COMMANDS) {
        const watch = new ProcessWatch(leakPatterns(PASSWORD));
        const run = await runImp(['--json', ...args], {
          input,
          cwd: sandbox.cwd,
          env: { ...sandbox.env, DBUS_SESSION_BUS_ADDRESS: bus, DISPLAY: undefined },
          onSpawn: (child) => watch.watch(child.pid!),
        });
        watch.stop();
        assert.equal(run.code, 3, `${label}: ${run.stderr}`);
        assert.equal(JSON.parse(run.stdout).error.code, 'KEYCHAIN_UNAVAILABLE', label);
        assert.match(run.stderr, /error: The OS keychain cannot be used: there is no D-Bus session bus to reach a Secret Service on/, label);
        assert.match(run.stderr, reason, label);
        assert.match(run.stderr, /fix: Run imp in a session with a D-Bus session bus and an unlocked Secret Service: .*dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock --components=secrets; imp \.\.\.'/, label);
        assert.match(run.stderr, /imp never falls back to a file/, label);
        assert.deepEqual([...watch.family.keys()].filter((pid) => pid !== run.pid), [], `${label}: no PowerShell or helper was started`);
        assert.deepEqual(watch.leaks, [], label);
      }
      assert.deepEqual(filesUnder(sandbox.root), [], 'not a single file was written');
    });
  }

  it('a locked keyring: exit 3, "unlock it", even where the Secret Service would answer "nothing stored"', async () => {
    // gnome-keyring unlocked once (which creates the login keyring), then locked again over D-Bus.
    const locked = [
      "printf 'keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null",
      'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null',
    ].join('\n');
    for (const { label, args, input } of COMMANDS.filter((c) => c.label !== '--exchange-credential')) {
      const run = await runInPrivateSession(locked, args, input);
      assert.equal(run.code, 3, `${label}: ${run.stderr}`);
      assert.match(run.stderr, /error: The OS keychain cannot be used: the keyring is locked \(.*unlock prompt was dismissed\)/, label);
      assert.match(run.stderr, /fix: Unlock it:/, label);
    }
  });

  it('a keychain binding that does not load (its platform binary missing, as after --omit=optional): exit 3, how to reinstall', async () => {
    // A copy of the installed imp, linked file by file, without @napi-rs/keyring-linux-x64-gnu.
    const install = mkdtempSync(join(tmpdir(), 'imp-cred-install-'));
    try {
      for (const entry of ['dist', 'templates', 'package.json']) symlinkSync(join(packageRoot, entry), join(install, entry));
      mkdirSync(join(install, 'node_modules', '@napi-rs'), { recursive: true });
      for (const entry of readdirSync(join(packageRoot, 'node_modules'))) {
        if (entry !== '@napi-rs') symlinkSync(join(packageRoot, 'node_modules', entry), join(install, 'node_modules', entry));
      }
      symlinkSync(join(packageRoot, 'node_modules', '@napi-rs', 'keyring'), join(install, 'node_modules', '@napi-rs', 'keyring'));
      const run = await new Promise<ImpRun>((resolve, reject) => {
        // --preserve-symlinks: modules resolve from the copy's node_modules, not the real one.
        const child = spawn(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', join(install, 'dist', 'cli.js'), 'credentials', 'list'], {
          env: { ...process.env, NO_COLOR: '1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! }));
      });
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /error: The OS keychain cannot be used: the @napi-rs\/keyring native module did not load \(Cannot find native binding/);
      assert.match(run.stderr, /fix: Reinstall imp \(npm ci, or unzip the offline bundle again\) so that its prebuilt keychain binary for linux-x64 is present: .*@napi-rs\/keyring-linux-x64-\*/);
    } finally {
      rmSync(install, { recursive: true, force: true });
    }
  });

  it('a Secret Service without a login keyring: exit 3, and how to create it', async () => {
    // gnome-keyring is started by D-Bus activation, never unlocked, so it has no login collection.
    const run = await runInPrivateSession('', ['credentials', 'set', '--account', ACCOUNT, '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /error: The OS keychain cannot be used: the Secret Service has no login keyring yet/);
    assert.match(run.stderr, /fix: gnome-keyring creates it when first unlocked with a password/);
  });
});
