// The packed tarball is what an admin installs: built CLI, templates, README, nothing from tests;
// installed into a clean prefix it must give a working imp, against the simulator too.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/paths';
import { PWSH, SimProcess } from './helpers/imp';

describe('npm package', function () {
  this.timeout(600_000);
  let dir: string;
  let imp: string;
  let files: string[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'imp-pack-'));
    // --ignore-scripts: dist/ is already built (npm test builds first), so `prepare` need not compile it again.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: packageRoot, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
    files = packed[0].files.map((f) => f.path);
    const prefix = join(dir, 'prefix');
    // Not the npm_config_* of the `npm test` running us: they would point this install at the checkout.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/.test(k)));
    const install = spawnSync('npm', ['install', '--global', '--prefer-offline', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, packed[0].filename)], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(install.status, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
    imp = join(prefix, 'bin', 'imp');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], input = '') =>
    spawnSync(imp, args, { cwd: dir, input, encoding: 'utf8', env: { ...process.env, IMP_POWERSHELL: PWSH } });

  it('contains the built CLI, the templates and the README, and nothing from the tests', () => {
    for (const needed of ['bin/imp.js', 'dist/cli.js', 'templates/grant.ps1', 'templates/runtime.ps1', 'src/sim/exchange/ExchangeSim.psm1', 'src/sim/exchange/RoleAssignments.ps1', 'README.md']) {
      assert.ok(files.includes(needed), `${needed} missing from the tarball`);
    }
    assert.deepEqual(files.filter((f) => f.startsWith('test/') || f.endsWith('.ts') && !f.endsWith('.d.ts') || f.startsWith('.tools')), []);
  });

  it('installed globally, runs --version and prints a script', () => {
    const version = run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), require('../package.json').version);
    const script = run(['script', 'grant', '--account', 'a@b.c']);
    assert.equal(script.status, 0, script.stderr);
    assert.match(script.stdout, /New-ManagementRoleAssignment @assignmentParameters/);
    assert.match(script.stdout, /"account":"a@b.c"/);
  });

  it('the installed binary grants and verifies against the simulator', async () => {
    const sim = await SimProcess.start(['--rooms', '2', '--users', '1']);
    try {
      const s = sim.lab.settings;
      const moduleArgs = ['--exchange', 'module', '--exchange-module', s.exchangeModule];
      const grant = run(['grant', '--account', s.account, ...moduleArgs]);
      assert.equal(grant.status, 0, grant.stderr);
      const verify = run(['verify', '--json', '--account', s.account, '--rooms', '--wait', '0', '--ca', s.caFile!, '--password-stdin', ...moduleArgs], `${s.password}\n`);
      assert.equal(verify.status, 0, verify.stderr + verify.stdout);
      assert.equal(JSON.parse(verify.stdout).status, 'OK');
    } finally {
      await sim.stop();
    }
  });
});
