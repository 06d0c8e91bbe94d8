// npm test's sharding (scripts/test-shards.ts): every file runs exactly once, longest first to the least-loaded shard.
import { strict as assert } from 'node:assert';
import { deal, failures } from '../scripts/test-shards';

describe('scripts/test-shards: dealing test files to shards', () => {
  const timings = { 'a.test.ts': 100, 'b.test.ts': 60, 'c.test.ts': 50, 'd.test.ts': 10 };

  it('gives every file to exactly one shard, balancing by recorded seconds', () => {
    const shards = deal(Object.keys(timings), timings, 2);
    assert.deepEqual(shards, [['a.test.ts', 'd.test.ts'], ['b.test.ts', 'c.test.ts']]);
  });

  it('counts a file with no timing as the median, and never makes an empty shard', () => {
    assert.deepEqual(deal(['new.test.ts', 'a.test.ts'], timings, 3), [['a.test.ts'], ['new.test.ts']]);
    const weighed = deal(['new.test.ts', 'c.test.ts', 'd.test.ts'], timings, 2);
    assert.deepEqual(weighed, [['new.test.ts'], ['c.test.ts', 'd.test.ts']]);
  });
});

describe('scripts/test-shards: a failed shard repeated at the end', () => {
  it("takes mocha's failing section, colours removed, or the last lines of a shard that crashed", () => {
    const mocha = '  \u001b[32m  ✔\u001b[39m passes\n\n\u001b[92m  1 passing\u001b[0m\n\u001b[31m  1 failing\u001b[0m\n\n  1) breaks:\n     AssertionError\n';
    assert.equal(failures(mocha), '  1 failing\n\n  1) breaks:\n     AssertionError');
    const crash = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const last = failures(crash).split('\n');
    assert.deepEqual([last.length, last[0], last.at(-1)], [40, 'line 10', 'line 49']);
  });
});
