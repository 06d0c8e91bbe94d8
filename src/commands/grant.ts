// imp grant: give the service account ApplicationImpersonation, idempotently.
import { Command } from 'commander';
import { ExchangeRefusal, ExitCode } from '../errors';
import type { GrantResult } from '../exchange/schemas';
import { checkAccount, checkAssignmentName, checkGroupName, defaultAssignmentName, formatCommand, scopeNameFor } from '../exchange/names';
import { act, CommandContext } from './context';
import type { Output } from '../output';

export interface GrantOptions {
  account?: string;
  name?: string;
  scopeRooms?: boolean;
  scopeGroup?: string[];
  dryRun?: boolean;
}

export function grantParameters(context: CommandContext, options: GrantOptions) {
  const account = checkAccount(context.setting('account', options.account));
  const name = checkAssignmentName(context.setting('name', options.name) ?? defaultAssignmentName(account));
  return {
    account,
    name,
    scopeName: scopeNameFor(name),
    scopeRooms: Boolean(options.scopeRooms),
    scopeGroups: (options.scopeGroup ?? []).map((group) => checkGroupName(group)),
    dryRun: Boolean(options.dryRun),
  };
}

export function addGrantOptions(command: Command): Command {
  return command
    .option('--account <address>', "the service account's primary SMTP address")
    .option('--name <assignment>', 'role assignment name (default ApplicationImpersonation-<account>)')
    .option('--scope-rooms', 'limit the role to room mailboxes (a management scope)')
    .option('--scope-group <group>', 'limit the role to members of this group (repeatable)', (v: string, all: string[] = []) => [...all, v]);
}

export function grantCommand(): Command {
  return addGrantOptions(new Command('grant'))
    .option('--dry-run', 'check and show what would be run, change nothing')
    .action(act(async (options: GrantOptions, command: Command) => {
      const context = CommandContext.of(command);
      const parameters = grantParameters(context, options);
      const { grantResultSchema } = await import('../exchange/schemas'); // zod: loaded only when needed
      const { result } = await context.exchange().run('grant', parameters, grantResultSchema);
      return report(context.output, result);
    }));
}

function report(output: Output, result: GrantResult): ExitCode {
  if (result.status === 'alias') {
    throw new ExchangeRefusal(
      'ACCOUNT_IS_ALIAS',
      `${result.account} is an alias of ${result.mailbox.name}'s mailbox; its primary SMTP address is ${result.mailbox.primarySmtpAddress}.`,
      { suggestion: `Use --account ${result.mailbox.primarySmtpAddress}, and configure the booking system with that address too.` },
    );
  }
  if (result.status === 'scope-conflict') {
    throw new ExchangeRefusal(
      'SCOPE_CONFLICT',
      `A management scope named "${result.scope!.name}" already exists with the filter ${result.scope!.existingFilter}, not ${result.scope!.filter}.`,
      { suggestion: 'Choose another assignment name with --name (the scope is named after it), or remove that scope with Remove-ManagementScope.' },
    );
  }
  output.document(result);
  switch (result.status) {
    case 'exists':
      for (const a of result.existing) {
        const via = a.assignmentChain ? ` through ${a.assignmentChain}` : '';
        output.line(`${result.account} already holds ApplicationImpersonation: assignment "${a.name}"${via}${a.customRecipientWriteScope ? `, scope "${a.customRecipientWriteScope}"` : ''}. Nothing was changed.`);
      }
      break;
    case 'planned':
      output.line(`Dry run: ${result.account} has no ApplicationImpersonation yet. imp would run:`);
      for (const step of result.plan) output.line(`  ${formatCommand(step)}`);
      break;
    case 'granted': {
      const a = result.assignment!;
      if (result.scope?.created) output.line(`Created management scope "${result.scope.name}" (${result.scope.filter}).`);
      else if (result.scope) output.line(`Reused management scope "${result.scope.name}".`);
      output.line(`Granted ApplicationImpersonation to ${result.account}: assignment "${a.name}" created ${a.whenCreatedUTC ?? ''}.`);
      output.line('Exchange needs up to 30 minutes before EWS honours it; "imp verify --wait 30m" waits it out.');
      break;
    }
  }
  return ExitCode.OK;
}
