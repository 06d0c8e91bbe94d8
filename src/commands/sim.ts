// imp sim: run a simulated Exchange (Management Shell module + HTTPS EWS) until SIGINT/SIGTERM.
import { Command } from 'commander';
import { UsageError, ExitCode } from '../errors';
import { parseDuration } from '../duration';
import { interruption } from '../interrupt';
import { act, CommandContext } from '../context';

interface SimOptions {
  state?: string;
  rooms: string;
  users: string;
  basicAuth: boolean;
  propagation: string;
  passwordExpiry?: string;
  ewsLatency?: string;
}

function count(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) throw new UsageError(`${flag} "${text}" is not a whole number between 0 and 100000.`, `Pass e.g. ${flag} 10.`);
  return n;
}

function passwordExpiry(text: string | undefined) {
  if (text === undefined) return undefined;
  if (text === 'never' || text === 'expired' || text === 'must-change') return text;
  return parseDuration(text, '--password-expiry');
}

export function simCommand(): Command {
  return new Command('sim')
    .option('--state <dir>', 'state directory (default: a fresh temporary directory)')
    .option('--rooms <n>', 'room mailboxes to create', '5')
    .option('--users <n>', 'user mailboxes (room bookers) to create', '5')
    .option('--no-basic-auth', 'Basic authentication off on the EWS virtual directory, as on a default Exchange')
    .option('--propagation <duration>', 'delay before a new role assignment takes effect in EWS', '0s')
    .option('--password-expiry <when>', "service account password expiry: a duration from now, 'never', 'expired' or 'must-change'")
    .option('--ews-latency <duration>', 'latency added to every EWS request')
    .action(act(async (options: SimOptions, command: Command) => {
      const context = CommandContext.of(command);
      const { startSimulator } = await import('../sim/simulator');
      const simulator = await startSimulator({
        stateDir: options.state,
        rooms: count(options.rooms, '--rooms'),
        users: count(options.users, '--users'),
        basicAuthentication: options.basicAuth,
        propagationMs: parseDuration(options.propagation, '--propagation'),
        passwordExpiry: passwordExpiry(options.passwordExpiry),
        latencyMs: options.ewsLatency === undefined ? undefined : parseDuration(options.ewsLatency, '--ews-latency'),
      });
      const { settings } = simulator;
      const { output } = context;
      output.jsonLine(settings);
      output.line(`Simulated Exchange running (state in ${settings.stateDir}).`);
      output.line(`  Exchange module : ${settings.exchangeModule}`);
      output.line(`  EWS             : ${settings.ewsUrl}  (CA: ${settings.caFile})`);
      output.line(`  service account : ${settings.account} (alias ${settings.alias}, logon ${settings.username})`);
      output.line(`  password        : ${settings.password}`);
      output.line('Press Ctrl-C to stop.');
      // A Ctrl-C while the simulator was starting stops it now, rather than after the 5-second forced exit.
      await interruption.whenInterrupted();
      await simulator.stop();
      return ExitCode.OK;
    }));
}
