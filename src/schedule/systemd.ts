// A systemd user timer (Linux): ~/.config/systemd/user/imp-expiry-<account>.service + .timer.
// systemctl --user is run only where a user manager answers; otherwise imp says what to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../errors';
import { systemdArgument, type ExpiryJob } from './job';

export interface SystemdUnits {
  serviceName: string;
  timerName: string;
  service: string;
  timer: string;
}

const escapeSpecifiers = (text: string): string => text.replace(/%/g, '%%');

export function systemdUnits(job: ExpiryJob): SystemdUnits {
  const service = [
    '[Unit]',
    escapeSpecifiers(`Description=imp ${job.kind}: daily check of ${job.account}`),
    '',
    '[Service]',
    'Type=oneshot',
    escapeSpecifiers(`WorkingDirectory=${job.workingDirectory}`),
    // The exit status is the Nagios status: 1 WARNING, 2 CRITICAL, 3 UNKNOWN show as a failed unit.
    `ExecStart=${[job.node, job.script, ...job.args].map(systemdArgument).join(' ')}`,
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    escapeSpecifiers(`Description=Daily imp ${job.kind} of ${job.account}`),
    '',
    '[Timer]',
    `OnCalendar=*-*-* ${job.at.text}:00`,
    // A run missed while the machine was off happens at the next boot.
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { serviceName: `${job.name}.service`, timerName: `${job.name}.timer`, service, timer };
}

export function systemdUserDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user');
}

export interface SystemctlRun {
  ok: boolean;
  output: string;
}

export function systemctlUser(args: string[]): SystemctlRun {
  const run = spawnSync('systemctl', ['--user', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { ok: run.status === 0, output: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? run.error.message : ''}`.trim() };
}

/** A user manager that answers: on a server without a login session (or in a container) there is none. */
export function userManagerAvailable(): SystemctlRun {
  return systemctlUser(['show-environment']);
}

export interface SystemdInstall {
  dir: string;
  files: string[];
  /** systemctl --user enable --now ran and worked. */
  enabled: boolean;
  /** Why not, when not. */
  reason?: string;
  commands: string[];
  /** What systemd-analyze verify said ("" when nothing), null where it is not installed. */
  verified: string | null;
}

/**
 * Checks the written units as systemd reads them. System mode: --user needs a runtime directory that a
 * server without a login session lacks, and the unit syntax is the same.
 */
export function verifyUnits(files: string[]): string | null {
  const run = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) return null;
  const said = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (run.status !== 0) {
    for (const file of files) rmSync(file, { force: true });
    throw new UsageError(`systemd-analyze verify refused the units imp wrote, so they were removed: ${said}`, 'Report this with the output; install with --scheduler cron meanwhile.');
  }
  return said;
}

/** `imp schedule show`'s exit status from systemctl's properties: it must have run, and its last run worked. */
export function systemdWatcherStatus(properties: Record<string, string> | undefined): ExitCode {
  if (!properties) return ExitCode.UNKNOWN;
  if (!properties.LastTriggerUSec || properties.LastTriggerUSec === 'n/a') return ExitCode.WARNING;
  const status = Number(properties.ExecMainStatus);
  if (Number.isInteger(status) && status >= 0 && status <= 3) return status as ExitCode;
  return ExitCode.CRITICAL;
}

export function installSystemd(job: ExpiryJob, dir = systemdUserDir()): SystemdInstall {
  const units = systemdUnits(job);
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, units.serviceName), join(dir, units.timerName)];
  writeFileSync(files[0]!, units.service, { mode: 0o644 });
  writeFileSync(files[1]!, units.timer, { mode: 0o644 });
  const verified = verifyUnits(files);
  const commands = ['systemctl --user daemon-reload', `systemctl --user enable --now ${units.timerName}`];
  const manager = userManagerAvailable();
  if (!manager.ok) return { dir, files, enabled: false, reason: manager.output || 'systemctl --user did not answer', commands, verified };
  const reload = systemctlUser(['daemon-reload']);
  const enable = reload.ok ? systemctlUser(['enable', '--now', units.timerName]) : reload;
  return { dir, files, enabled: enable.ok, ...(enable.ok ? {} : { reason: enable.output }), commands, verified };
}

export interface SystemdShow {
  dir: string;
  installed: boolean;
  onCalendar?: string;
  execStart?: string;
  /** From systemctl --user show, when a user manager answers. */
  properties?: Record<string, string>;
}

export function showSystemd(job: ExpiryJob, dir = systemdUserDir()): SystemdShow {
  const units = systemdUnits(job);
  const timerFile = join(dir, units.timerName);
  const serviceFile = join(dir, units.serviceName);
  if (!existsSync(timerFile) || !existsSync(serviceFile)) return { dir, installed: false };
  const field = (file: string, key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1];
  const result: SystemdShow = { dir, installed: true, onCalendar: field(timerFile, 'OnCalendar'), execStart: field(serviceFile, 'ExecStart') };
  if (userManagerAvailable().ok) {
    const properties: Record<string, string> = {};
    for (const [unit, keys] of [
      [units.timerName, 'ActiveState,LastTriggerUSec,NextElapseUSecRealtime'],
      [units.serviceName, 'Result,ExecMainStatus,ExecMainExitTimestamp'],
    ] as const) {
      const shown = systemctlUser(['show', unit, '-p', keys]);
      for (const line of shown.output.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) properties[line.slice(0, eq)] = line.slice(eq + 1);
      }
    }
    result.properties = properties;
  }
  return result;
}

export interface SystemdRemove {
  dir: string;
  removed: string[];
  disabled: boolean;
}

export function removeSystemd(job: ExpiryJob, dir = systemdUserDir()): SystemdRemove {
  const units = systemdUnits(job);
  const manager = userManagerAvailable().ok;
  const disabled = manager && systemctlUser(['disable', '--now', units.timerName]).ok;
  const removed: string[] = [];
  for (const name of [units.timerName, units.serviceName]) {
    const file = join(dir, name);
    if (existsSync(file)) {
      rmSync(file);
      removed.push(file);
    }
  }
  if (manager && removed.length) systemctlUser(['daemon-reload']);
  return { dir, removed, disabled };
}
