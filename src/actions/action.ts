// An action is one thing imp asks of the Management Shell: a template, the parameters it takes, and the
// flags they come from. `imp <action>` runs it and `imp script <action>` prints it, both from this one
// spec, so the two cannot drift apart and no command needs to import another.
import type { Command } from 'commander';
import type { CommandContext } from '../context';

export interface Action<O, P extends object = object> {
  /** templates/<template>.ps1 */
  template: string;
  /** The flags the parameters come from; `imp <action>` adds its own (--dry-run, --wait…). */
  addOptions(command: Command): Command;
  /** The template's $Parameters, checked; `args`: the positional arguments (schedule's job options). */
  parameters(context: CommandContext, options: O, args?: string[]): P;
}

/** For a repeatable flag (commander's option argument parser): every value given, in order. */
export const repeatable = (value: string, all: string[] = []): string[] => [...all, value];
