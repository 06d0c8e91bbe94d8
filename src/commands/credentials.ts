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
import { checkLogin, type LoginTarget } from '../credentials/login';
import { addEwsOptions, readCaFile, type EwsFlags } from '../ews/options';
import { assertOnPremisesUrl } from '../ews/connection';
import { readNewPassword } from '../credentials/password';
import { INSECURE_WARNING } from '../ews/failures';
import { act, CommandContext } from '../context';

interface AccountOptions {
  account?: string;
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
      .option('--account <address>', 'the account: the service account\'s SMTP address, or DOMAIN\\user for --exchange-credential')
      .option('--password-stdin', 'read the password as the first line of standard input instead of asking')
      .option('--test', 'log in to EWS with the password first, and store it only if that works'),
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
      const target = options.test ? loginTarget(context, options, account) : undefined;
      const replacing = (await listAccounts()).includes(credentialKey(account));
      const password = await readNewPassword(account, options.passwordStdin);
      const login = target ? await checkLogin(target, password, 'Nothing was stored: ') : undefined;
      const storedAt = new Date();
      await storeCredential(account, password, storedAt);

      output.document({
        status: 'stored',
        account: credentialKey(account),
        replaced: replacing,
        storedAt: storedAt.toISOString(),
        tested: Boolean(login),
        ...(login && target ? { login: { ewsUrl: target.url, username: target.username, ms: login.ms } } : {}),
      });
      if (login?.warning) output.warn(login.warning);
      output.line(`${replacing ? 'Replaced' : 'Stored'} the password for ${account} in the ${keychainName()}.`);
      if (login && target) output.line(`Tested first: EWS accepted it for ${target.username} at ${target.url} (${login.ms} ms).`);
      else output.line(`Not tested. Check it with: imp credentials test --account ${account} --ews-url <url>`);
      return ExitCode.OK;
    }));
}

function testCommand(): Command {
  return addLoginOptions(
    new Command('test')
      .description('log in to EWS with the stored password')
      .option('--account <address>', 'the account whose stored password to test'),
  )
    .addHelpText('after', '\nExit status: 0 the password logs in; 2 EWS refused the login (wrong password, locked out, Basic authentication off, TLS); 3 nothing stored, keychain unusable, or EWS not reachable.')
    .action(act(async (options: LoginOptions, command: Command) => {
      const context = CommandContext.of(command);
      const output = context.output;
      const given = accountOf(context, options);
      let target = loginTarget(context, options, given);
      const { credential, primary } = await storedOrThroughAlias(given, target);
      const account = primary ?? given;
      if (primary) {
        output.line(`${given} is an alias; the primary SMTP address of its mailbox is ${primary}, and the password is stored under it.`);
        target = { ...target, account: primary, username: context.setting('username', options.username) ?? primary };
      }
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
    .addHelpText('after', '\nExit status: 0 when the password is gone, including when none was stored (so it is safe to run again); 3 keychain unusable.')
    .action(act(async (options: AccountOptions, command: Command) => {
      const context = CommandContext.of(command);
      const account = accountOf(context, options);
      const deleted = await deleteCredential(account);
      context.output.document({ status: deleted ? 'deleted' : 'absent', account: credentialKey(account) });
      context.output.line(deleted ? `Deleted the stored password for ${account}.` : `No password was stored for ${account}; nothing to delete.`);
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
