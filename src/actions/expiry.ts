// expiry: read the service account's password expiry from Active Directory (templates/expiry.ps1, read-only).
import type { Command } from 'commander';
import { checkAccount } from '../exchange/names';
import type { CommandContext } from '../context';
import type { Action } from './action';

export interface ExpiryTargetOptions {
  account?: string;
}

export const expiryAction: Action<ExpiryTargetOptions> = {
  template: 'expiry',
  addOptions: (command: Command) => command.option('--account <address>', "the service account's SMTP address"),
  parameters: (context: CommandContext, options: ExpiryTargetOptions) => ({ account: checkAccount(context.setting('account', options.account)) }),
};
