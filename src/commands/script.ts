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

/** Each `imp script <name>`, in the order --help lists them: its help line and the comment atop the script. */
const SCRIPTS: Record<string, { action: Action<object>; description: string; title: string }> = {
  grant: { action: grantAction, description: 'the grant script', title: 'Grant ApplicationImpersonation to the service account in $Parameters' },
  revoke: { action: revokeAction, description: 'the revoke script', title: 'Revoke ApplicationImpersonation from the service account in $Parameters' },
  verify: { action: verifyAction, description: 'the Management Shell checks of imp verify (read-only)', title: 'imp verify, Management Shell checks (changes nothing)' },
  status: { action: statusAction, description: 'the Management Shell read of imp status: every ApplicationImpersonation assignment (read-only)', title: 'imp status: every ApplicationImpersonation assignment, its effective users and scope (changes nothing)' },
  expiry: { action: expiryAction, description: "the Active Directory read of imp expiry: the service account's password expiry (read-only)", title: 'imp expiry: read the password expiry of the service account from AD (changes nothing)' },
  schedule: { action: scheduleAction, description: 'the Task Scheduler registration of imp schedule install (asks for the run-as password when run)', title: 'imp schedule install: a daily Task Scheduler task running imp expiry' },
};

export function scriptCommand(): Command {
  const script = new Command('script');
  for (const [name, { action, description, title }] of Object.entries(SCRIPTS)) {
    const subcommand = action
      .addOptions(new Command(name))
      .description(description)
      .action(act((...args: unknown[]) => {
        // Commander passes the positional arguments (schedule's job options), the options, then the Command.
        const command = args[args.length - 1] as Command;
        const context = CommandContext.of(command);
        const parameters = action.parameters(context, command.opts(), (command.processedArgs[0] as string[] | undefined) ?? []);
        const text = renderStandalone(action.template, parameters, title);
        context.output.document({ template: action.template, parameters, script: text });
        context.output.print(text);
        return ExitCode.OK;
      }));
    script.addCommand(subcommand);
  }
  return script;
}
