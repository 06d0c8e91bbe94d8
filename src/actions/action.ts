// An action is one thing imp asks of the Management Shell: a template, the parameters it takes, and the
// flags they come from. `imp <action>` runs it and `imp script <action>` prints it, both from this one
// spec, so the two cannot drift apart and no command needs to import another.
import type { Command } from 'commander';
import type { CommandContext } from '../context';

export interface Action<O> {
  /** imp <name>, imp script <name>. */
  name: string;
  /** templates/<template>.ps1 */
  template: string;
  /** The flags the parameters come from; `imp <name>` adds its own (--dry-run, --wait…). */
  addOptions(command: Command): Command;
  /** The template's $Parameters, checked; `args` are the command's positional arguments. */
  parameters(context: CommandContext, options: O, args: string[]): object;
  /** `imp script <name> --help`. */
  scriptDescription: string;
  /** The comment at the top of the standalone script. */
  scriptTitle: string;
}
