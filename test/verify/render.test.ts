// The terminal: lines wrap at its width, the scope's filter sits on its own line, PASS/WARN/FAIL are
// coloured unless NO_COLOR, and the progress line fits so that it can be redrawn in place.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { Output } from '../../src/output';
import { renderReport, wrap, type Check } from '../../src/verify/checks';
import { formatLocalTime } from '../../src/local-time';
import { printVerdict } from '../../src/verify/report';
import type { Evidence } from '../../src/verify/evidence';
import type { Verdict } from '../../src/verify/judge';

const checks: Check[] = [
  { id: 'rbac.scope', status: 'fail', message: '2 of 5 mailboxes fall outside the assignment\'s scope "ApplicationImpersonation-svc-booking@contoso.com-Scope".', detail: 'filter of "S": (RecipientTypeDetails -eq \'RoomMailbox\')', fix: 'Widen the scope to cover them (imp grant --scope-rooms / --scope-group <bookers>), otherwise they double-book.', mailboxes: [{ address: 'user1@contoso.com', status: 'fail' }] },
  { id: 'ews.login', status: 'pass', message: 'Basic authentication as svc-booking@contoso.com works.' },
];

// Output takes process.stdout/stderr; a stand-in with a width, recording what is written.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function fakeTerminal(columns: number): any {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text: string };
  stream.text = '';
  Object.assign(stream, { isTTY: true, columns, write: (chunk: string) => ((stream.text += chunk), true) });
  return stream;
}

describe('terminal output', () => {
  it('wraps at the width with a hanging indent, and leaves piped output unwrapped', () => {
    assert.deepEqual(wrap('one two three four five six seven eight nine ten', 30, 'FAIL  x  ', '         '), ['FAIL  x  one two three four', '         five six seven eight', '         nine ten']);
    assert.deepEqual(wrap('one two three', undefined, '> ', '  '), ['> one two three']);
  });

  for (const width of [60, 80, 120]) {
    it(`no line of the verify report is wider than a ${width}-column terminal`, () => {
      const lines = renderReport(checks, 'CRITICAL', { width });
      for (const line of lines) assert.ok(line.length <= width, `${line.length}: ${line}`);
      assert.ok(lines.some((l) => /^\s+filter of "S": \(RecipientTypeDetails/.test(l)), lines.join('\n'));
      assert.ok(lines[0].startsWith('FAIL  rbac.scope  2 of 5 mailboxes'));
    });
  }

  it('colours PASS/WARN/FAIL and the result on a terminal; NO_COLOR turns it off', () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      const coloured = new Output({}, fakeTerminal(100), fakeTerminal(100));
      const lines = renderReport(checks, 'CRITICAL', { width: coloured.columns, paint: (l, t) => coloured.paintLevel(l, t) });
      assert.ok(lines[0].startsWith('\x1b[1;31mFAIL\x1b[0m  rbac.scope'), JSON.stringify(lines[0]));
      assert.ok(lines.some((l) => l.startsWith('\x1b[1;32mPASS\x1b[0m  ews.login')));
      assert.equal(lines[lines.length - 1], 'Result: \x1b[1;31mCRITICAL\x1b[0m');
      process.env.NO_COLOR = '1';
      const plain = new Output({}, fakeTerminal(100), fakeTerminal(100));
      assert.equal(plain.paintLevel('fail', 'FAIL'), 'FAIL');
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });

  it('the progress line is cut to the terminal and redrawn in place', () => {
    const stderr = fakeTerminal(40);
    const output = new Output({}, fakeTerminal(40), stderr);
    output.progress('waiting for the role to reach EWS: attempt 3 denied, 1m elapsed, next probe in 15s, 28m left');
    output.progress('waiting: attempt 4');
    const [, first, second] = stderr.text.split('\r\x1b[2K');
    assert.ok(first.length <= 39, first);
    assert.ok(first.endsWith('…'));
    assert.equal(second, 'waiting: attempt 4');
    assert.doesNotMatch(stderr.text, /\n/, 'redrawn, not scrolled');
  });

  it('local times carry the UTC offset and no milliseconds', () => {
    assert.match(formatLocalTime(Date.parse('2026-12-01T04:53:26.880Z')), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
  });

  describe('--quiet: nothing on OK, one status line otherwise (a Nagios plugin), led by the check behind the status', () => {
    const evidence = { url: 'https://ex01/EWS/Exchange.asmx', timings: { powershellMs: 0, ewsMs: 0 } } as Evidence;
    const targets: Check = { id: 'targets.found', status: 'fail', message: '--group "Room Booker": Exchange has no group by that name.', fix: "Did you mean --group 'Room Bookers'?" };
    const login: Check = { id: 'ews.login', status: 'fail', message: 'HTTP 401:\nwrong password.', fix: 'imp credentials set' };
    const vdir: Check = { id: 'ews.vdir', status: 'warn', message: 'Get-WebServicesVirtualDirectory is missing.' };
    const ok: Check = { id: 'account.mailbox', status: 'pass', message: 'fine' };
    const rows: [string, Verdict, string][] = [
      ['OK', { status: 'OK', checks: [ok], interrupted: false }, ''],
      ['WARNING: the warning', { status: 'WARNING', checks: [ok, vdir], interrupted: false }, 'WARNING: ews.vdir: Get-WebServicesVirtualDirectory is missing.\n'],
      ['UNKNOWN from bad input: targets.found leads', { status: 'UNKNOWN', checks: [ok, targets], interrupted: false }, `UNKNOWN: targets.found: --group "Room Booker": Exchange has no group by that name. Fix: Did you mean --group 'Room Bookers'?\n`],
      ['CRITICAL with bad input too: the real fault leads, on one line', { status: 'CRITICAL', checks: [targets, login], interrupted: false }, 'CRITICAL: ews.login: HTTP 401: wrong password. (+1 more failing) Fix: imp credentials set\n'],
      ['interrupted', { status: 'UNKNOWN', checks: [ok], interrupted: true }, 'UNKNOWN: interrupted; all 1 checks pass\n'],
    ];
    for (const [name, verdict, expected] of rows) {
      it(name, () => {
        const stdout = Object.assign(fakeTerminal(80), { isTTY: false }); // piped, as monitoring reads it: no colour
        const stderr = fakeTerminal(80);
        printVerdict(new Output({ quiet: true }, stdout, stderr), 'svc-booking@contoso.com', evidence, verdict);
        assert.equal(stdout.text, expected);
        assert.equal(stderr.text, '');
      });
    }
  });
});
