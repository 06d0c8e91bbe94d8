// What --help shows beyond the options: examples for every command, which options are required,
// the global options, and the exit codes; plus the usage checks commander does not make.
import { Command, Option } from 'commander';
import { UsageError } from './errors';

const ACCOUNT = 'svc-booking@contoso.com';
const EWS = 'https://mail.contoso.com/EWS/Exchange.asmx';

/** Two or three examples per command path ("credentials set"); a subcommand without its own shows its parent's. */
export const EXAMPLES: Record<string, string[]> = {
  grant: [
    `imp grant --account ${ACCOUNT} --scope-rooms --scope-group "Room Bookers" --dry-run`,
    `imp grant --account ${ACCOUNT} --scope-rooms --scope-group "Room Bookers"`,
    `imp grant --account ${ACCOUNT}                      # organisation-wide, as the vendor guide does it`,
  ],
  revoke: [`imp revoke --account ${ACCOUNT} --dry-run`, `imp revoke --account ${ACCOUNT}`],
  verify: [
    `imp verify --account ${ACCOUNT} --rooms --group "Room Bookers" --wait 30m`,
    `imp verify --account ${ACCOUNT} --rooms --report verify-report.html --ca internal-ca.pem`,
    `imp verify --account ${ACCOUNT} --no-powershell --ews-url ${EWS} --mailbox room1@contoso.com`,
  ],
  status: ['imp status', `imp status --account ${ACCOUNT}`, `imp status --json --service-account svc-crm@contoso.com`],
  check: [`imp check --account ${ACCOUNT}`, `imp check --account ${ACCOUNT} --quiet --ews-url ${EWS}`],
  credentials: [
    `imp credentials set --account ${ACCOUNT} --test --ews-url ${EWS}`,
    `imp credentials test --account ${ACCOUNT} --ews-url ${EWS}`,
    'imp credentials list',
  ],
  'credentials delete': [`imp credentials delete --account ${ACCOUNT}`],
  'credentials set': [`imp credentials set --account ${ACCOUNT}`, `some-vault-cli get svc | imp credentials set --account ${ACCOUNT} --password-stdin --test --ews-url ${EWS}`],
  expiry: [`imp expiry --account ${ACCOUNT}`, `imp expiry --account ${ACCOUNT} --check-login --warn-days 21`, `imp expiry --account ${ACCOUNT} --no-powershell --ews-url ${EWS}`],
  schedule: [`imp schedule install --account ${ACCOUNT} --at 07:00`, `imp schedule show --account ${ACCOUNT}`, `imp schedule remove --account ${ACCOUNT}`],
  script: [`imp script grant --account ${ACCOUNT} --scope-rooms > grant.ps1`, `imp script verify --account ${ACCOUNT} --rooms`, 'imp script status'],
  sim: ['imp sim', 'imp sim --rooms 1000 --ews-latency 20ms --json'],
};

/** Options a command cannot run without (some may come from the configuration file instead). */
const REQUIRED: Record<string, string[]> = {
  grant: ['--account'],
  revoke: ['--account'],
  verify: ['--account'],
  check: ['--account'],
  expiry: ['--account'],
  'credentials set': ['--account'],
  'credentials test': ['--account'],
  'credentials delete': ['--account'],
  'schedule install': ['--account'],
  'schedule show': ['--account'],
  'schedule remove': ['--account'],
  'script grant': ['--account'],
  'script revoke': ['--account'],
  'script verify': ['--account'],
  'script expiry': ['--account'],
  'script schedule': ['--account'],
};

export const EXIT_CODES = `
Exit codes (the Nagios plugin convention, for every command):
  0  OK
  1  WARNING   e.g. the password expires within --warn-days, a finding in imp status
  2  CRITICAL  a check failed, or Exchange refused the change
  3  UNKNOWN   bad arguments or configuration; PowerShell, Exchange or the keychain unreachable; interrupted`;

export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function examplesFor(path: string): string[] {
  if (EXAMPLES[path]) return EXAMPLES[path];
  const parent = path.split(' ')[0];
  const own = (EXAMPLES[parent] ?? []).filter((e) => e.startsWith(`imp ${path} `) || e === `imp ${path}`);
  return own.length ? own : (EXAMPLES[parent] ?? []);
}

/** A value option that keeps only its last value when repeated (not a collector like --mailbox). */
export function isSingleValued(option: Option): boolean {
  return (option.required || option.optional) && !option.variadic && (!option.parseArg || Boolean(option.argChoices));
}

/**
 * Adds examples, "(required)" and the global options to a command's help, and makes a repeated
 * single-valued option an error: commander would silently keep the last one, and "--account a
 * --account b" is a mistake, not a choice.
 */
export function describeCommand(command: Command): void {
  const path = commandPath(command);
  const required = new Set(REQUIRED[path] ?? []);
  for (const option of command.options) {
    if (required.has(option.long ?? '') && !option.description.startsWith('(required')) {
      option.description = `(required, or "account" in the configuration file) ${option.description}`;
    }
  }
  command.configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  const examples = path ? examplesFor(path) : [];
  if (examples.length) command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
  const seen = new Map<string, number>();
  for (const option of command.options.filter(isSingleValued)) {
    const name = option.attributeName();
    command.on(`option:${option.name()}`, () => {
      const count = (seen.get(name) ?? 0) + 1;
      seen.set(name, count);
      if (count > 1) throw new UsageError(`${option.long} was given more than once; it takes one value.`, `Give ${option.long} once${option.long === '--account' ? ' (one service account per run)' : ''}.`);
    });
  }
}
