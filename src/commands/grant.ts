// imp grant: give the service account ApplicationImpersonation, idempotently.
import { Command } from 'commander';
import { ExchangeRefusal, ExitCode } from '../errors';
import type { GrantResult } from '../exchange/schemas';
import { formatCommand, quote } from '../exchange/names';
import { verifyCommandLine } from '../exchange/next-steps';
import { grantAction, type GrantOptions } from '../actions/grant';
import { act, CommandContext } from '../context';
import type { Output } from '../output';

export function grantCommand(): Command {
  return grantAction.addOptions(new Command('grant'))
    .option('--dry-run', 'check and show what would be run, change nothing')
    .action(act(async (options: GrantOptions, command: Command) => {
      const context = CommandContext.of(command);
      const parameters = grantAction.parameters(context, options);
      const { grantResultSchema } = await import('../exchange/schemas'); // zod: loaded only when needed
      const { result } = await context.exchange().run(grantAction.template, parameters, grantResultSchema);
      // The next step, as a complete command: the mailboxes the scope is meant to cover, and the same Exchange.
      const next = verifyCommandLine({ account: result.mailbox.primarySmtpAddress || parameters.account, rooms: parameters.scopeRooms, groups: parameters.scopeGroups, ca: context.config.ca }, context.globals);
      return report(context.output, result, next);
    }));
}

function report(output: Output, result: GrantResult, next: string): ExitCode {
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
  for (const warning of result.warnings) output.warn(warning);
  const scope = result.scope;
  switch (result.status) {
    case 'exists':
      if (result.concurrent) output.line(`Another imp grant for ${result.account} ran at the same time and made the assignment; this one made nothing.`);
      for (const a of result.existing) {
        const via = a.assignmentChain ? ` through ${a.assignmentChain}` : '';
        output.line(`${result.account} already holds ApplicationImpersonation: assignment "${a.name}"${via}${a.customRecipientWriteScope ? `, scope "${a.customRecipientWriteScope}"` : ''}. Nothing was changed.`);
      }
      break;
    case 'planned':
      if (scope?.updated) {
        output.line(`Dry run: imp would change management scope "${scope.name}" in place:`);
        output.line(`  old filter: ${scope.existingFilter}`);
        output.line(`  new filter: ${scope.filter}`);
      } else output.line(`Dry run: ${result.account} has no ApplicationImpersonation yet.`);
      output.line('imp would run:');
      for (const step of result.plan) output.line(`  ${formatCommand(step)}`);
      break;
    case 'scope-updated':
      output.line(`Changed management scope "${scope!.name}" in place; the assignment stays as it was.`);
      output.line(`  old filter: ${scope!.existingFilter}`);
      output.line(`  new filter: ${scope!.storedFilter ?? scope!.filter}`);
      output.line(`To undo: Set-ManagementScope -Identity ${quote(scope!.name)} -RecipientRestrictionFilter ${quote(scope!.existingFilter ?? '')}`);
      output.line(`Exchange needs up to 30 minutes before EWS honours the new scope. Next, wait it out and check every mailbox:\n  ${next}`);
      break;
    case 'granted': {
      const a = result.assignment!;
      if (scope?.created) output.line(`Created management scope "${scope.name}" (${scope.storedFilter ?? scope.filter}).`);
      else if (scope?.updated) output.line(`Changed management scope "${scope.name}" from ${scope.existingFilter} to ${scope.storedFilter ?? scope.filter}.`);
      else if (scope) output.line(`Reused management scope "${scope.name}".`);
      output.line(`Granted ApplicationImpersonation to ${result.account}: assignment "${a.name}" created ${a.whenCreatedUTC ?? ''}.`);
      output.line(`Exchange needs up to 30 minutes before EWS honours it. Next, wait it out and check every mailbox:\n  ${next}`);
      break;
    }
  }
  return ExitCode.OK;
}
