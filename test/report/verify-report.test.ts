// imp verify --report end to end: the simulated Exchange with a propagation delay, real pwsh and HTTPS EWS;
// the file holds the facts a change ticket needs, and a wrong extension is refused before anything runs.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeState } from '../../src/sim/state';
import { grantedState } from '../ews/fixture';
import { runImp, SimProcess } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';

describe('imp verify --report', function () {
  this.timeout(180_000);
  let sim: SimProcess;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imp-report-'));
    sim = await SimProcess.start(['--propagation', '25s', '--rooms', '2', '--users', '1']);
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a file that is neither .html nor .md before contacting anything (exit 3)', async () => {
    const run = await runImp(['verify', '--account', ACCOUNT, '--report', join(dir, 'r.pdf'), '--no-powershell', '--ews-url', 'https://127.0.0.1:9/EWS/Exchange.asmx']);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /--report ".*r\.pdf" must end in \.html or \.md/);
  });

  it('writes the time, version, operator, server, connection, the script, assignment, checks, mailboxes and the timeline', async () => {
    const s = sim.lab.settings;
    // Created now: the propagation delay lies ahead of verify.
    writeState(s.stateDir, grantedState(sim.lab.state(), { scopeRooms: true, ageMs: 0 }));
    const file = join(dir, 'verify.md');
    const run = await sim.lab.imp(['verify', '--account', ACCOUNT, '--rooms', '--wait', '90s', '--poll-interval', '1s', '--ca', s.caFile!, '--password-stdin', '--report', file], { input: `${s.password}\n` });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /Report written to .*verify\.md/);
    const md = readFileSync(file, 'utf8');
    assert.match(md, /^# imp verify: svc-booking@contoso.com — OK/);
    assert.match(md, /\| Time \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) \|/);
    assert.match(md, /\| imp version \| \d+\.\d+\.\d+ \|/);
    assert.match(md, /\| Operator \| .+ on .+ \|/);
    assert.match(md, /\| Exchange server \| EX01 \|/);
    assert.match(md, new RegExp(`\\| Management Shell \\| module ${s.exchangeModule.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\|`));
    assert.match(md, /Get-WebServicesVirtualDirectory/, 'the script as imp script verify prints it');
    assert.match(md, /"rooms":true/);
    assert.match(md, /\| ApplicationImpersonation-\S+ \| directly \| .* \| \S+-Scope: \(RecipientTypeDetails -eq 'RoomMailbox'\) \|/);
    for (const id of ['account.mailbox', 'rbac.assignment', 'rbac.scope', 'ews.vdir', 'ews.login', 'ews.impersonation']) assert.match(md, new RegExp(`\\| PASS \\| \`${id.replace('.', '\\.')}\` \\|`));
    assert.match(md, /\| PASS \| room1@contoso.com \| `NoError` \|/);
    assert.match(md, /probe 1 of room\d@contoso.com: ErrorImpersonateUserDenied/);
    assert.match(md, /probe \d+ of room\d@contoso.com: impersonation works/);
    assert.match(md, /after \d+ probe\(s\) in \d+ s: the role reached EWS/);
  });
});
