// imp verify: will the booking system work? Wires the flags to the three steps in src/verify/:
// collect the evidence (Management Shell, then EWS as the booking system uses it), judge it, report it.
import { Command, Option } from 'commander';
import { addEwsOptions } from '../ews/options';
import { exitCodeOf } from '../monitoring';
import type { ExitCode } from '../errors';
import { DEFAULT_CONCURRENCY, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT, verifySettings, type VerifyOptions } from '../verify/settings';
import { verifyAction } from '../actions/verify';
import { act, CommandContext } from '../context';

export function verifyCommand(): Command {
  return addEwsOptions(verifyAction.addOptions(new Command('verify')), { urlDefault: 'the InternalUrl of the EWS virtual directory', insecure: true, passwordStdin: true })
    .option('--wait <duration>', `how long after the assignment was created to wait for propagation (default ${DEFAULT_WAIT}; 0 probes once)`)
    .option('--poll-interval <duration>', `first pause between propagation probes, growing after each (default ${DEFAULT_POLL_INTERVAL})`)
    .option('--concurrency <n>', `EWS probes in flight (default ${DEFAULT_CONCURRENCY}, under Exchange's default throttling policy)`)
    .option('--no-powershell', 'skip the Management Shell checks (from a workstation): EWS only')
    .option('--report <file>', 'also write the evidence for a change ticket: a self-contained .html, or .md')
    .addOption(new Option('--probe <which>', 'impersonate every mailbox (all), or only the first one in scope (canary; the scope check still covers all, as imp check does)').choices(['all', 'canary']).default('all'))
    .action(act(async (options: VerifyOptions, command: Command) => runVerify(CommandContext.of(command), options)));
}

async function runVerify(context: CommandContext, options: VerifyOptions): Promise<ExitCode> {
  const settings = verifySettings(context, options);
  // Loaded when verify runs, not for its --help or a refused option: the EWS and TLS stack come with them.
  const [{ collectEvidence }, { judge }, { printVerdict, writeVerifyReport }] = await Promise.all([import('../verify/collect'), import('../verify/judge'), import('../verify/report')]);
  const { checkReportFile } = await import('../report/from-verify');
  const reportFile = checkReportFile(options.report);
  const evidence = await collectEvidence(context, settings);
  const verdict = judge(settings, evidence, new Date());
  printVerdict(context.output, settings.account, evidence, verdict);
  if (reportFile) await writeVerifyReport(context.output, context.globals, reportFile, settings, evidence, verdict);
  return exitCodeOf(verdict.status);
}
