// status: every ApplicationImpersonation assignment, its effective users and scope (templates/status.ps1, read-only).
import type { Command } from 'commander';
import { checkAccount } from '../exchange/names';
import type { Action } from './action';

export interface StatusOptions {
  account?: string;
  serviceAccount?: string[];
}

function statusParameters(_context: unknown, options: StatusOptions) {
  const account = options.account ?? undefined;
  return {
    account: account === undefined ? null : checkAccount(account),
    serviceAccounts: (options.serviceAccount ?? []).map((a) => checkAccount(a)),
  };
}

export const statusAction = {
  name: 'status',
  template: 'status',
  addOptions: (command: Command) =>
    command
      .option('--account <address>', 'show only the assignments that reach this account (an alias is resolved to its primary address)')
      .option('--service-account <address>', 'a service account the audit should not flag for organisation-wide impersonation (repeatable)', (v: string, all: string[] = []) => [...all, v]),
  parameters: statusParameters,
  scriptDescription: 'the Management Shell read of imp status: every ApplicationImpersonation assignment (read-only)',
  scriptTitle: 'imp status: every ApplicationImpersonation assignment, its effective users and scope (changes nothing)',
} satisfies Action<StatusOptions>;
