// imp revoke: remove the service account's ApplicationImpersonation assignment (and imp's scope).
import { Command } from 'commander';
import { ExitCode } from '../errors';
import { formatCommand } from '../exchange/names';
import { revokeAction, type RevokeOptions } from '../actions/revoke';
import { act, CommandContext } from '../context';

export function revokeCommand(): Command {
  return revokeAction.addOptions(new Command('revoke'))
    .option('--dry-run', 'show what would be removed, change nothing')
    .action(act(async (options: RevokeOptions, command: Command) => {
      const context = CommandContext.of(command);
      const { revokeResultSchema } = await import('../exchange/schemas'); // zod: loaded only when needed
      const { result } = await context.exchange().run(revokeAction.template, revokeAction.parameters(context, options), revokeResultSchema);
      const output = context.output;
      output.document(result);
      // An alias finds the same mailbox: name its primary address, as grant does (issue 11.4).
      if (!result.mailbox.isPrimary) output.line(`${result.account} is an alias; the primary SMTP address of ${result.mailbox.name}'s mailbox is ${result.mailbox.primarySmtpAddress}.`);
      if (result.status === 'nothing') {
        output.line(`${result.account} has no direct ApplicationImpersonation assignment${options.name ? ` named "${options.name}"` : ''}: nothing to revoke.`);
      } else if (result.status === 'planned') {
        output.line('Dry run: imp would run:');
        for (const step of result.plan) output.line(`  ${formatCommand(step)}`);
      } else {
        for (const a of result.removed) output.line(`Removed assignment "${a.name}".`);
        for (const s of result.scopesRemoved) output.line(`Removed management scope "${s}".`);
      }
      for (const a of result.remaining) {
        output.warn(`${result.account} still holds ApplicationImpersonation through ${a.assignmentChain ?? a.roleAssigneeName} (assignment "${a.name}"); remove the account from that group to end it.`);
      }
      return ExitCode.OK;
    }));
}
