// check: the daily health check, verify and expiry in one exit code. It runs no template of its own; its
// options are declared here because `imp schedule install` checks a check job's options against them.
import type { Command } from 'commander';
import { addEwsOptions, type EwsFlags } from '../ews/options';
import { repeatable } from './action';

export interface CheckOptions extends EwsFlags {
  account?: string;
  rooms?: boolean;
  group?: string[];
  mailbox?: string[];
  warnDays?: string;
  criticalDays?: string;
  eventLog?: boolean;
  checkRunAs?: boolean;
}

export function addCheckOptions(command: Command): Command {
  command
    .option('--account <address>', "the service account's primary SMTP address")
    .option('--rooms', 'check that every room mailbox is inside the scope (probes one canary, not each)')
    .option('--group <name>', 'check that every member of this group is inside the scope (repeatable)', repeatable)
    .option('--mailbox <address>', 'a mailbox to include (repeatable); the first one in scope is the canary', repeatable);
  return addEwsOptions(command, { urlDefault: 'the InternalUrl of the EWS virtual directory, as verify finds it', insecure: true, passwordStdin: 'once, for both halves' })
    .option('--warn-days <days>', 'password expiry: WARNING within this many days')
    .option('--critical-days <days>', 'password expiry: CRITICAL within this many days')
    .option('--event-log', 'write the password-expiry result to the Windows Application log (source "imp")')
    .option('--check-run-as', 'password expiry: also watch the password of the Windows user this runs as (for scheduled runs)');
}
