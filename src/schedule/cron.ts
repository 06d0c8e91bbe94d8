// A crontab line for systems without a systemd user manager. imp prints it; the admin adds it with crontab -e.
import { userInfo } from 'node:os';
import { shellWord, type ExpiryJob } from './job';

export function cronLine(job: ExpiryJob, uid = userInfo().uid): string {
  const command = [job.node, job.script, ...job.args].map(shellWord).join(' ');
  // cron has no D-Bus session: point the keychain at the user's bus so it can reach the Secret Service.
  const bus = `DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/${uid}/bus`;
  // cron turns an unescaped % into a newline.
  const line = `${job.at.minute} ${job.at.hour} * * * cd ${shellWord(job.workingDirectory)} && ${bus} ${command}`.replace(/%/g, '\\%');
  return `# ${job.name}: daily imp ${job.kind} of ${job.account}\n${line}`;
}
