// imp status's decisions, one situation per row, with an injected clock.
import { strict as assert } from 'node:assert';
import type { StatusAssignment, StatusEvidence } from '../../src/status/evidence';
import { judgeStatus, looksLikeServiceAccount } from '../../src/status/judge';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

const mailbox = (name: string, primary: string) => ({
  name, alias: name, distinguishedName: `CN=${name},DC=contoso,DC=com`, primarySmtpAddress: primary, isPrimary: true,
  recipientTypeDetails: 'UserMailbox', accountDisabled: false, emailAddresses: [`SMTP:${primary}`],
});

function assignment(overrides: Partial<StatusAssignment> & { name: string }): StatusAssignment {
  return {
    role: 'ApplicationImpersonation', roleAssigneeName: 'Booking Service', roleAssigneeType: 'User', assignmentMethod: 'Direct',
    effectiveUserName: 'Booking Service', assignmentChain: null, enabled: true, customRecipientWriteScope: null,
    recipientWriteScope: 'Organization', whenCreatedUTC: minutesAgo(60), delegationType: 'Regular',
    effectiveUsers: [{ name: 'Booking Service', assignmentChain: null }],
    scope: { kind: 'organization', name: null, filter: null, root: null },
    ...overrides,
  };
}

const evidence = (assignments: StatusAssignment[], extra: Partial<StatusEvidence> = {}): StatusEvidence => ({ account: null, serviceAccounts: [], assignments, ...extra });
const scoped = { kind: 'custom' as const, name: 'S', filter: "RecipientTypeDetails -eq 'RoomMailbox'", root: null };

describe('imp status: judging assignments', () => {
  const rows: { situation: string; evidence: StatusEvidence; status: string; state?: string; findings: RegExp[] }[] = [
    { situation: 'org-wide to a service account, an hour old', evidence: evidence([assignment({ name: 'A' })]), status: 'OK', state: 'effective', findings: [] },
    { situation: 'org-wide to a person', evidence: evidence([assignment({ name: 'A', roleAssigneeName: 'Alice', effectiveUsers: [{ name: 'Alice', assignmentChain: null }] })]), status: 'WARNING', state: 'effective', findings: [/"Alice", which is not a service account/] },
    {
      situation: 'org-wide to a person named as a service account with --service-account',
      evidence: evidence([assignment({ name: 'A', roleAssigneeName: 'Alice', effectiveUsers: [{ name: 'Alice', assignmentChain: null }] })], { serviceAccounts: [mailbox('Alice', 'alice@contoso.com')] }),
      status: 'OK', findings: [],
    },
    {
      situation: 'org-wide through a security group',
      evidence: evidence([assignment({ name: 'G', roleAssigneeName: 'Helpdesk', roleAssigneeType: 'SecurityGroup', effectiveUsers: [{ name: 'svc-x', assignmentChain: 'Helpdesk' }, { name: 'Bob', assignmentChain: 'Helpdesk' }] })]),
      status: 'WARNING', findings: [/SecurityGroup "Helpdesk": its 2 member\(s\)/, /"Bob"/],
    },
    { situation: 'scoped to rooms, to a person', evidence: evidence([assignment({ name: 'A', roleAssigneeName: 'Alice', effectiveUsers: [{ name: 'Alice', assignmentChain: null }], scope: scoped })]), status: 'OK', findings: [] },
    { situation: 'OU-scoped', evidence: evidence([assignment({ name: 'A', recipientWriteScope: 'OU', scope: { kind: 'ou', name: 'contoso.com/Rooms', filter: null, root: 'contoso.com/Rooms' } })]), status: 'OK', findings: [] },
    { situation: 'delegating, org-wide to a role group', evidence: evidence([assignment({ name: 'D', delegationType: 'DelegatingOrgWide', roleAssigneeType: 'RoleGroup', effectiveUsers: [{ name: 'Administrator', assignmentChain: 'Organization Management' }] })]), status: 'OK', state: 'delegating', findings: [] },
    { situation: 'disabled org-wide to a person', evidence: evidence([assignment({ name: 'A', enabled: false, effectiveUsers: [{ name: 'Alice', assignmentChain: null }] })]), status: 'OK', state: 'disabled', findings: [] },
    { situation: 'ten minutes old', evidence: evidence([assignment({ name: 'A', whenCreatedUTC: minutesAgo(10) })]), status: 'OK', state: 'propagating', findings: [] },
    { situation: 'exactly 30 minutes old', evidence: evidence([assignment({ name: 'A', whenCreatedUTC: minutesAgo(30) })]), status: 'OK', state: 'effective', findings: [] },
    { situation: 'creation time unknown', evidence: evidence([assignment({ name: 'A', whenCreatedUTC: null })]), status: 'OK', state: 'propagating', findings: [] },
    { situation: '--account reached by nothing', evidence: evidence([assignment({ name: 'A' })], { account: mailbox('Other', 'other@contoso.com') }), status: 'CRITICAL', findings: [] },
    { situation: '--account reached only by a young assignment', evidence: evidence([assignment({ name: 'A', whenCreatedUTC: minutesAgo(5) })], { account: mailbox('Booking Service', 'svc-booking@contoso.com') }), status: 'WARNING', state: 'propagating', findings: [] },
    { situation: '--account reached by an effective one', evidence: evidence([assignment({ name: 'A' })], { account: mailbox('Booking Service', 'svc-booking@contoso.com') }), status: 'OK', state: 'effective', findings: [] },
    { situation: '--account reached only through a disabled one', evidence: evidence([assignment({ name: 'A', enabled: false })], { account: mailbox('Booking Service', 'svc-booking@contoso.com') }), status: 'CRITICAL', state: 'disabled', findings: [] },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      const verdict = judgeStatus(row.evidence, NOW);
      assert.equal(verdict.status, row.status, verdict.summary);
      if (row.state) assert.equal(verdict.assignments[0].state, row.state);
      const findings = verdict.assignments.flatMap((a) => a.findings);
      assert.equal(findings.length, row.findings.length, findings.join('; '));
      row.findings.forEach((pattern) => assert.ok(findings.some((f) => pattern.test(f)), `${pattern} in ${findings.join('; ')}`));
    });
  }

  it('says when a young assignment will be past the 30 minutes', () => {
    const verdict = judgeStatus(evidence([assignment({ name: 'A', whenCreatedUTC: minutesAgo(10) })]), NOW);
    assert.equal(verdict.assignments[0].effectiveAt, new Date(NOW + 20 * 60_000).toISOString());
    assert.equal(verdict.assignments[0].ageMs, 10 * 60_000);
  });

  it('--account keeps only the assignments that reach it', () => {
    const verdict = judgeStatus(
      evidence([assignment({ name: 'Mine' }), assignment({ name: 'Theirs', roleAssigneeName: 'Alice', effectiveUsers: [{ name: 'Alice', assignmentChain: null }] })], { account: mailbox('Booking Service', 'svc-booking@contoso.com') }),
      NOW,
    );
    assert.deepEqual(verdict.assignments.map((a) => a.name), ['Mine']);
  });

  it('recognises service account names and not people', () => {
    for (const name of ['svc-booking', 'Booking Service', 'sa_rooms', 'app-booking', 'bookingsvc']) assert.ok(looksLikeServiceAccount(name), name);
    for (const name of ['Alice', 'Administrator', 'Samantha Appleby', 'User 1']) assert.ok(!looksLikeServiceAccount(name), name);
  });
});
