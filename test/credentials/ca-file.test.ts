// The one reader of --ca files: a damaged PEM is blamed on the file, before any TLS handshake.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaFile } from '../../src/ews/options';
import { UsageError } from '../../src/errors';
import { generateCertificateChain } from '../../src/sim/ews';

describe('--ca file', () => {
  let dir: string;
  const { caCertPem } = generateCertificateChain();
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imp-ca-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads a good PEM, one or several certificates', () => {
    assert.equal(readCaFile(file('ca.pem', caCertPem)), caCertPem);
    assert.ok(readCaFile(file('two.pem', caCertPem + caCertPem)));
  });

  it('blames a corrupt or truncated PEM on the file, naming it', () => {
    const body = caCertPem.split('\n');
    const corrupt = file('corrupt.pem', [body[0], body[1]!.replace(/[A-Za-z]/g, 'A'), ...body.slice(2)].join('\n'));
    const truncated = file('truncated.pem', caCertPem.slice(0, caCertPem.length / 2));
    const second = file('second.pem', caCertPem + '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.throws(() => readCaFile(corrupt), (e: unknown) => e instanceof UsageError && e.message.startsWith(`The CA file ${corrupt} is corrupt: it cannot be read`) && /--ca/.test(e.suggestion!));
    assert.throws(() => readCaFile(truncated), /is corrupt: it cannot be read \(it has no -----END CERTIFICATE----- line\)/);
    assert.throws(() => readCaFile(second), /is corrupt: certificate 2 of 2 in it cannot be read/);
  });
});
