// imp schedule end to end: the Task Scheduler path through real pwsh and the simulated ScheduledTasks
// cmdlets (--scheduler task, so it runs on Linux), the systemd units and the crontab line; and the quoting
// each scheduler's command line needs.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { jobName, shellWord, systemdArgument, windowsArgument, windowsCommandLine } from '../../src/schedule/job';
import { writeState } from '../../src/sim/state';
import { contains, filesContaining, hostilePassword, leakPatterns, ProcessWatch } from '../credentials/support';
import { CLI, runImp, shellLab, type Lab } from '../helpers/imp';

const SERVICE = 'svc-booking@contoso.com';
const TASK = 'imp-expiry-svc-booking-contoso-com';
const RUN_AS = 'CONTOSO\\svc-monitor';

describe('imp schedule with Task Scheduler (simulated ScheduledTasks module)', function () {
  this.timeout(300_000);
  let lab: Lab;
  // The run-as user's Windows password: quotes, $(...), backticks, non-ASCII, 256 characters.
  const password = hostilePassword();
  const patterns = leakPatterns(password);

  before(() => (lab = shellLab()));
  after(() => lab.remove());

  const schedule = (operation: string, args: string[] = [], watch?: ProcessWatch) =>
    runImp([...lab.moduleArgs, 'schedule', operation, '--account', SERVICE, '--scheduler', 'task', ...args], {
      input: `${password}\n`,
      onSpawn: (child) => watch?.watch(child.pid!),
    });
  const tasks = () => lab.state().scheduledTasks ?? [];

  it('install registers one daily task: this node, this imp script, "expiry --account …", as the run-as user with logon type Password', async () => {
    const watch = new ProcessWatch(patterns);
    const run = await schedule('install', ['--run-as', RUN_AS, '--password-stdin', '--', '--warn-days', '21'], watch);
    watch.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Registered task \\imp\\imp-expiry-svc-booking-contoso-com: daily at 07:00, as CONTOSO\\svc-monitor \(logon type Password\)/);

    assert.equal(tasks().length, 1);
    const [task] = tasks();
    assert.equal(task!.taskName, TASK);
    assert.equal(task!.taskPath, '\\imp\\');
    assert.equal(task!.actions.length, 1);
    const action = task!.actions[0]!;
    assert.equal(action.execute, process.execPath);
    assert.ok(action.arguments.startsWith(`${windowsArgument(CLI)} expiry --account svc-booking@contoso.com --check-login --event-log --quiet `), action.arguments);
    assert.ok(action.arguments.includes(`--exchange module --exchange-module ${windowsArgument(lab.settings.exchangeModule)}`));
    assert.ok(action.arguments.endsWith(' --warn-days 21'));
    assert.equal(action.workingDirectory, packageRoot);
    assert.deepEqual(task!.triggers.map((t) => [t.type, t.startBoundary?.slice(10), t.daysInterval]), [['Daily', 'T07:00:00', 1]]);
    assert.deepEqual(task!.principal, { userId: RUN_AS, logonType: 'Password', runLevel: 'Limited' });
    assert.equal(task!.passwordGiven, true);
    assert.deepEqual(lab.state().eventSources?.map((s) => s.source), ['imp']);

    // The real shape: -User/-Password on Register-ScheduledTask, no principal object.
    const register = lab.calls().filter((c) => c.cmdlet === 'Register-ScheduledTask');
    assert.equal(register.length, 1);
    assert.equal(register[0]!.parameters.User, RUN_AS);
    assert.equal(register[0]!.parameters.Password, '(given, not recorded)');
    assert.ok(!lab.calls().some((c) => c.cmdlet === 'New-ScheduledTaskPrincipal'));

    // The password: in no process's argv or imp's environment while it ran, not in the output, in no file.
    assert.ok(watch.family.size >= 2, 'imp and its PowerShell were watched');
    assert.deepEqual(watch.leaks, []);
    assert.ok(!contains(run.stdout + run.stderr, patterns), 'not in the output');
    assert.deepEqual(filesContaining([lab.settings.stateDir], patterns), []);
  });

  it('installing again replaces the task: still one, with the new settings', async () => {
    const run = await schedule('install', ['--run-as', RUN_AS, '--password-stdin', '--at', '6:30']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Replaced task \\imp\\imp-expiry-svc-booking-contoso-com: daily at 06:30/);
    assert.equal(tasks().length, 1);
    assert.equal(tasks()[0]!.triggers[0]!.startBoundary?.slice(10), 'T06:30:00');
    assert.ok(!tasks()[0]!.actions[0]!.arguments.includes('--warn-days'));
    assert.deepEqual(filesContaining([lab.settings.stateDir], patterns), []);
  });

  it('show prints the task, its last run and last result (imp\'s exit code)', async () => {
    const state = lab.state();
    Object.assign(state.scheduledTasks![0]!, { lastRunTime: '2026-11-26T06:30:04.000Z', lastTaskResult: 1 });
    writeState(lab.settings.stateDir, state);
    const run = await schedule('show');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Task \\imp\\imp-expiry-svc-booking-contoso-com \(Ready\)$/m);
    assert.match(run.stdout, /when {5}: daily at 06:30/);
    assert.match(run.stdout, /runs as {2}: CONTOSO\\svc-monitor \(logon type Password\)/);
    assert.match(run.stdout, /command {2}: \S*node\S* \S*cli\.js expiry --account svc-booking@contoso.com --check-login --event-log --quiet/);
    assert.match(run.stdout, /last run : 2026-11-26T06:30:04.000Z, result 1 \(WARNING\)/);
    assert.match(run.stdout, /next run : \d{4}-\d{2}-\d{2}T\d{2}:30:00/);
  });

  it('remove deletes it; a second remove is a no-op and show then says none is installed (exit 2)', async () => {
    const removed = await schedule('remove');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed task \\imp\\imp-expiry-svc-booking-contoso-com/);
    assert.equal(tasks().length, 0);
    assert.equal(lab.calls().find((c) => c.cmdlet === 'Unregister-ScheduledTask')!.parameters.Confirm, false);
    const [again, show] = await Promise.all([schedule('remove'), schedule('show')]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to remove/);
    assert.equal(show.code, 2);
    assert.match(show.stdout, /No daily expiry check is installed for svc-booking@contoso.com/);
  });

  it('refuses to pass --password-stdin on to the scheduled run, and needs a password it can read', async () => {
    const [forwarded, noPassword] = await Promise.all([
      runImp(['schedule', 'install', '--account', SERVICE, '--scheduler', 'task', '--password-stdin', '--', '--password-stdin']),
      runImp(['schedule', 'install', '--account', SERVICE, '--scheduler', 'task', '--run-as', RUN_AS]),
    ]);
    assert.equal(forwarded.code, 3);
    assert.match(forwarded.stderr, /"--password-stdin" cannot be passed to the scheduled "imp expiry": a scheduled run has no standard input/);
    assert.equal(noPassword.code, 3);
    assert.match(noPassword.stderr, /needs the Windows password of CONTOSO\\svc-monitor\. The task runs as CONTOSO\\svc-monitor with logon type Password.*Credential Manager.*DPAPI/);
    assert.match(noPassword.stderr, /fix: Run it in a terminal to be asked, or pipe the password in with --password-stdin/);
  });
});

