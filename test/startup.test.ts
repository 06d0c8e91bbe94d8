// Start-up budget: --help and --version load neither ews-javascript-api, @napi-rs/keyring nor node-powershell,
// and start no PowerShell. (The time ratio against `node -e 0` is measured by npm run bench.)
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
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

describe('start-up', () => {
  for (const args of [['--version'], ['--help'], ['help', 'verify'], ['grant', '--help']]) {
    it(`imp ${args.join(' ')} loads no EWS client, keychain or PowerShell bridge`, () => {
      const { modules, children, stdout } = loadedModules(args);
      assert.ok(stdout.length > 0, 'it printed something');
      const heavy = modules.filter((m) => /node_modules[\\/](ews-javascript-api|@napi-rs[\\/]keyring|node-powershell|@ewsjs)[\\/]/.test(m));
      assert.deepEqual(heavy, []);
      assert.equal(children, 0, 'no process started');
    });
  }

  it('imp --version loads only commander besides imp itself', () => {
    const { modules } = loadedModules(['--version']);
    const packages = new Set(modules.filter((m) => m.includes('node_modules')).map((m) => m.split(/node_modules[\\/]/)[1].split(/[\\/]/)[0]));
    assert.deepEqual([...packages], ['commander']);
  });
});
