// grant: give the service account ApplicationImpersonation, optionally over a management scope (templates/grant.ps1).
import type { Command } from 'commander';
import { checkAccount, checkAssignmentName, checkGroupName, defaultAssignmentName, scopeNameFor } from '../exchange/names';
import type { CommandContext } from '../context';
import { repeatable, type Action } from './action';

export interface GrantOptions {
  account?: string;
  name?: string;
  scopeRooms?: boolean;
  scopeGroup?: string[];
  dryRun?: boolean;
}

function addGrantOptions(command: Command): Command {
  return command
    .option('--account <address>', "the service account's primary SMTP address")
    .option('--name <assignment>', 'role assignment name (default ApplicationImpersonation-<account>)')
    .option('--scope-rooms', 'limit the role to room mailboxes (a management scope; an existing imp-made scope is changed in place)')
    .option('--scope-group <group>', 'limit the role to direct members of this group (repeatable; nested groups are not covered)', repeatable);
}

function grantParameters(context: CommandContext, options: GrantOptions) {
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

export const grantAction: Action<GrantOptions, ReturnType<typeof grantParameters>> = {
  template: 'grant',
  addOptions: addGrantOptions,
  parameters: grantParameters,
};