describe('imp schedule with systemd and cron (Linux)', function () {
  this.timeout(120_000);
  let config: string;
  beforeEach(() => (config = mkdtempSync(join(tmpdir(), 'imp-systemd-'))));
  afterEach(() => rmSync(config, { recursive: true, force: true }));

  it('--print shows the systemd service and timer', async () => {
    const run = await runImp(['schedule', 'install', '--account', SERVICE, '--scheduler', 'systemd', '--print', '--', '--warn-days', '21']);
    assert.equal(run.code, 0, run.stderr);
    const exec = [process.execPath, CLI, 'expiry', '--account', SERVICE, '--check-login', '--warn-days', '21'].map((a) => `"${a}"`).join(' ');
    assert.ok(run.stdout.includes(`# ${TASK}.service\n[Unit]\nDescription=imp: password expiry check of ${SERVICE}\n`), run.stdout);
    assert.ok(run.stdout.includes(`Type=oneshot\nWorkingDirectory=${packageRoot}\nExecStart=${exec}\n`), run.stdout);
    assert.ok(run.stdout.includes(`# ${TASK}.timer\n`));
    assert.match(run.stdout, /^OnCalendar=\*-\*-\* 07:00:00$/m);
    assert.match(run.stdout, /^Persistent=true$/m);
    assert.match(run.stdout, /^WantedBy=timers.target$/m);
    assert.ok(!existsSync(join(config, 'systemd')), 'nothing written');
  });

  it('--print with cron gives one crontab line that reaches the user\'s D-Bus session', async () => {
    const run = await runImp(['schedule', 'install', '--account', SERVICE, '--scheduler', 'cron', '--at', '18:45', '--print']);
    assert.equal(run.code, 0, run.stderr);
    const uid = process.getuid!();
    assert.equal(
      run.stdout,
      `# ${TASK}: daily imp password expiry check of ${SERVICE}\n` +
        `45 18 * * * cd ${shellWord(packageRoot)} && DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/${uid}/bus ` +
        `${shellWord(process.execPath)} ${shellWord(CLI)} expiry --account ${SERVICE} --check-login\n`,
    );
    assert.match(run.stderr, /crontab -e/);
  });

  it('install writes the units and, without a systemd user manager, says how to enable them; show and remove work', async () => {
    // No systemctl on PATH: like a container, or a server without a login session.
    const env = { XDG_CONFIG_HOME: config, PATH: config };
    const install = await runImp(['schedule', 'install', '--account', SERVICE, '--scheduler', 'systemd', '--at', '05:15'], { env });
    assert.equal(install.code, 0, install.stderr);
    const dir = join(config, 'systemd', 'user');
    assert.match(readFileSync(join(dir, `${TASK}.timer`), 'utf8'), /^OnCalendar=\*-\*-\* 05:15:00$/m);
    assert.match(readFileSync(join(dir, `${TASK}.service`), 'utf8'), /^ExecStart=.*"expiry" "--account" "svc-booking@contoso.com" "--check-login"$/m);
    assert.match(install.stderr, /warning: systemctl --user is not available here/);
    assert.match(install.stdout, /systemctl --user daemon-reload\n {2}systemctl --user enable --now imp-expiry-svc-booking-contoso-com.timer/);

    const show = await runImp(['schedule', 'show', '--account', SERVICE, '--scheduler', 'systemd'], { env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /imp-expiry-svc-booking-contoso-com.timer .*: \*-\*-\* 05:15:00/);

    const remove = await runImp(['schedule', 'remove', '--account', SERVICE, '--scheduler', 'systemd'], { env });
    assert.equal(remove.code, 0, remove.stderr);
    assert.ok(!existsSync(join(dir, `${TASK}.timer`)) && !existsSync(join(dir, `${TASK}.service`)));
  });
});

describe('scheduled command lines', () => {
  it('Windows: quoted as CommandLineToArgvW reads them back', () => {
    assert.equal(windowsArgument('C:\\imp\\dist\\cli.js'), 'C:\\imp\\dist\\cli.js');
    assert.equal(windowsArgument('C:\\Program Files\\imp\\cli.js'), '"C:\\Program Files\\imp\\cli.js"');
    assert.equal(windowsArgument('C:\\my dir\\'), '"C:\\my dir\\\\"');
    assert.equal(windowsArgument('say "hi"'), '"say \\"hi\\""');
    assert.equal(windowsArgument('a\\"b'), '"a\\\\\\"b"');
    assert.equal(windowsArgument(''), '""');
    assert.equal(windowsCommandLine(['expiry', '--account', "o'brien@contoso.com"]), "expiry --account o'brien@contoso.com");
  });

  it('systemd: specifiers and variables escaped; POSIX shell: single quotes', () => {
    assert.equal(systemdArgument('50%$HOME\\"'), '"50%%$$HOME\\\\\\""');
    assert.equal(shellWord("it's"), "'it'\\''s'");
    assert.equal(shellWord('/usr/bin/node'), '/usr/bin/node');
  });

  it('one name per account', () => {
    assert.equal(jobName('Svc.Booking@Contoso.com'), 'imp-expiry-svc-booking-contoso-com');
  });
});
