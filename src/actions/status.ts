// status: every ApplicationImpersonation assignment, its effective users and scope (templates/status.ps1, read-only).
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { checkAccount } from '../exchange/names';
import { repeatable, type Action } from './action';

export interface StatusOptions {
  account?: string;
  serviceAccount?: string[];
}

function addStatusOptions(command: Command): Command {
  return command
    .option('--account <address>', 'show only the assignments that reach this account (an alias is resolved to its primary address)')
    .option('--service-account <address>', 'a service account the audit should not flag for organisation-wide impersonation (repeatable)', repeatable);
}

/** --account only, never the configuration's account: a configured account must not narrow the audit to itself. */
function statusParameters(_context: CommandContext, options: StatusOptions) {
  return {
    account: options.account === undefined ? null : checkAccount(options.account),
    serviceAccounts: (options.serviceAccount ?? []).map((a) => checkAccount(a)),
  };
}

export const statusAction: Action<StatusOptions> = {
  template: 'status',
  addOptions: addStatusOptions,
  parameters: statusParameters,
};
