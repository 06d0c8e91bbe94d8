// What collection decides before probing: the mailboxes to impersonate, the canary, and whether the
// propagation window is still open (counted from the assignment's creation, else from now).
import { strict as assert } from 'node:assert';
import type { VerifyResult } from '../../src/exchange/schemas';
import { canaryOf, inScope, newestAssignment, probedAddresses, propagationWindow, targetAddresses } from '../../src/verify/evidence';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const MINUTE = 60_000;

function exchange(created: (string | null)[], targets: [string, boolean][] = [['room1@contoso.com', true]]): VerifyResult {
  return {
    mailbox: null,
    mailboxError: null,
    mailboxNotFound: false,
    assignments: created.map((whenCreatedUTC, i) => ({
      name: `a${i}`, role: 'ApplicationImpersonation', roleAssigneeName: 'svc', roleAssigneeType: 'User', assignmentMethod: 'Direct',
      effectiveUserName: 'svc', assignmentChain: null, enabled: true, customRecipientWriteScope: null, recipientWriteScope: 'Organization', whenCreatedUTC,
    })),
    scopes: [],
    targets: targets.map(([address, inScope]) => ({ address, type: 'RoomMailbox', source: 'rooms', groupPath: [], inScope, blockedBy: null, nestedVia: null })),
    targetErrors: [{ requested: 'ghost@contoso.com', kind: 'mailbox', notFound: true, message: 'not found' }],
    vdirError: null,
    vdirs: [],
  };
}

describe('verify evidence: the propagation window', () => {
  const rows: { name: string; waitMs: number; exchange?: VerifyResult; open: boolean; deadline: number }[] = [
    { name: 'a 10-minute-old assignment, --wait 30m: open until 20 minutes from now', waitMs: 30 * MINUTE, exchange: exchange([new Date(NOW - 10 * MINUTE).toISOString()]), open: true, deadline: NOW + 20 * MINUTE },
    { name: 'a 40-minute-old assignment, --wait 30m: closed', waitMs: 30 * MINUTE, exchange: exchange([new Date(NOW - 40 * MINUTE).toISOString()]), open: false, deadline: NOW - 10 * MINUTE },
    { name: 'the newest of two assignments counts', waitMs: 30 * MINUTE, exchange: exchange([new Date(NOW - 60 * MINUTE).toISOString(), new Date(NOW - 5 * MINUTE).toISOString()]), open: true, deadline: NOW + 25 * MINUTE },
    { name: '--wait 0: never open', waitMs: 0, exchange: exchange([new Date(NOW).toISOString()]), open: false, deadline: NOW },
    { name: 'no assignment at all: nothing to wait for', waitMs: 30 * MINUTE, exchange: exchange([]), open: false, deadline: NOW + 30 * MINUTE },
    { name: 'creation time unknown: counted from now', waitMs: 30 * MINUTE, exchange: exchange([null]), open: true, deadline: NOW + 30 * MINUTE },
    { name: 'without the Management Shell: counted from now', waitMs: 5 * MINUTE, open: true, deadline: NOW + 5 * MINUTE },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const window = propagationWindow({ waitMs: row.waitMs }, row.exchange, NOW);
      assert.equal(window.open, row.open);
      assert.equal(window.deadline, row.deadline);
    });
  }

  it('the canary is the first mailbox inside the scope', () => {
    const result = exchange([null], [['room1@contoso.com', false], ['room2@contoso.com', true]]);
    assert.equal(canaryOf({ mailboxes: [] }, result), 'room2@contoso.com');
    assert.deepEqual(probedAddresses({ mailboxes: [], canaryOnly: true }, result), ['room2@contoso.com'], '--probe canary probes only the canary');
    assert.deepEqual(probedAddresses({ mailboxes: [], canaryOnly: false }, result), ['room1@contoso.com', 'room2@contoso.com']);
    const allOutside = { ...exchange([null], [['room1@contoso.com', false]]), targetErrors: [] };
    assert.equal(canaryOf({ mailboxes: [] }, allOutside), 'room1@contoso.com', 'none inside: the first');
  });

  it('the targets are what the Management Shell resolved (never what it could not find), else --mailbox as given', () => {
    assert.deepEqual(targetAddresses({ mailboxes: ['x@contoso.com'] }, exchange([null])), ['room1@contoso.com']);
    assert.deepEqual(targetAddresses({ mailboxes: ['x@contoso.com'] }, undefined), ['x@contoso.com']);
  });

  it('a disabled assignment is never the newest', () => {
    const result = exchange([new Date(NOW - 60 * MINUTE).toISOString(), new Date(NOW).toISOString()]);
    result.assignments[1].enabled = false;
    assert.equal(newestAssignment(result)?.name, 'a0');
  });
});

describe('verify evidence: whether a mailbox is in scope', () => {
  it('answers by address, ignoring case, from the first target with it; undefined when unknown or without the Management Shell', () => {
    const result = exchange([], [['Room1@contoso.com', true], ['room2@contoso.com', false], ['ROOM2@contoso.com', true]]);
    assert.equal(inScope(result, 'room1@CONTOSO.com'), true);
    assert.equal(inScope(result, 'room2@contoso.com'), false);
    assert.equal(inScope(result, 'room3@contoso.com'), undefined);
    assert.equal(inScope(undefined, 'room1@contoso.com'), undefined);
  });

  it('asks about 50,000 denied mailboxes in well under a second each way (a search per mailbox took minutes)', () => {
    const addresses = Array.from({ length: 50_000 }, (_, i) => `room${i}@contoso.com`);
    const result = exchange([], addresses.map((a, i) => [a, i % 2 === 0]));
    const started = performance.now();
    const inside = addresses.filter((a) => inScope(result, a)).length;
    assert.equal(inside, 25_000);
    assert.ok(performance.now() - started < 2000, `took ${Math.round(performance.now() - started)} ms`);
  });
});
