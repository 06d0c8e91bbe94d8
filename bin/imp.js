#!/usr/bin/env node
'use strict';
require('../dist/cli.js').main().then((code) => {
  process.exitCode = code;
});
