// mocha reporter for `scripts/test-shards.ts --record`: the spec reporter, plus one line per test file
// ("timing <file> <seconds>") with the time its top-level suites took, hooks included.
'use strict';
const { relative } = require('node:path');
const Mocha = require('mocha');

class TimingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const seconds = new Map();
    const started = new Map();
    runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && suite.parent && suite.parent.root) started.set(suite, Date.now());
    });
    runner.on(Mocha.Runner.constants.EVENT_SUITE_END, (suite) => {
      if (!started.has(suite)) return;
      const file = relative(process.cwd(), suite.file);
      seconds.set(file, (seconds.get(file) || 0) + (Date.now() - started.get(suite)) / 1000);
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      for (const [file, s] of seconds) console.log(`timing ${file} ${s.toFixed(1)}`);
    });
  }
}

module.exports = TimingReporter;
