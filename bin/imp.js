#!/usr/bin/env node
'use strict';
// An older Node fails later on a missing API: say what to install instead.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`error: imp needs Node.js 22.15 or later (the LTS lines 22, 24 and 26); this is ${process.version}.\n` +
    '  fix: Install a current Node.js LTS, or use the offline bundle (imp-<version>-<platform>.zip), which brings its own.\n');
  process.exit(3);
}

/**
 * Where Node keeps the compiled code of the modules imp loads between runs (its V8 code cache: loading the
 * EWS client and zod takes about a sixth less). Per user, like the user's other caches: never the package
 * folder, which may be read-only, nor a temp folder another user could fill first (imp runs as an Exchange
 * admin and as a scheduled task). Null leaves it to Node: NODE_COMPILE_CACHE=<dir> and
 * NODE_DISABLE_COMPILE_CACHE=1 took effect when Node started.
 */
function compileCacheDir() {
  const { join } = require('node:path');
  const env = process.env;
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return null;
  if (process.platform === 'win32') return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'imp', 'compile-cache') : null;
  try {
    const home = env.HOME || require('node:os').homedir(); // what homedir() reads first, without loading node:os
    const base = process.platform === 'darwin' ? join(home, 'Library', 'Caches') : env.XDG_CACHE_HOME || join(home, '.cache');
    // Code from the cache runs as this user: only from a folder this user owns. `sudo -E imp` keeps the
    // caller's HOME, whose cache the caller could fill for root to run.
    const { statSync } = require('node:fs');
    const owner = (dir) => { try { return statSync(dir).uid; } catch { return undefined; } };
    if ((owner(base) ?? owner(home)) !== process.getuid()) return null;
    return join(base, 'imp', 'compile-cache');
  } catch {
    return null; // no home folder (a bare service account): run without the cache
  }
}

// A cache that cannot be used (an unwritable folder, a full disk) only costs speed: Node says so and goes on.
const cacheDir = compileCacheDir();
if (cacheDir) {
  const { enableCompileCache, constants } = require('node:module');
  if (enableCompileCache(cacheDir).status === constants.compileCacheStatus.ENABLED) {
    // The Node processes imp starts use it too: imp check runs verify and expiry, each loading the EWS client.
    process.env.NODE_COMPILE_CACHE = cacheDir;
  }
}

require('../dist/cli.js').main().then((code) => {
  process.exitCode = code;
});
