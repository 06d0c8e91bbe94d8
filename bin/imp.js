#!/usr/bin/env node
'use strict';
// An older Node fails later on a missing API (or commander's require(esm)): say what to install instead.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`error: imp needs Node.js 22.15 or later (the LTS lines 22, 24 and 26); this is ${process.version}.\n` +
    '  fix: Install a current Node.js LTS, or use the offline bundle (imp-<version>-<platform>.zip), which brings its own.\n');
  process.exit(3);
}
require('../dist/cli.js').main().then((code) => {
  process.exitCode = code;
});
