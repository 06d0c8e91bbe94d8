// The hidden prompt of `imp credentials set`, on a real pseudo-terminal (python3's pty module): asked
// twice, nothing echoed, exactly what was typed is stored.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readCredential } from '../../src/credentials/keychain';
import { CLI } from '../helpers/imp';
import { clearKeychain, requireTestKeyring } from './support';

const ACCOUNT = 'svc-booking@contoso.com';
const FIRST_PROMPT = 'Password for svc-booking@contoso.com (not shown): ';
const SECOND_PROMPT = 'The same password again: ';

interface TerminalRun {
  answered: boolean;
  code: number;
  transcript: string;
}

/** Runs imp on a terminal, typing `keys` after each prompt appears. */
function atTerminal(argv: string[], steps: [prompt: string, keys: string][]): TerminalRun {
  const spec = JSON.stringify({ argv, steps });
  const out = execFileSync('python3', [join(__dirname, 'pty-driver.py'), spec], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 90_000 });
  return JSON.parse(out) as TerminalRun;
}

describe('imp credentials set at a terminal', function () {
  this.timeout(120_000);
  before(requireTestKeyring);
  afterEach(clearKeychain);

  const set = ['credentials', 'set', '--account', ACCOUNT];
  const imp = (...args: string[]) => [process.execPath, CLI, ...args];

  it('(the terminal does echo what is typed at an ordinary prompt)', () => {
    const run = atTerminal(['/bin/sh', '-c', 'printf "say: "; read answer'], [['say: ', 'visible\r']]);
    assert.match(run.transcript, /say: visible/);
  });

  it('asks twice, echoes nothing, and stores exactly what was typed (Backspace edits)', async () => {
    const typed = 'Pässwort‘”$`x1';
    // A typo put right with Backspace (DEL, what terminals send) before Enter (CR in raw mode).
    const run = atTerminal(imp(...set), [
      [FIRST_PROMPT, `${typed}Q\x7f\r`],
      [SECOND_PROMPT, `${typed}\r`],
    ]);
    assert.ok(run.answered, run.transcript);
    assert.equal(run.code, 0, run.transcript);
    assert.equal(run.transcript.split(FIRST_PROMPT).length - 1, 1);
    assert.equal(run.transcript.split(SECOND_PROMPT).length - 1, 1);
    for (const fragment of [typed, 'Pä', 'x1', '*']) assert.ok(!run.transcript.includes(fragment), `"${fragment}" was echoed`);
    assert.match(run.transcript, /Stored the password for svc-booking@contoso.com/);
    assert.equal((await readCredential(ACCOUNT))?.password, typed);
  });

  it('refuses two different passwords and stores nothing (exit 3)', async () => {
    const run = atTerminal(imp(...set), [
      [FIRST_PROMPT, 'one-password\r'],
      [SECOND_PROMPT, 'another-password\r'],
    ]);
    assert.equal(run.code, 3, run.transcript);
    assert.match(run.transcript, /The two passwords differ; nothing was stored/);
    assert.equal(await readCredential(ACCOUNT), null);
  });

  it('refuses an empty password without asking again (exit 3)', async () => {
    const run = atTerminal(imp(...set), [[FIRST_PROMPT, '\r']]);
    assert.equal(run.code, 3, run.transcript);
    assert.match(run.transcript, /The password is empty; nothing was stored/);
    assert.ok(!run.transcript.includes(SECOND_PROMPT));
    assert.equal(await readCredential(ACCOUNT), null);
  });

  it('Ctrl-C at the prompt cancels, stores nothing, and leaves the terminal echoing again', async () => {
    // A shell on the terminal runs imp, then reports the terminal's mode with stty.
    const script = `"${process.execPath}" "${CLI}" ${set.join(' ')}; echo "imp exited with $?"; stty -a`;
    const run = atTerminal(['/bin/sh', '-c', script], [[FIRST_PROMPT, 'half-typed\x03']]);
    assert.match(run.transcript, /Cancelled at the password prompt; nothing was stored/);
    assert.match(run.transcript, /imp exited with 3/);
    assert.match(run.transcript, /(^|\s)icanon(\s|$)/m, 'canonical (line) mode is back');
    assert.match(run.transcript, /(^|\s)echo(\s|$)/m, 'echo is back');
    assert.ok(!run.transcript.includes('half-typed'));
    assert.equal(await readCredential(ACCOUNT), null);
  });
});
