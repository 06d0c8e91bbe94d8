// The README is part of the product: its check table and its CI command must match the code.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths';
import { CHECK_IDS } from '../src/verify/checks';

const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');

describe('README', () => {
  it('documents exactly the check ids imp verify emits', () => {
    const table = readme.slice(readme.indexOf('<!-- check-ids'));
    const documented = [...table.matchAll(/^\| `([a-z]+\.[a-z]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented, [...CHECK_IDS]);
  });

  it('states the test command that .ci/run runs', () => {
    const ci = readFileSync(join(packageRoot, '.ci', 'run'), 'utf8');
    const command = ci.trim().split('\n').pop()!;
    assert.ok(readme.includes(`\`\`\`sh\n${command}\n\`\`\``), `README lacks the CI command "${command}"`);
  });
});
