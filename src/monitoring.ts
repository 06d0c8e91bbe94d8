// The monitoring vocabulary every command speaks (Nagios plugin conventions): four statuses, which one
// outranks which, and the exit code each becomes. src/cli.ts turns the result into the process exit status.

export const ExitCode = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type MonitoringStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

// A definite problem outranks "cannot tell": UNKNOWN sits between WARNING and CRITICAL.
const RANK: Record<MonitoringStatus, number> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

/** The status that matters most; OK when there is none. */
export function worst(...statuses: MonitoringStatus[]): MonitoringStatus {
  return statuses.reduce<MonitoringStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'OK');
}

export function exitCodeOf(status: MonitoringStatus): ExitCode {
  return ExitCode[status];
}

/** The status an exit code stands for (a failed run's ImpError carries only its exit code). */
export function statusOfExitCode(code: ExitCode): MonitoringStatus {
  return (Object.keys(ExitCode) as MonitoringStatus[]).find((status) => ExitCode[status] === code) ?? 'UNKNOWN';
}
