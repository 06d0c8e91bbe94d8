// imp schedule end to end: the Task Scheduler path through real pwsh and the simulated ScheduledTasks
// cmdlets (--scheduler task, so it runs on Linux), the systemd units and the crontab line; and the quoting
// each scheduler's command line needs.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expiryJob, jobName, parseTimeOfDay, shellWord, systemdArgument, windowsArgument, windowsCommandLine } from '../../src/schedule/job';
import { systemdUnits, verifyUnits } from '../../src/schedule/systemd';
import { boundaryOffset, describeTaskResult, watcherStatus } from '../../src/schedule/task';
import { hashPassword, writeState, type SimState } from '../../src/sim/state';
import { contains, filesContaining, hostilePassword, leakPatterns, ProcessWatch } from '../credentials/support';
import { CLI, runImp, shellLab, type Lab } from '../helpers/imp';

const SERVICE = 'svc-booking@contoso.com';
const TASK = 'imp-expiry-svc-booking-contoso-com';
const RUN_AS = 'CONTOSO\\administrator';

describe('imp schedule with Task Scheduler (simulated Schedule.Service COM API)', function () {
  this.timeout(300_000);
  let lab: Lab;
  let home: string;
  // The run-as user's Windows password: quotes, $(...), backticks, non-ASCII, 256 characters.
  const password = hostilePassword();
  const patterns = leakPatterns(password);
  const jobDir = () => join(home, 'imp', TASK);

  before(() => {
    lab = shellLab();
    home = mkdtempSync(join(tmpdir(), 'imp-jobs-'));
    const state = lab.state();
    // Task Scheduler checks the run-as password at registration: give the simulated user this one.
    state.users.find((u) => u.samAccountName === 'administrator')!.passwordHash = hashPassword(password);
    writeState(lab.settings.stateDir, state);
  });
  after(() => {
    lab.remove();
    rmSync(home, { recursive: true, force: true });
  });

  const schedule = (operation: string, args: string[] = [], watch?: ProcessWatch) =>
    runImp([...lab.moduleArgs, 'schedule', operation, '--account', SERVICE, '--job', 'expiry', '--scheduler', 'task', ...args], {
      input: `${password}\n`,
      env: { XDG_CONFIG_HOME: home },
      onSpawn: (child) => watch?.watch(child.pid!),
    });
  const tasks = () => lab.state().scheduledTasks ?? [];
  const machine = (settings: NonNullable<SimState['machine']>) => {
    const state = lab.state();
    state.machine = settings;
    writeState(lab.settings.stateDir, state);
  };

  it('install checks elevation first and changes nothing without it', async () => {
    machine({ elevated: false });
    const run = await schedule('install', ['--run-as', RUN_AS, '--password-stdin', '--no-test']);
    machine({});
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /needs an elevated console.*Nothing was changed/);
    assert.match(run.stderr, /fix: Open PowerShell or the Command Prompt with "Run as administrator"/);
    assert.deepEqual([tasks().length, lab.state().eventSources ?? []], [0, []]);
    assert.ok(!lab.calls().some((c) => /RegisterTaskDefinition|CreateEventSource/.test(c.cmdlet)));
  });

  it('install creates the event source, then registers one daily task through COM with the password as a method argument', async () => {
    const watch = new ProcessWatch(patterns);
    const run = await schedule('install', ['--run-as', RUN_AS, '--password-stdin', '--no-test', '--', '--warn-days', '21'], watch);
    watch.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Registered task \\imp\\imp-expiry-svc-booking-contoso-com: daily at 07:00 local time, as CONTOSO\\administrator \(logon type Password\)/);

    assert.equal(tasks().length, 1);
    const [task] = tasks();
    assert.deepEqual([task!.taskName, task!.taskPath, task!.actions.length], [TASK, '\\imp\\', 1]);
    const action = task!.actions[0]!;
    assert.equal(action.execute, process.execPath);
    const config = join(jobDir(), 'imp.config.json');
    assert.equal(
      action.arguments,
      `${windowsArgument(CLI)} expiry --account svc-booking@contoso.com --check-login --event-log --check-run-as --quiet --config ${windowsArgument(config)} --warn-days 21`,
    );
    // Its own folder, not the installer's directory; the Exchange options live in its configuration file.
    assert.equal(action.workingDirectory, jobDir());
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { exchange: 'module', exchangeModule: lab.settings.exchangeModule });
    // Local time without a UTC offset.
    assert.deepEqual(task!.triggers.map((t) => [t.type, t.daysInterval]), [['Daily', 1]]);
    assert.match(task!.triggers[0]!.startBoundary!, /^\d{4}-\d{2}-\d{2}T07:00:00$/);
    assert.deepEqual(task!.principal, { userId: RUN_AS, logonType: 'Password', runLevel: 'Limited' });
    assert.equal(task!.passwordGiven, true);

    // The event source first, then the task; never Register-ScheduledTask -Password (module logging records bindings).
    const calls = lab.calls().map((c) => c.cmdlet);
    assert.ok(calls.indexOf('EventLog.CreateEventSource') >= 0 && calls.indexOf('EventLog.CreateEventSource') < calls.indexOf('ITaskFolder.RegisterTaskDefinition'), calls.join(', '));
    assert.deepEqual(lab.state().eventSources?.map((s) => [s.source, s.logName]), [['imp', 'Application']]);
    assert.ok(!calls.includes('Register-ScheduledTask'));
    const register = lab.calls().find((c) => c.cmdlet === 'ITaskFolder.RegisterTaskDefinition')!;
    assert.deepEqual([register.parameters.UserId, register.parameters.LogonType, register.parameters.Password], [RUN_AS, '1', '(given, not recorded)']);

    // The password: in no process's argv or imp's environment while it ran, not in the output, in no file.
    assert.ok(watch.family.size >= 2, 'imp and its PowerShell were watched');
    assert.deepEqual(watch.leaks, []);
    assert.ok(!contains(run.stdout + run.stderr, patterns), 'not in the output');
    assert.deepEqual(filesContaining([lab.settings.stateDir, home], patterns), []);
  });

  it('the test run goes through Task Scheduler and names its result: 0x8007052E is a logon failure (exit 2)', async () => {
    machine({ taskRunResult: 0x8007052e });
    const run = await schedule('install', ['--run-as', RUN_AS, '--password-stdin', '--at', '6:30']);
    machine({});
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /^Replaced task .*daily at 06:30/m);
    assert.match(run.stdout, /result: 0x8007052E \(logon failure: the stored password of the run-as user is wrong, most likely because it changed; re-run "imp schedule install"\)/);
    assert.equal(tasks().length, 1);
    assert.ok(lab.calls().some((c) => c.cmdlet === 'IRegisteredTask.Run'));
  });

  it('show: the last result in words, the time from NextRunTime, and an exit status for monitoring', async () => {
    const failed = await schedule('show');
    assert.equal(failed.code, 2, failed.stderr);
    assert.match(failed.stdout, /^Task \\imp\\imp-expiry-svc-booking-contoso-com \(Ready\)$/m);
    assert.match(failed.stdout, /when {5}: daily at 06:30/);
    assert.match(failed.stdout, /last run : \d{4}-\d{2}-\d{2} \d{2}:\d{2}, result 0x8007052E \(logon failure/);
    assert.match(failed.stdout, /next run : \d{4}-\d{2}-\d{2} 06:30/);

    // A task that has not run yet, whose start carries a UTC offset. (A last result of 0 is OK, exit 0:
    // the table test "Task Scheduler results" below.)
    const state = lab.state();
    Object.assign(state.scheduledTasks![0]!, { lastRunTime: null, lastTaskResult: 0x41303, triggers: [{ ...state.scheduledTasks![0]!.triggers[0]!, startBoundary: '2026-11-26T06:30:00+01:00' }] });
    writeState(lab.settings.stateDir, state);
    const never = await schedule('show');
    assert.equal(never.code, 1, never.stderr);
    assert.match(never.stdout, /last run : never, result 0x00041303 \(has not run yet\)/);
    assert.match(never.stderr, /carries a UTC offset: it moves by an hour with daylight saving/);
  });

  it('remove deletes the task and the job folder; a second remove is a no-op and show then says none is installed (exit 2)', async () => {
    const removed = await schedule('remove');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed task \\imp\\imp-expiry-svc-booking-contoso-com/);
    assert.equal(tasks().length, 0);
    assert.ok(!existsSync(jobDir()));
    const [again, show] = await Promise.all([schedule('remove'), schedule('show')]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to remove/);
    assert.equal(show.code, 2);
    assert.match(show.stdout, /No daily expiry check is installed for svc-booking@contoso.com/);
  });

  it('refuses what the job could not use: --password-stdin, bad or unknown expiry options, "%" and control characters', async () => {
    const refuse = (args: string[], globals: string[] = []) =>
      runImp([...globals, 'schedule', 'install', '--account', SERVICE, '--job', 'expiry', '--scheduler', 'task', '--print', ...args], { env: { XDG_CONFIG_HOME: home } });
    const runs = await Promise.all([
      refuse(['--', '--password-stdin']),
      refuse(['--', '--warn-days', 'abc']),
      refuse(['--', '--frob']),
      refuse(['--', '--username', 'svc%PATH%']),
      refuse([], ['--exchange-module', '/tmp/x\nExecStartPre=/bin/sh']),
      runImp(['schedule', 'install', '--account', SERVICE, '--scheduler', 'task', '--run-as', RUN_AS]),
    ]);
    for (const run of runs) assert.equal(run.code, 3, run.stderr);
    const [forwarded, word, unknown, percent, newline, noPassword] = runs.map((r) => r.stderr);
    assert.match(forwarded!, /"--password-stdin" cannot be passed to the scheduled "imp expiry": a scheduled run has no standard input/);
    assert.match(word!, /--warn-days "abc" is not a whole number of days/);
    assert.match(unknown!, /"--frob" is not an option of "imp expiry"/);
    assert.match(percent!, /contains "%".*Task Scheduler would expand %NAME%/);
    assert.match(newline!, /the configuration value "exchangeModule" contains a control character/);
    assert.match(noPassword!, /needs the Windows password of CONTOSO\\administrator\. The task runs as CONTOSO\\administrator with logon type Password.*Credential Manager.*DPAPI/);
  });

  it('the default job is "imp check", with its own options checked as imp check would', async () => {
    const base = ['schedule', 'install', '--account', SERVICE, '--scheduler', 'task', '--print', '--json'];
    const [run, unknown] = await Promise.all([
      runImp([...base, '--', '--rooms', '--group', 'Room Bookers', '--warn-days', '21'], { env: { XDG_CONFIG_HOME: home } }),
      runImp([...base, '--', '--check-login'], { env: { XDG_CONFIG_HOME: home } }),
    ]);
    assert.equal(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout);
    assert.equal(plan.taskName, 'imp-check-svc-booking-contoso-com');
    const config = join(home, 'imp', 'imp-check-svc-booking-contoso-com', 'imp.config.json');
    assert.equal(
      plan.argument,
      `${windowsArgument(CLI)} check --account ${SERVICE} --event-log --check-run-as --quiet --config ${windowsArgument(config)} --rooms --group "Room Bookers" --warn-days 21`,
    );
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /"--check-login" is not an option of "imp check"/);
  });

  it('--print shows the first start as local time without a UTC offset, and writes nothing', async () => {
    const run = await schedule('install', ['--print', '--at', '18:45']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ {2}start {4}: \d{4}-\d{2}-\d{2}T18:45:00 \(local time, no UTC offset: stays at 18:45 across daylight saving\)$/m);
    assert.ok(!existsSync(jobDir()));
  });
});

