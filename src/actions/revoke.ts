// revoke: remove the service account's ApplicationImpersonation assignment and imp's scope (templates/revoke.ps1).
import type { Command } from 'commander';
import { checkAccount, checkAssignmentName, SCOPE_SUFFIX } from '../exchange/names';
import type { CommandContext } from '../context';
import type { Action } from './action';

export interface RevokeOptions {
  account?: string;
  name?: string;
  dryRun?: boolean;
}

function addRevokeOptions(command: Command): Command {
  return command
    .option('--account <address>', "the service account's SMTP address")
    .option('--name <assignment>', 'only this role assignment (default: every direct ApplicationImpersonation assignment of the account)');
}

function revokeParameters(context: CommandContext, options: RevokeOptions) {
  const name = context.setting('name', options.name);
  return {
    account: checkAccount(context.setting('account', options.account)),
    name: name === undefined ? null : checkAssignmentName(name),
    scopeSuffix: SCOPE_SUFFIX,
    dryRun: Boolean(options.dryRun),
  };
}

export const revokeAction: Action<RevokeOptions> = {
  template: 'revoke',
  addOptions: addRevokeOptions,
  parameters: revokeParameters,
};
