// imp credentials: keep the service account's password in the OS keychain, and prove it still logs in.
import { Command } from 'commander';
import { ExitCode, UsageError } from '../errors';
import {
  credentialKey,
  deleteCredential,
  KEYCHAIN_SERVICE,
  keychainName,
  listAccounts,
  readCredential,
  requireCredential,
  storeCredential,
} from '../credentials/keychain';
import type { LoginTarget } from '../credentials/login';
import { addEwsOptions, readCaFile, type EwsFlags } from '../ews/options';
import { assertOnPremisesUrl } from '../ews/connection';
import { readNewPassword } from '../credentials/password';
import { INSECURE_WARNING } from '../ews/failures';
import type { PrimaryLookup } from '../credentials/primary';
import { act, CommandContext } from '../context';

interface AccountOptions {
  account?: string;
  /** false with --no-powershell: do not ask the Management Shell for the primary address. */
  powershell?: boolean;
}

interface LoginOptions extends AccountOptions, Omit<EwsFlags, 'passwordStdin'> {}

interface SetOptions extends LoginOptions, Pick<EwsFlags, 'passwordStdin'> {
  test?: boolean;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const ACCOUNT_SHAPE = /^([^@\s\\]+@[^@\s\\]+|[^@\s\\]+\\[^@\s\\]+)$/;

/**
 * A keychain account: the service account's SMTP address, or the UPN or DOMAIN\user of an admin for
 * --exchange-credential (remote PowerShell does not log on with an SMTP address).
 */
export function checkCredentialAccount(account: string | undefined): string {
  const example = 'e.g. --account svc-booking@contoso.com, or --account CONTOSO\\exadmin for --exchange-credential';
  if (!account) throw new UsageError('--account is required.', `Name the account whose password this is, ${example}.`);
  if (CONTROL.test(account) || account.length > 320 || !ACCOUNT_SHAPE.test(account)) {
    throw new UsageError(`--account "${account.replace(/[\u0000-\u001f\u007f]/g, '?')}" is neither an address (user@domain) nor DOMAIN\\user.`, `Pass the account ${example}.`);
  }
  return account;
}

function accountOf(context: CommandContext, options: AccountOptions): string {
  return checkCredentialAccount(context.setting('account', options.account));
}

/**
 * The Management Shell's word on the address (issue 11.4): the mailbox's primary address, no mailbox, or why
 * it was not asked. Asked only where a Management Shell is configured or this is an Exchange server.
 */
async function lookUpPrimary(context: CommandContext, options: AccountOptions, address: string): Promise<PrimaryLookup> {
  const g = context.globals;
  const target = {
    exchange: context.setting('exchange', g.exchange),
    exchangeServer: context.setting('exchangeServer', g.exchangeServer),
    exchangeModule: context.setting('exchangeModule', g.exchangeModule),
    exchangeCredential: context.setting('exchangeCredential', g.exchangeCredential),
  };
  const { managementShellFor, primaryFromManagementShell } = await import('../credentials/primary'); // zod: loaded only when needed
  const shell = managementShellFor(address, target, options.powershell === false);
  if (!shell.ask) return { kind: 'not-asked', reason: shell.reason };
  const lookup = await primaryFromManagementShell(context, address);
  if (lookup.kind === 'not-asked') context.output.warn(`${lookup.reason} (the address is used as given).`);
  return lookup;
}

/** "booking@… is an alias; the primary SMTP address of its mailbox is svc-booking@…, <how>." */
function aliasLine(given: string, primary: string, how: string): string {
  return `${given} is an alias; the primary SMTP address of its mailbox is ${primary}, ${how}.`;
}

const NO_POWERSHELL = ['--no-powershell', 'do not ask the Management Shell for the primary SMTP address of --account (EWS ResolveNames is asked where a login is made)'] as const;

function loginTarget(context: CommandContext, options: LoginOptions, account: string): LoginTarget {
  const url = context.setting('ewsUrl', options.ewsUrl);
  if (!url) {
    throw new UsageError('Testing the login needs the EWS URL, and none was given.', 'Pass --ews-url https://<server>/EWS/Exchange.asmx, or set "ewsUrl" in imp.config.json.');
  }
  // Before the password is asked for or read: plain HTTP and Exchange Online are refused with their fix.
  assertOnPremisesUrl(url);
  const insecure = Boolean(options.insecure);
  if (insecure) {
    context.output.warn(INSECURE_WARNING);
  }
  return {
    account,
    username: context.setting('username', options.username) ?? account,
    url,
    ca: readCaFile(context.setting('ca', options.ca)),
    insecure,
  };
}

function addLoginOptions(command: Command): Command {
  return addEwsOptions(command, { urlDefault: '"ewsUrl" in the configuration', insecure: true });
}

function setCommand(): Command {
  return addLoginOptions(
    new Command('set')
      .description('store the password of an account in the OS keychain (asked twice, hidden, on a terminal)')
      .option('--account <address>', 'the account: the service account\'s SMTP address (an alias is stored under its primary address), or DOMAIN\\user for --exchange-credential')
      .option('--password-stdin', 'read the password as the first line of standard input instead of asking')
      .option('--test', 'log in to EWS with the password first, and store it only if that works')
      .option(...NO_POWERSHELL),
  )
    .addHelpText('after', '\nExit status: 0 stored; 2 --test: EWS refused the login (nothing stored); 3 bad input, keychain unusable, or EWS not reachable (nothing stored).')
    .action(act(async (options: SetOptions, command: Command) => {
      const context = CommandContext.of(command);
      const output = context.output;
      const account = accountOf(context, options);
      if (!options.test && (options.ewsUrl || options.username || options.ca || options.insecure)) {
        throw new UsageError('--ews-url, --username, --ca and --insecure only apply to the login test.', 'Add --test to check the password against EWS before storing it, or leave those options out.');
      }
      // Everything that can be checked, the keychain included, is checked before the admin types the password.
      let target = options.test ? loginTarget(context, options, account) : undefined;
      await listAccounts(); // the keychain is usable
      // Stored under the primary address, whatever address was given (issue 11.4).
      let lookup = await lookUpPrimary(context, options, account);
      const primaryOf = (found: PrimaryLookup) => (found.kind === 'mailbox' ? found.primary : account);
      if (lookup.kind === 'no-mailbox') output.warn(`Exchange has no mailbox with the address ${account}: the password is stored under it as given (right for an --exchange-credential logon).`);
      if (target) target = { ...target, account: primaryOf(lookup), username: context.setting('username', options.username) ?? primaryOf(lookup) };
      const password = await readNewPassword(primaryOf(lookup), options.passwordStdin);
      const { checkLogin } = await import('../credentials/login'); // the EWS and TLS stack: only when EWS is asked
      const login = target ? await checkLogin(target, password, 'Nothing was stored: ') : undefined;
      if (target && login && lookup.kind === 'not-asked' && account.includes('@')) {
        // No Management Shell: the password just proven asks EWS which mailbox the address belongs to.
        const { primaryFromEws } = await import('../credentials/primary');
        const viaEws = await primaryFromEws({ url: target.url, username: target.username, password, ca: target.ca, insecure: target.insecure }, account);
        if (viaEws.kind === 'mailbox') lookup = viaEws;
      }
      const storeUnder = primaryOf(lookup);
      const alias = storeUnder.toLowerCase() !== account.toLowerCase();
      const replacing = (await listAccounts()).includes(credentialKey(storeUnder));
      const storedAt = new Date();
      await storeCredential(storeUnder, password, storedAt);

      output.document({
        status: 'stored',
        account: credentialKey(storeUnder),
        ...(alias ? { alias: account } : {}),
        replaced: replacing,
        storedAt: storedAt.toISOString(),
        tested: Boolean(login),
        ...(login && target ? { login: { ewsUrl: target.url, username: target.username, ms: login.ms } } : {}),
      });
      if (login?.warning) output.warn(login.warning);
      if (alias) output.line(aliasLine(account, storeUnder, 'so the password is stored under it; configure the booking system with it too'));
      output.line(`${replacing ? 'Replaced' : 'Stored'} the password for ${storeUnder} in the ${keychainName()}.`);
      if (login && target) output.line(`Tested first: EWS accepted it for ${target.username} at ${target.url} (${login.ms} ms).`);
      else output.line(`Not tested. Check it with: imp credentials test --account ${storeUnder} --ews-url <url>`);
      if (lookup.kind === 'not-asked' && account.includes('@')) output.line(`Not checked that ${account} is its mailbox's primary SMTP address (${lookup.reason}); --test asks EWS.`);
      return ExitCode.OK;
    }));
}

function testCommand(): Command {
  return addLoginOptions(
    new Command('test')
      .description('log in to EWS with the stored password')
      .option('--account <address>', 'the account whose stored password to test')
      .option(...NO_POWERSHELL),
  )
    .addHelpText('after', '\nExit status: 0 the password logs in; 2 EWS refused the login (wrong password, locked out, Basic authentication off, TLS); 3 nothing stored, keychain unusable, or EWS not reachable.')
    .action(act(async (options: LoginOptions, command: Command) => {
      const context = CommandContext.of(command);
      const output = context.output;
      const given = accountOf(context, options);
      let target = loginTarget(context, options, given);
      const lookup = await lookUpPrimary(context, options, given);
      const { credential, primary } =
        lookup.kind === 'mailbox'
          ? { credential: await requireCredential(lookup.primary, false), primary: lookup.alias ? lookup.primary : undefined }
          : await storedOrThroughAlias(given, target);
      const account = primary ?? given;
      if (primary) {
        output.line(aliasLine(given, primary, 'and the password is stored under it'));
        target = { ...target, account: primary, username: context.setting('username', options.username) ?? primary };
      }
      const { checkLogin } = await import('../credentials/login');
      const login = await checkLogin(target, credential.password);
      output.document({
        status: 'ok',
        account: credential.account,
        ...(primary ? { alias: given } : {}),
        storedAt: credential.storedAt,
        login: { ewsUrl: target.url, username: target.username, ms: login.ms },
        ...(login.warning ? { warning: login.warning } : {}),
      });
      if (login.warning) output.warn(login.warning);
      output.line(`The stored password for ${account} logs in: EWS accepted it for ${target.username} at ${target.url} (${login.ms} ms).`);
      if (credential.storedAt) output.line(`It was stored ${credential.storedAt}.`);
      return ExitCode.OK;
    }));
}

/**
 * The credential stored under the address, or, when the address is an alias, under its primary address
 * (which the stored accounts ask EWS about): "No credential is stored for <alias>" would send the admin
 * to store a second copy of the same password.
 */
async function storedOrThroughAlias(account: string, target: LoginTarget): Promise<{ credential: { account: string; password: string; storedAt: string | null }; primary?: string }> {
  const stored = await readCredential(account);
  if (stored) return { credential: stored };
  if (account.includes('@')) {
    const { credentialOfAlias } = await import('../credentials/alias');
    const viaAlias = await credentialOfAlias(account, (owner, password) => ({ url: target.url, username: owner, password, ca: target.ca, insecure: target.insecure }));
    if (viaAlias) return { credential: { account: credentialKey(viaAlias.primary), password: viaAlias.password, storedAt: viaAlias.storedAt }, primary: viaAlias.primary };
  }
  return { credential: await requireCredential(account, false) };
}

function listCommand(): Command {
  return new Command('list')
    .description('list the accounts that have a stored password (never the passwords)')
    .action(act(async (_options: object, command: Command) => {
      const context = CommandContext.of(command);
      const accounts = await listAccounts();
      context.output.document({ accounts });
      if (!accounts.length) context.output.line(`No passwords are stored (${keychainName()}, service "${KEYCHAIN_SERVICE}").`);
      else {
        context.output.line(`Passwords stored in the ${keychainName()} (service "${KEYCHAIN_SERVICE}"):`);
        for (const account of accounts) context.output.line(`  ${account}`);
      }
      return ExitCode.OK;
    }));
}

function deleteCommand(): Command {
  return new Command('delete')
    .description('remove the stored password of an account')
    .option('--account <address>', 'the account whose stored password to remove')
    .option(...NO_POWERSHELL)
    .addHelpText('after', '\nExit status: 0 when the password is gone, including when none was stored (so it is safe to run again); 3 keychain unusable.')
    .action(act(async (options: AccountOptions, command: Command) => {
      const context = CommandContext.of(command);
      const given = accountOf(context, options);
      await listAccounts(); // the keychain is usable, before the Management Shell is asked
      const lookup = await lookUpPrimary(context, options, given);
      const account = lookup.kind === 'mailbox' ? lookup.primary : given;
      const alias = account.toLowerCase() !== given.toLowerCase();
      const deleted = await deleteCredential(account);
      // A copy an older imp stored under the alias itself goes too: it is the same account's password.
      const deletedAlias = alias && (await deleteCredential(given));
      const output = context.output;
      output.document({ status: deleted || deletedAlias ? 'deleted' : 'absent', account: credentialKey(account), ...(alias ? { alias: given } : {}) });
      if (alias) output.line(aliasLine(given, account, 'under which the password is stored'));
      output.line(deleted ? `Deleted the stored password for ${account}.` : `No password was stored for ${account}; nothing to delete.`);
      if (deletedAlias) output.line(`Deleted the copy stored under the alias ${given} as well.`);
      if (!deleted && !alias && lookup.kind === 'not-asked' && given.includes('@')) output.line(`If ${given} is an alias, name the primary address (imp credentials list shows the stored accounts).`);
      return ExitCode.OK;
    }));
}

export function credentialsCommand(): Command {
  return new Command('credentials')
    .addCommand(setCommand())
    .addCommand(testCommand())
    .addCommand(listCommand())
    .addCommand(deleteCommand());
}
