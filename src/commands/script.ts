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

const ACTIONS: Action<object>[] = [grantAction, revokeAction, verifyAction, statusAction, expiryAction, scheduleAction];

export function scriptCommand(): Command {
  const script = new Command('script');
  for (const action of ACTIONS) {
    const subcommand = action
      .addOptions(new Command(action.name))
      .description(action.scriptDescription)
      .action(act((...args: unknown[]) => {
        // Commander passes the positional arguments (schedule's job options), the options, then the Command.
        const command = args[args.length - 1] as Command;
        const context = CommandContext.of(command);
        const parameters = action.parameters(context, command.opts(), (command.processedArgs[0] as string[] | undefined) ?? []);
        const script = renderStandalone(action.template, parameters, action.scriptTitle);
        context.output.document({ template: action.template, parameters, script });
        context.output.print(script);
        return ExitCode.OK;
      }));
    script.addCommand(subcommand);
  }
  return script;
}
