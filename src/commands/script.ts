// imp script <action>: the exact PowerShell imp would run, as a standalone script to review and
// paste into the Exchange Management Shell.
import { Command } from 'commander';
import type { Action } from '../actions/action';
import { expiryAction } from '../actions/expiry';
import { grantAction } from '../actions/grant';
import { revokeAction } from '../actions/revoke';
import { scheduleAction } from '../actions/schedule';
import { statusAction } from '../actions/status';
import { verifyAction } from '../actions/verify';
import { act, CommandContext } from '../context';
import { ExitCode } from '../errors';
import { renderStandalone } from '../powershell/template';

/** `imp script <name>`, in the order --help lists them. */
const ACTIONS: Record<string, Action<object>> = { grant: grantAction, revoke: revokeAction, verify: verifyAction, status: statusAction, expiry: expiryAction, schedule: scheduleAction };

export function scriptCommand(): Command {
  const script = new Command('script');
  for (const [name, action] of Object.entries(ACTIONS)) {
    const subcommand = action
      .addOptions(new Command(name))
      .description(action.script.description)
      .action(act((...args: unknown[]) => {
        // Commander passes the positional arguments (schedule's job options), the options, then the Command.
        const command = args[args.length - 1] as Command;
        const context = CommandContext.of(command);
        const parameters = action.parameters(context, command.opts(), (command.processedArgs[0] as string[] | undefined) ?? []);
        const text = renderStandalone(action.template, parameters, action.script.title);
        context.output.document({ template: action.template, parameters, script: text });
        context.output.print(text);
        return ExitCode.OK;
      }));
    script.addCommand(subcommand);
  }
  return script;
}