describe('imp schedule with systemd and cron (Linux)', function () {
  this.timeout(120_000);
  let config: string;
  let jobDir: string;
  beforeEach(() => {
    config = mkdtempSync(join(tmpdir(), 'imp-systemd-'));
    jobDir = join(config, 'imp', TASK);
  });
  afterEach(() => rmSync(config, { recursive: true, force: true }));
  const jobArgs = (...extra: string[]) => ['expiry', '--account', SERVICE, '--check-login', '--config', join(jobDir, 'imp.config.json'), ...extra];

  it('--print shows the systemd service and timer, run from imp\'s own job folder', async () => {
    const run = await runImp(['schedule', 'install', '--account', SERVICE, '--job', 'expiry', '--scheduler', 'systemd', '--print', '--', '--warn-days', '21'], { env: { XDG_CONFIG_HOME: config } });
    assert.equal(run.code, 0, run.stderr);
    const exec = [process.execPath, CLI, ...jobArgs('--warn-days', '21')].map((a) => `"${a}"`).join(' ');
    assert.ok(run.stdout.includes(`# ${TASK}.service\n[Unit]\nDescription=imp expiry: daily check of ${SERVICE}\n`), run.stdout);
    assert.ok(run.stdout.includes(`Type=oneshot\nWorkingDirectory=${jobDir}\nExecStart=${exec}\n`), run.stdout);
    assert.ok(run.stdout.includes(`# ${TASK}.timer\n`));
    assert.match(run.stdout, /^OnCalendar=\*-\*-\* 07:00:00$/m);
    assert.match(run.stdout, /^Persistent=true$/m);
    assert.match(run.stdout, /^WantedBy=timers.target$/m);
    assert.ok(!existsSync(join(config, 'systemd')) && !existsSync(jobDir), 'nothing written');
  });

  it('--print with cron gives one crontab line that reaches the user\'s D-Bus session', async () => {
    const run = await runImp(['schedule', 'install', '--account', SERVICE, '--job', 'expiry', '--scheduler', 'cron', '--at', '18:45', '--print'], { env: { XDG_CONFIG_HOME: config } });
    assert.equal(run.code, 0, run.stderr);
    const uid = process.getuid!();
    assert.equal(
      run.stdout,
      `# ${TASK}: daily imp expiry of ${SERVICE}\n` +
        `45 18 * * * cd ${shellWord(jobDir)} && DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/${uid}/bus ` +
        `${[process.execPath, CLI, ...jobArgs()].map(shellWord).join(' ')}\n`,
    );
    assert.match(run.stderr, /crontab -e/);
  });

  it('install writes the job folder and units, runs the job once and reports it; show and remove work', async () => {
    // No systemctl on PATH: like a container, or a server without a login session.
    const env = { XDG_CONFIG_HOME: config, PATH: config };
    const install = await runImp(['--timeout', '90s', 'schedule', 'install', '--account', SERVICE, '--job', 'expiry', '--scheduler', 'systemd', '--at', '05:15'], { env });
    const dir = join(config, 'systemd', 'user');
    assert.match(readFileSync(join(dir, `${TASK}.timer`), 'utf8'), /^OnCalendar=\*-\*-\* 05:15:00$/m);
    assert.match(readFileSync(join(dir, `${TASK}.service`), 'utf8'), /^ExecStart=.*"expiry" "--account" "svc-booking@contoso.com" "--check-login" "--config" ".*imp.config.json"$/m);
    // The installing run's options travel in the job's own configuration file.
    assert.deepEqual(JSON.parse(readFileSync(join(jobDir, 'imp.config.json'), 'utf8')), { timeout: '90s' });
    assert.match(install.stderr, /warning: systemctl --user is not available here/);
    assert.match(install.stdout, /systemctl --user daemon-reload\n {2}systemctl --user enable --now imp-expiry-svc-booking-contoso-com.timer/);
    // The test run is the job's own command: here it reaches no Exchange (PATH holds no PowerShell to run it), and
    // install says so with the job's exit status and status line.
    assert.equal(install.code, 3, install.stderr);
    assert.match(install.stdout, /Test run of the job…\n {2}result: exit 3: UNKNOWN - svc-booking@contoso.com cannot check the password expiry: /);

    const show = await runImp(['schedule', 'show', '--account', SERVICE, '--job', 'expiry', '--scheduler', 'systemd'], { env });
    assert.match(show.stdout, /imp-expiry-svc-booking-contoso-com.timer .*: \*-\*-\* 05:15:00/);
    assert.equal(show.code, 3, 'no run information: UNKNOWN');

    const remove = await runImp(['schedule', 'remove', '--account', SERVICE, '--job', 'expiry', '--scheduler', 'systemd'], { env });
    assert.equal(remove.code, 0, remove.stderr);
    assert.ok(!existsSync(join(dir, `${TASK}.timer`)) && !existsSync(join(dir, `${TASK}.service`)) && !existsSync(jobDir));
  });

  it('systemd-analyze verify passes the units imp writes and refuses a broken one (removing it)', () => {
    const job = expiryJob({ account: SERVICE, at: parseTimeOfDay('07:00'), scheduler: 'systemd', globals: {}, extra: [], root: config, script: CLI });
    const units = systemdUnits(job);
    const files = [join(config, units.serviceName), join(config, units.timerName)];
    writeFileSync(files[0]!, units.service);
    writeFileSync(files[1]!, units.timer);
    assert.equal(verifyUnits(files), '');
    writeFileSync(files[0]!, units.service.replace(/^ExecStart=.*$/m, 'ExecStart=relative/node'));
    assert.throws(() => verifyUnits(files), /systemd-analyze verify refused the units/);
    assert.ok(!existsSync(files[0]!));
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

describe('Task Scheduler results', () => {
  it('the last result in words and the exit status imp schedule show gives it', () => {
    const rows: [number | null, string, number][] = [
      [0, '0 (OK)', 0],
      [1, '1 (WARNING)', 1],
      [0x41303, '0x00041303 (has not run yet)', 1],
      [0x8007052e, '0x8007052E (logon failure: the stored password of the run-as user is wrong, most likely because it changed; re-run "imp schedule install")', 2],
      [-2147023570, '0x8007052E (logon failure: the stored password of the run-as user is wrong, most likely because it changed; re-run "imp schedule install")', 2],
      [null, 'unknown', 3],
    ];
    for (const [code, words, exit] of rows) assert.deepEqual([describeTaskResult(code), watcherStatus(code)], [words, exit], String(code));
  });

  it('a start boundary with a UTC offset or Z is pinned to UTC; local time is not', () => {
    assert.equal(boundaryOffset('2026-11-26T06:30:00+01:00'), '+01:00');
    assert.equal(boundaryOffset('2026-11-26T06:30:00Z'), 'Z');
    assert.equal(boundaryOffset('2026-11-26T06:30:00'), null);
  });
});
