// Times an admin reads: the local clock with its UTC offset, to the second (JSON keeps ISO 8601 UTC).

/** "2026-12-01 05:04:03 +01:00": local time, no milliseconds, with the offset so it is never ambiguous. */
export function formatLocalTime(time: Date | number): string {
  const date = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** "2026-12-01 04:04:03 UTC". */
export function formatUtcTime(time: Date | number): string {
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
