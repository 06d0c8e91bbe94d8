// The hidden password prompt of `imp credentials set` on a terminal: raw mode, nothing echoed (not even
// asterisks, which would give away the length), asked twice.
import { emitKeypressEvents } from 'node:readline';
import type { ReadStream } from 'node:tty';
import { ExitCode, ImpError, UsageError } from '../errors';

export interface PromptStreams {
  input: ReadStream;
  output: NodeJS.WritableStream;
}

export class PromptCancelledError extends ImpError {
  constructor() {
    super('PROMPT_CANCELLED', 'Cancelled at the password prompt; nothing was stored.', { exitCode: ExitCode.UNKNOWN });
  }
}

/** One line from the terminal without echo. Ctrl-C and Ctrl-D (on an empty line) cancel. */
export function askHidden(question: string, { input, output }: PromptStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const wasRaw = input.isRaw;
    const finish = (error?: Error): void => {
      input.off('keypress', onKey);
      input.setRawMode(wasRaw);
      // Paused, stdin no longer keeps Node running once the command is done.
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onKey = (text: string | undefined, key: { name?: string; ctrl?: boolean; meta?: boolean; sequence?: string } = {}): void => {
      // Raw mode delivers Ctrl-C as a key, not as SIGINT.
      if (key.ctrl && key.name === 'c') return finish(new PromptCancelledError());
      if (key.ctrl && key.name === 'd') return answer ? undefined : finish(new PromptCancelledError());
      if (key.name === 'return' || key.name === 'enter') return finish();
      if (key.name === 'backspace') {
        answer = Array.from(answer).slice(0, -1).join('');
        return;
      }
      if (key.ctrl && key.name === 'u') {
        answer = '';
        return;
      }
      // Arrow keys, function keys and other control sequences are not part of a password.
      if (text && !key.ctrl && !key.meta && !/[\u0000-\u001f\u007f]/.test(text)) answer += text;
    };
    emitKeypressEvents(input);
    // Raw mode before the question: whatever is typed once it shows is never echoed.
    input.setRawMode(true);
    output.write(question);
    input.on('keypress', onKey);
    input.resume();
  });
}

/** Asks for a new password twice on the terminal; refuses an empty one and two that differ. */
export async function promptNewPassword(account: string, streams: PromptStreams): Promise<string> {
  const first = await askHidden(`Password for ${account} (not shown): `, streams);
  if (!first) throw new UsageError('The password is empty; nothing was stored.', 'Type the service account\'s password at the prompt.');
  const second = await askHidden('The same password again: ', streams);
  if (first !== second) {
    throw new UsageError('The two passwords differ; nothing was stored.', `Run "imp credentials set --account ${account}" again and type the same password twice.`);
  }
  return first;
}
