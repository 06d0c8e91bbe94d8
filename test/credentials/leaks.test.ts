// The password never shows: not in the argv or environment of imp or anything it starts, not in its
// output (plain, --verbose, --json), not in error messages, and not in any file it writes.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runImp, SimProcess, type Lab } from '../helpers/imp';
import { clearKeychain, contains, MARKER, filesContaining, hostilePassword, leakPatterns, ProcessWatch, requireTestKeyring, Sandbox, setLabPassword } from './support';

describe('the service account password never leaks', function () {
  this.timeout(300_000);
  let sim: SimProcess;
  let lab: Lab;
  let sandbox: Sandbox;

  before(async () => {
    requireTestKeyring();
    // Each EWS request takes 300 ms longer, so every run lasts long enough to be watched.
    sim = await SimProcess.start(['--rooms', '2', '--users', '1', '--ews-latency', '300ms']);
    lab = sim.lab;
    sandbox = new Sandbox();
  });
  after(async () => {
    await clearKeychain();
    await sim?.stop();
    sandbox?.remove();
  });

  it('(the watchers themselves find a password in argv, environment and files, in any encoding)', async () => {
    const password = hostilePassword();
    const patterns = leakPatterns(password);
    const watch = new ProcessWatch(patterns);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 400)', password], { env: { LEAK: JSON.stringify(password) } });
    watch.watch(sleeper.pid!);
    await new Promise((resolve) => sleeper.on('exit', resolve));
    watch.stop();
    assert.ok(watch.leaks.some((l) => l.startsWith('argv of pid')), 'argv');
    assert.ok(watch.leaks.some((l) => l.startsWith('environment of pid')), 'environment');
    const file = join(sandbox.root, 'tmp', 'utf16.txt');
    writeFileSync(file, Buffer.from(`x${password}x`, 'utf16le'));
    assert.deepEqual(filesContaining([sandbox.root], patterns), [file]);
    const at = password.indexOf(MARKER);
    writeFileSync(file, `{"p":${JSON.stringify(password.slice(at - 20, at + 30))}}`);
    assert.deepEqual(filesContaining([sandbox.root], patterns), [file], 'a fragment, JSON-escaped');
    writeFileSync(file, '');
  });

  it('in argv, environment, output, error messages or files, for every command that handles it', async () => {
    const password = hostilePassword();
    const patterns = leakPatterns(password);
    setLabPassword(lab, password);
    const { account, username, ewsUrl, caFile } = lab.settings;
    const ews = ['--ews-url', ewsUrl!, '--ca', caFile!, '--username', username];
    const verify = ['verify', '--account', account, ...ews, '--no-powershell', '--wait', '0'];
    const remote = ['--exchange', 'remote', '--exchange-server', 'ex01.contoso.invalid', '--exchange-credential', account, 'grant', '--account', account];

    const runs: { label: string; args: string[]; input?: string; code: number; before?: () => void }[] = [
      { label: 'set --test --verbose', args: ['--verbose', 'credentials', 'set', '--account', account, '--password-stdin', '--test', ...ews], input: `${password}\n`, code: 0 },
      { label: 'set --json', args: ['--json', 'credentials', 'set', '--account', account, '--password-stdin', '--test', ...ews], input: `${password}\n`, code: 0 },
      { label: 'list', args: ['credentials', 'list'], code: 0 },
      { label: 'list --json', args: ['--json', 'credentials', 'list'], code: 0 },
      { label: 'test --verbose', args: ['--verbose', 'credentials', 'test', '--account', account, ...ews], code: 0 },
      { label: 'test --json', args: ['--json', 'credentials', 'test', '--account', account, ...ews], code: 0 },
      { label: 'verify --verbose', args: ['--verbose', ...verify], code: -1 },
      { label: 'verify --json', args: ['--json', ...verify], code: -1 },
      { label: 'remote connect --verbose', args: ['--verbose', ...remote], code: 3 },
      { label: 'remote connect --json', args: ['--json', ...remote], code: 3 },
      // The server now has another password: the stored one fails, in every way of reporting it.
      { label: 'test, refused --verbose', args: ['--verbose', 'credentials', 'test', '--account', account, ...ews], code: 2, before: () => setLabPassword(lab, 'rotated-by-AD') },
      { label: 'test, refused --json', args: ['--json', 'credentials', 'test', '--account', account, ...ews], code: 2 },
      { label: 'set --test, refused --verbose', args: ['--verbose', 'credentials', 'set', '--account', account, '--password-stdin', '--test', ...ews], input: `${password}\n`, code: 2 },
      { label: 'verify, refused --json', args: ['--json', ...verify], code: 2 },
      { label: 'set --test, unreachable --json', args: ['--json', 'credentials', 'set', '--account', account, '--password-stdin', '--test', '--ews-url', 'https://127.0.0.1:9/EWS/Exchange.asmx'], input: `${password}\n`, code: 3 },
    ];

    let pwshSeen = false;
    for (const { label, args, input, code, before } of runs) {
      before?.();
      const watch = new ProcessWatch(patterns);
      const run = await runImp(args, { input, cwd: sandbox.cwd, env: sandbox.env, onSpawn: (child) => watch.watch(child.pid!) });
      watch.stop();
      if (code >= 0) assert.equal(run.code, code, `${label}: ${run.stderr}`);
      else assert.notEqual(run.code, 3, `${label}: ${run.stderr}`);
      assert.ok(run.stdout.trim() || run.stderr.trim(), `${label} said something`);
      assert.ok(!contains(run.stdout, patterns), `${label}: the password is in stdout`);
      assert.ok(!contains(run.stderr, patterns), `${label}: the password is in stderr`);
      assert.deepEqual(watch.leaks, [], label);
      assert.ok(watch.family.has(run.pid), `${label}: the watch saw imp itself`);
      // The remote runs must fail where intended (pwsh here has no WSMan client), not earlier for another reason.
      if (label.startsWith('remote connect')) assert.match(run.stdout + run.stderr, /New-PSSession/, `${label}: ${run.stdout}${run.stderr}`);
      pwshSeen ||= [...watch.family.values()].some((argv) => argv.some((a) => /pwsh/.test(a)));
    }
    assert.ok(pwshSeen, 'the watch saw the PowerShell the remote connection started');
    // HOME, XDG directories, TMPDIR and the working directory of every run, and the lab's own files.
    assert.deepEqual(filesContaining([sandbox.root, lab.settings.stateDir], patterns), []);
  });
});
