// The offline bundle (npm run bundle): what an admin unzips on a server with no network, no Node.js and
// no build tools. The Linux one, unzipped where no other Node is on PATH, grants and verifies against the
// simulator with only what it carries; the Windows one carries an x64 node.exe, the Windows keychain
// binary and imp.cmd, and nothing built for Linux.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { writeBundle } from '../scripts/bundle';
import type { SimulatorSettings } from '../src/sim/simulator';
import { PWSH } from './helpers/imp';

const VERSION = (require('../package.json') as { version: string }).version;

/** Unzips a bundle into `into` and returns its top folder. */
function unzip(zip: string, into: string): string {
  execFileSync('unzip', ['-q', zip, '-d', into]);
  return join(into, basename(zip, '.zip'));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

function head(file: string, bytes: number, at = 0): Buffer {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, bytes, at);
  } finally {
    closeSync(fd);
  }
  return buffer;
}

/** True for a Windows x64 executable or DLL: "MZ", then "PE\0\0" and machine 0x8664 (AMD64). */
function isPeX64(file: string): boolean {
  if (head(file, 2).toString('latin1') !== 'MZ') return false;
  const peOffset = head(file, 4, 0x3c).readUInt32LE(0);
  const pe = head(file, 6, peOffset);
  return pe.subarray(0, 4).toString('latin1') === 'PE\0\0' && pe.readUInt16LE(4) === 0x8664;
}

const isElf = (file: string) => head(file, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));

function assertChecksumFile(zip: string, sha256: string): void {
  assert.equal(readFileSync(`${zip}.sha256`, 'utf8'), `${sha256}  ${basename(zip)}\n`);
  assert.equal(createHash('sha256').update(readFileSync(zip)).digest('hex'), sha256);
}

describe('offline bundle', function () {
  this.timeout(600_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'imp-bundle-test-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('linux-x64, unzipped where no other Node is on PATH, runs grant and verify against the simulator', async () => {
    const { zip, sha256 } = writeBundle('linux-x64', join(dir, 'out'), 0);
    assert.equal(basename(zip), `imp-${VERSION}-linux-x64.zip`);
    assertChecksumFile(zip, sha256);
    const home = unzip(zip, join(dir, 'linux'));
    assert.ok(isElf(join(home, 'node', 'node')));
    // PATH: the bundle, and only the tools the launcher (dirname, readlink) and the pwsh shim (dotnet) use.
    const tools = join(dir, 'tools');
    mkdirSync(tools);
    for (const tool of ['dotnet', 'dirname', 'readlink']) symlinkSync(execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(tools, tool));
    const env = { ...process.env, PATH: [home, tools].join(delimiter), IMP_POWERSHELL: PWSH, NO_COLOR: '1' };
    assert.deepEqual(env.PATH.split(delimiter).filter((d) => existsSync(join(d, 'node')) && statSync(join(d, 'node')).isFile()), [], 'no node on PATH');
    const imp = (args: string[], input = '') => spawnSync('imp', args, { cwd: dir, env, input, encoding: 'utf8' });

    const version = imp(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);

    // The bundle's own simulator (its module files came with it).
    const sim = spawn('imp', ['sim', '--json', '--rooms', '2', '--users', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let simErr = '';
    sim.stderr.on('data', (d) => (simErr += d));
    try {
      const settings = await new Promise<SimulatorSettings>((resolve, reject) => {
        createInterface({ input: sim.stdout }).once('line', (line) => resolve(JSON.parse(line) as SimulatorSettings));
        sim.once('exit', (code) => reject(new Error(`imp sim exited with ${code}: ${simErr}`)));
      });
      const moduleArgs = ['--exchange', 'module', '--exchange-module', settings.exchangeModule];
      const grant = imp(['grant', '--account', settings.account, ...moduleArgs]);
      assert.equal(grant.status, 0, grant.stderr);
      const verify = imp(['verify', '--json', '--account', settings.account, '--rooms', '--wait', '0', '--ca', settings.caFile!, '--password-stdin', ...moduleArgs], `${settings.password}\n`);
      assert.equal(verify.status, 0, verify.stderr + verify.stdout);
      assert.equal(JSON.parse(verify.stdout).status, 'OK');
    } finally {
      const exited = new Promise((resolve) => sim.once('exit', resolve));
      if (sim.exitCode === null) sim.kill('SIGINT');
      await exited;
    }
  });

  it('win32-x64 contains an x64 node.exe, the win32-x64-msvc keychain binary and imp.cmd, and no Linux binary', () => {
    const { zip, sha256 } = writeBundle('win32-x64', join(dir, 'out'), 0);
    assert.equal(basename(zip), `imp-${VERSION}-win32-x64.zip`);
    assertChecksumFile(zip, sha256);
    const home = unzip(zip, join(dir, 'win32'));
    const files = filesUnder(home).map((f) => relative(home, join(home, f)).split('\\').join('/'));

    assert.ok(isPeX64(join(home, 'node', 'node.exe')), 'node/node.exe is an x64 PE file');
    const keychain = files.filter((f) => f.endsWith('.node'));
    assert.deepEqual(keychain, ['node_modules/@napi-rs/keyring-win32-x64-msvc/keyring.win32-x64-msvc.node']);
    assert.ok(isPeX64(join(home, keychain[0])), 'the keychain binary is an x64 PE file');

    const launcher = readFileSync(join(home, 'imp.cmd'), 'utf8');
    assert.match(launcher, /^@echo off\r\n/);
    assert.match(launcher, /"%~dp0node\\node\.exe" "%~dp0bin\\imp\.js" %\*\r\n/);
    for (const needed of ['bin/imp.js', 'dist/cli.js', 'templates/grant.ps1', 'src/sim/exchange/ExchangeSim.psm1', 'README.md', 'node_modules/@napi-rs/keyring/index.js']) {
      assert.ok(files.includes(needed), `${needed} is in the bundle`);
    }
    assert.deepEqual(files.filter((f) => /linux|darwin/.test(f) && f.includes('@napi-rs')), [], 'no keychain binary for another platform');
    assert.deepEqual(files.filter((f) => isElf(join(home, f))), [], 'no Linux (ELF) executable or library');
  });
});
