// Start-up budget: --help and --version load neither ews-javascript-api, @napi-rs/keyring nor node-powershell,
// nor the PowerShell bridge, and start no PowerShell; bin/imp.js keeps Node's compile cache in a per-user
// folder. (The time ratio against `node -e 0` is measured by npm run bench.)
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/paths';
import { CLI } from './helpers/imp';

function loadedModules(args: string[]): { modules: string[]; children: number; stdout: string } {
  const probe = `
    const cp = require('node:child_process');
    let children = 0;
    for (const name of ['spawn', 'execFile', 'exec', 'fork']) { const f = cp[name]; cp[name] = function () { children++; return f.apply(this, arguments); }; }
    const out = process.stdout.write.bind(process.stdout);
    let stdout = '';
    process.stdout.write = (chunk, ...rest) => { stdout += chunk; return true; };
    require(${JSON.stringify(CLI)}).main(['node', 'imp', ...${JSON.stringify(args)}]).then((code) => {
      out(JSON.stringify({ code, children, stdout, modules: Object.keys(require.cache) }));
    });`;
  const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const BIN = join(packageRoot, 'bin', 'imp.js');

/**
 * `imp --version` as an admin runs it (bin/imp.js), with these environment variables changed; `childCache` is
 * the NODE_COMPILE_CACHE that the Node processes it starts would inherit.
 */
function version(env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string; childCache: string } {
  const environment = { ...process.env, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, ...env };
  const probe = `import { writeSync } from 'node:fs'; process.on('exit', () => writeSync(2, '\\nchild cache: ' + (process.env.NODE_COMPILE_CACHE ?? '')));`;
  const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, BIN, '--version'], { encoding: 'utf8', env: environment });
  const [stderr, childCache] = run.stderr.split('\nchild cache: ');
  return { status: run.status, stdout: run.stdout, stderr, childCache };
}

/** The files under `dir` (recursively), or [] when it does not exist. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
}

describe('start-up', () => {
  for (const args of [['--version'], ['--help'], ['help', 'verify'], ['grant', '--help']]) {
    it(`imp ${args.join(' ')} loads no EWS client, keychain or PowerShell bridge`, () => {
      const { modules, children, stdout } = loadedModules(args);
      assert.ok(stdout.length > 0, 'it printed something');
      const heavy = modules.filter((m) => /node_modules[\\/](ews-javascript-api|@napi-rs[\\/]keyring|node-powershell|@ewsjs)[\\/]/.test(m));
      assert.deepEqual(heavy, []);
      // The bridge (and the node:crypto it uses) loads with the first session, not to find that there is none.
      assert.deepEqual(modules.filter((m) => /[\\/]powershell[\\/]session\.[jt]s$/.test(m)), []);
      assert.equal(children, 0, 'no process started');
    });
  }

  it('--help of the commands whose work needs zod, and imp script, load no zod', () => {
    for (const args of [['credentials', '--help'], ['expiry', '--help'], ['schedule', '--help'], ['script', 'schedule', '--account', 'svc-booking@contoso.com']]) {
      const { modules, stdout } = loadedModules(args);
      assert.ok(stdout.length > 0, `imp ${args.join(' ')} printed something`);
      assert.deepEqual(modules.filter((m) => /node_modules[\\/]zod[\\/]/.test(m)), [], `imp ${args.join(' ')}`);
    }
  });

  it('imp --version loads only commander besides imp itself', () => {
    const { modules } = loadedModules(['--version']);
    const packages = new Set(modules.filter((m) => m.includes('node_modules')).map((m) => m.split(/node_modules[\\/]/)[1].split(/[\\/]/)[0]));
    assert.deepEqual([...packages], ['commander']);
  });

  describe('compile cache', () => {
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), 'imp-cache-'));
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));

    it('is kept in the user\'s cache folder, not in the package or a shared temp folder', () => {
      const run = version({ HOME: home, USERPROFILE: home, XDG_CACHE_HOME: join(home, 'cache'), LOCALAPPDATA: join(home, 'cache') });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), require('../package.json').version);
      const userCache = process.platform === 'darwin' ? join(home, 'Library', 'Caches') : join(home, 'cache');
      assert.ok(filesUnder(join(userCache, 'imp', 'compile-cache')).length > 5, 'imp\'s compiled modules are cached');
      assert.equal(run.childCache, join(userCache, 'imp', 'compile-cache'), 'the Node processes imp starts (imp check\'s verify and expiry) share it');
    });

    it('is not used from a folder another user owns (sudo -E keeps the caller\'s HOME)', () => {
      // As root: a home handed to nobody; as anyone else: root's own /.
      const root = process.getuid!() === 0;
      const foreign = root ? join(home, 'foreign') : '/';
      if (root) {
        mkdirSync(foreign, { mode: 0o777 });
        chownSync(foreign, 65534, 65534);
      }
      const run = version({ HOME: foreign, XDG_CACHE_HOME: undefined });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.childCache, '');
      if (root) assert.deepEqual(filesUnder(foreign), []);
    });

    it('goes where NODE_COMPILE_CACHE says, and nowhere with NODE_DISABLE_COMPILE_CACHE=1', () => {
      const chosen = join(home, 'chosen');
      assert.equal(version({ XDG_CACHE_HOME: join(home, 'cache'), LOCALAPPDATA: join(home, 'cache'), NODE_COMPILE_CACHE: chosen }).status, 0);
      assert.ok(filesUnder(chosen).length > 5);
      assert.deepEqual(filesUnder(join(home, 'cache')), []);
      const off = version({ XDG_CACHE_HOME: join(home, 'off'), LOCALAPPDATA: join(home, 'off'), NODE_DISABLE_COMPILE_CACHE: '1' });
      assert.equal(off.status, 0, off.stderr);
      assert.deepEqual(filesUnder(join(home, 'off')), []);
    });

    it('that cannot be written costs only speed: same output, nothing on stderr', () => {
      // A file where the cache folder would go: even root cannot create a folder under it.
      const blocked = join(home, 'blocked');
      writeFileSync(blocked, '');
      const run = version({ XDG_CACHE_HOME: blocked, LOCALAPPDATA: blocked });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.equal(run.childCache, '', 'no cache to pass on');
      assert.equal(run.stdout.trim(), require('../package.json').version);
    });
  });
});
