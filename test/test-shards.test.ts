// npm test's sharding (scripts/test-shards.ts): one queue, longest file first, taken by whichever shard is free.
import { strict as assert } from 'node:assert';
import { failures, order } from '../scripts/test-shards';

describe('scripts/test-shards: the order files are handed out in', () => {
  const timings = { 'a.test.ts': 100, 'b.test.ts': 60, 'c.test.ts': 50, 'd.test.ts': 10 };

  it('puts every file in once, longest recorded time first', () => {
    assert.deepEqual(order(['d.test.ts', 'b.test.ts', 'a.test.ts', 'c.test.ts'], timings), ['a.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts']);
  });

  it('counts a file with no timing as the median (ties by name)', () => {
    assert.deepEqual(order(['new.test.ts', 'a.test.ts', 'd.test.ts', 'c.test.ts'], timings), ['a.test.ts', 'new.test.ts', 'c.test.ts', 'd.test.ts']);
    assert.deepEqual(order(['y.test.ts', 'x.test.ts'], {}), ['x.test.ts', 'y.test.ts']);
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
