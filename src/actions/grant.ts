// grant: give the service account ApplicationImpersonation, optionally over a management scope (templates/grant.ps1).
import type { Command } from 'commander';
import { checkAccount, checkAssignmentName, checkGroupName, defaultAssignmentName, scopeNameFor } from '../exchange/names';
import type { CommandContext } from '../context';
import type { Action } from './action';

export interface GrantOptions {
  account?: string;
  name?: string;
  scopeRooms?: boolean;
  scopeGroup?: string[];
  dryRun?: boolean;
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

export const grantAction = {
  name: 'grant',
  template: 'grant',
  addOptions: (command: Command) =>
    command
      .option('--account <address>', "the service account's primary SMTP address")
      .option('--name <assignment>', 'role assignment name (default ApplicationImpersonation-<account>)')
      .option('--scope-rooms', 'limit the role to room mailboxes (a management scope; an existing imp-made scope is changed in place)')
      .option('--scope-group <group>', 'limit the role to direct members of this group (repeatable; nested groups are not covered)', (v: string, all: string[] = []) => [...all, v]),
  parameters: grantParameters,
  scriptDescription: 'the grant script',
  scriptTitle: 'Grant ApplicationImpersonation to the service account in $Parameters',
} satisfies Action<GrantOptions>;
