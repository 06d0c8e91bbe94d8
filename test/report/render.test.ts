// verify --report: the HTML renders in a real headless Chromium (Debian's chromium) without any external
// asset, and its screenshot shows the checks table; the Markdown holds the same facts.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerifyReport } from '../../src/report/model';
import { renderHtml, renderMarkdown } from '../../src/report/render';
import { countColour, readPng } from '../helpers/png';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const created = Date.parse('2026-12-01T08:00:00Z');

export const SAMPLE: VerifyReport = {
  status: 'CRITICAL',
  generatedAt: new Date('2026-12-01T08:40:05Z'),
  impVersion: '0.1.0',
  operator: 'admin@ws01',
  server: 'EX01',
  connection: 'local (Exchange Management Shell)',
  ewsUrl: 'https://mail.contoso.com/EWS/Exchange.asmx',
  account: 'svc-booking@contoso.com',
  commands: [{ title: 'imp verify, Management Shell checks', script: "$Parameters = ConvertFrom-Json @'\n{\"account\":\"svc-booking@contoso.com\"}\n'@\nGet-Mailbox -Identity $Parameters.account <script>alert(1)</script>" }],
  assignments: [{ name: 'ApplicationImpersonation-svc-booking', via: 'direct', createdAt: new Date(created).toISOString(), scope: "ApplicationImpersonation-svc-booking-Scope: (RecipientTypeDetails -eq 'RoomMailbox')" }],
  checks: [
    { id: 'account.mailbox', status: 'pass', message: 'svc-booking@contoso.com is the primary SMTP address.' },
    { id: 'rbac.assignment', status: 'pass', message: 'ApplicationImpersonation reaches Booking Service.' },
    { id: 'rbac.scope', status: 'fail', message: '3 of 8 mailbox(es) fall outside the scope.', fix: 'imp grant --account svc-booking@contoso.com --scope-rooms --scope-group "Room Bookers"' },
    { id: 'ews.vdir', status: 'pass', message: 'Basic authentication is on.' },
    { id: 'ews.login', status: 'pass', message: 'Basic authentication works.' },
    { id: 'ews.impersonation', status: 'fail', message: '3 of 8 mailbox(es) cannot be impersonated | <b>not bold</b>', code: 'ErrorImpersonateUserDenied' },
  ],
  mailboxes: [
    { address: 'room1@contoso.com', status: 'pass', code: 'NoError' },
    { address: 'user1@contoso.com', status: 'fail', code: 'ErrorImpersonateUserDenied' },
  ],
  timeline: [
    { at: created, what: 'assignment ApplicationImpersonation-svc-booking created' },
    { at: created + 60_000, what: 'probe 1 of room1@contoso.com: ErrorImpersonateUserDenied' },
    { at: created + 90_000, what: 'probe 2 of room1@contoso.com: passed' },
  ],
};

describe('verify --report files', function () {
  this.timeout(60_000);

  it('Markdown: every section, local and UTC time, cells escaped', () => {
    const md = renderMarkdown(SAMPLE);
    for (const heading of ['## Checks', '## Role assignment and scope', '## Mailboxes impersonated', '## Propagation timeline', '## Commands run']) assert.ok(md.includes(heading), heading);
    assert.match(md, /\| Time \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(2026-12-01 08:40:05 UTC\) \|/);
    assert.match(md, /\| FAIL \| `ews.impersonation` \| 3 of 8 mailbox\(es\) cannot be impersonated \\\| <b>/);
    assert.match(md, /\| FAIL \| user1@contoso.com \| `ErrorImpersonateUserDenied` \|/);
    assert.match(md, /```powershell\n\$Parameters = ConvertFrom-Json/);
  });

  it('HTML is self-contained: no script, no external reference, everything escaped', () => {
    const html = renderHtml(SAMPLE);
    assert.doesNotMatch(html, /<script|src=|href=|url\(|@import/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /&lt;b&gt;not bold&lt;\/b&gt;/);
  });

  it('renders in headless Chromium, and the screenshot shows the checks table', function () {
    assert.ok(CHROMIUM, 'Debian\'s chromium is installed by scripts/setup');
    const dir = mkdtempSync(join(tmpdir(), 'imp-report-'));
    try {
      const file = join(dir, 'report.html');
      writeFileSync(file, renderHtml(SAMPLE));
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`];
      const dom = execFileSync(CHROMIUM!, [...flags, '--dump-dom', `file://${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const rows = dom.split('<table id="checks">')[1]?.split('</table>')[0] ?? '';
      assert.equal((rows.match(/<tr>/g) ?? []).length, 1 + SAMPLE.checks.length, 'a header and one row per check');
      for (const check of SAMPLE.checks) assert.ok(rows.includes(check.id), check.id);

      const shot = join(dir, 'shot.png');
      execFileSync(CHROMIUM!, [...flags, '--window-size=1200,900', `--screenshot=${shot}`, `file://${file}`], { stdio: 'ignore' });
      const image = readPng(readFileSync(shot));
      assert.equal(image.width, 1200);
      // The checks table is the first thing under the facts: its PASS and FAIL badges are on screen.
      const passBadges = countColour(image, [0x1a, 0x7f, 0x37]);
      const failBadges = countColour(image, [0xcf, 0x22, 0x2e]);
      assert.ok(passBadges > 600, `green PASS badges visible (${passBadges} px)`);
      assert.ok(failBadges > 300, `red FAIL badges visible (${failBadges} px)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
