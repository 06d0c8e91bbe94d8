// imp script <action>: the exact PowerShell imp would run, as a standalone script to review and
// paste into the Exchange Management Shell.
import { Command } from 'commander';
import { ExitCode } from '../errors';
import { renderStandalone } from '../powershell/template';
import { addGrantOptions, grantParameters, type GrantOptions } from './grant';
import { addRevokeOptions, revokeParameters, type RevokeOptions } from './revoke';
import { act, CommandContext } from './context';
import { addVerifyTargetOptions, verifyShellParameters, type VerifyTargetOptions } from '../verify/settings';
import { checkAccount } from '../exchange/names';
import { currentUser } from '../schedule/job';
import { taskInstallParameters } from '../schedule/task';
import { target, withInstallOptions, type ScheduleOptions } from './schedule';
import { addStatusOptions, statusParameters, type StatusOptions } from './status';

function emit(context: CommandContext, template: string, parameters: object, title: string): ExitCode {
  const script = renderStandalone(template, parameters, title);
  if (context.output.json) context.output.document({ template, parameters, script });
  else process.stdout.write(script);
  return ExitCode.OK;
}

export function scriptCommand(): Command {
  const script = new Command('script');
  script.addCommand(
    addGrantOptions(new Command('grant').description('the grant script')).action(act((options: GrantOptions, command: Command) => {
      const context = CommandContext.of(command);
      const parameters = { ...grantParameters(context, options), dryRun: false };
      return emit(context, 'grant', parameters, 'Grant ApplicationImpersonation to the service account in $Parameters');
    })),
  );
  script.addCommand(
    addRevokeOptions(new Command('revoke').description('the revoke script')).action(act((options: RevokeOptions, command: Command) => {
      const context = CommandContext.of(command);
      const parameters = { ...revokeParameters(context, options), dryRun: false };
      return emit(context, 'revoke', parameters, 'Revoke ApplicationImpersonation from the service account in $Parameters');
    })),
  );
  script.addCommand(
    addVerifyTargetOptions(new Command('verify').description('the Management Shell checks of imp verify (read-only)')).action(act((options: VerifyTargetOptions, command: Command) => {
      const context = CommandContext.of(command);
      return emit(context, 'verify', verifyShellParameters(context, options), 'imp verify, Management Shell checks (changes nothing)');
    })),
  );
  script.addCommand(
    addStatusOptions(new Command('status').description('the Management Shell read of imp status: every ApplicationImpersonation assignment (read-only)')).action(act((options: StatusOptions, command: Command) => {
      const context = CommandContext.of(command);
      return emit(context, 'status', statusParameters(options), 'imp status: every ApplicationImpersonation assignment, its effective users and scope (changes nothing)');
    })),
  );
  script.addCommand(
    new Command('expiry')
      .description("the Active Directory read of imp expiry: the service account's password expiry (read-only)")
      .option('--account <address>', "the service account's SMTP address")
      .action(act((options: { account?: string }, command: Command) => {
        const context = CommandContext.of(command);
        return emit(context, 'expiry', { account: checkAccount(context.setting('account', options.account)) }, 'imp expiry: read the password expiry of the service account from AD (changes nothing)');
      })),
  );
  script.addCommand(
    withInstallOptions(new Command('schedule'))
      .description('the Task Scheduler registration of imp schedule install (asks for the run-as password when run)')
      .action(act((extra: string[], options: ScheduleOptions, command: Command) => {
        const { context, job } = target(command, { ...options, scheduler: 'task' }, extra);
        return emit(context, 'schedule-task', taskInstallParameters(job, options.runAs ?? currentUser()), 'imp schedule install: a daily Task Scheduler task running imp expiry');
      })),
  );
  return script;
}
