// The configuration file names the PowerShell imp runs: one someone else could have written is refused.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, untrustedBecause, UntrustedConfigError } from '../src/config';
import { UsageError } from '../src/errors';
import { runImp } from './helpers/imp';

const ME = 1000;

describe('configuration file trust', function () {
  this.timeout(30_000);

  const rows: { mode: number; uid: number; refused?: RegExp }[] = [
    { mode: 0o100600, uid: ME },
    { mode: 0o100644, uid: ME },
    { mode: 0o100444, uid: ME },
    { mode: 0o100644, uid: 0 }, // root's file: as trusted as imp itself
    { mode: 0o100664, uid: ME, refused: /writable by its group \(mode 664\)/ },
    { mode: 0o100646, uid: ME, refused: /writable by every user \(mode 646\)/ },
    { mode: 0o100666, uid: ME, refused: /writable by its group and every user \(mode 666\)/ },
    { mode: 0o100666, uid: 0, refused: /writable by its group and every user/ },
    { mode: 0o100644, uid: 1001, refused: /owned by user id 1001, not by you \(user id 1000\) or root/ },
    { mode: 0o100600, uid: 1001, refused: /owned by user id 1001/ },
  ];
  for (const row of rows) {
    it(`mode ${(row.mode & 0o777).toString(8)}, owner ${row.uid}: ${row.refused ? 'refused' : 'trusted'}`, () => {
      const reason = untrustedBecause(row, ME);
      if (row.refused) assert.match(reason ?? '', row.refused);
      else assert.equal(reason, undefined);
    });
  }

  it('root running imp refuses a file another user owns', () => {
    assert.match(untrustedBecause({ mode: 0o100644, uid: 1000 }, 0) ?? '', /owned by user id 1000/);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imp-config-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a world-writable default imp.config.json, with exit 3, the file, the reason and the fix in one JSON document', async () => {
      const file = join(dir, 'imp.config.json');
      writeFileSync(file, JSON.stringify({ powershell: '/tmp/evil' }));
      chmodSync(file, 0o666);
      assert.throws(() => loadConfig(undefined, dir), UntrustedConfigError);
      const run = await runImp(['--json', 'script', 'expiry', '--account', 'svc-booking@contoso.com'], { cwd: dir });
      assert.equal(run.code, 3);
      const { error } = JSON.parse(run.stdout);
      assert.equal(error.code, 'CONFIG_UNTRUSTED');
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /writable by its group and every user/);
      assert.match(error.suggestion, /chmod go-w/);
      chmodSync(file, 0o644);
      assert.equal(loadConfig(undefined, dir).config.powershell, '/tmp/evil');
    });

    it('says so when --config is a directory', () => {
      mkdirSync(join(dir, 'conf'));
      assert.throws(() => loadConfig('conf', dir), (e: unknown) => e instanceof UsageError && /conf is a directory/.test(e.message) && /imp\.config\.json/.test(e.suggestion ?? ''));
    });
  });
});
