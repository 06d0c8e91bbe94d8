// imp status, the decisions: how old each assignment is, whether EWS honours it yet, and which ones
// an audit should question. Pure: (evidence, settings, now) in, a verdict out.
import { RBAC_PROPAGATION_MS } from '../exchange/rbac';
import type { StatusAssignment, StatusEvidence } from './evidence';

export type AssignmentState = 'effective' | 'propagating' | 'disabled' | 'delegating';

export interface AssignmentStatus {
  name: string;
  assignee: string;
  assigneeType: string;
  delegationType: string;
  enabled: boolean;
  state: AssignmentState;
  createdAt: string | null;
  ageMs: number | null;
  /** Whether Exchange's 30-minute RBAC cache can no longer be the reason EWS refuses it. */
  pastPropagation: boolean;
  /** When it will be past the 30 minutes (ISO), if it is not yet. */
  effectiveAt: string | null;
  effectiveUsers: { name: string; assignmentChain: string | null }[];
  scope: StatusAssignment['scope'];
  /** Why an audit should look at it; empty when nothing stands out. */
  findings: string[];
}

export type StatusLevel = 'OK' | 'WARNING' | 'CRITICAL';

export interface StatusVerdict {
  status: StatusLevel;
  account: string | null;
  assignments: AssignmentStatus[];
  summary: string;
}

/** Accounts that by their name look like service accounts ("svc-booking", "Booking Service", "sa_rooms"). */
const SERVICE_ACCOUNT_NAME = /(^|[^a-z])(svc|service|srv|sa|app)([^a-z]|$)|^svc|svc$/i;

export function looksLikeServiceAccount(name: string): boolean {
  return SERVICE_ACCOUNT_NAME.test(name);
}

function stateOf(assignment: StatusAssignment, pastPropagation: boolean): AssignmentState {
  if (assignment.delegationType !== 'Regular') return 'delegating';
  if (!assignment.enabled) return 'disabled';
  return pastPropagation ? 'effective' : 'propagating';
}

/** The audit: an organisation-wide right to impersonate every mailbox belongs to named service accounts only. */
function findingsOf(assignment: StatusAssignment, serviceAccountNames: Set<string>): string[] {
  if (assignment.delegationType !== 'Regular' || !assignment.enabled || assignment.scope.kind !== 'organization') return [];
  const findings: string[] = [];
  if (assignment.roleAssigneeType !== 'User') {
    const members = assignment.effectiveUsers.length;
    findings.push(`organisation-wide through the ${assignment.roleAssigneeType} "${assignment.roleAssigneeName}": its ${members} member(s) can each impersonate every mailbox`);
  }
  const people = assignment.effectiveUsers.filter((u) => !serviceAccountNames.has(u.name.toLowerCase()) && !looksLikeServiceAccount(u.name));
  if (people.length) {
    findings.push(`organisation-wide to ${people.map((u) => `"${u.name}"`).join(', ')}, which ${people.length === 1 ? 'is' : 'are'} not a service account`);
  }
  return findings;
}

function reaches(assignment: StatusAssignment, mailboxName: string): boolean {
  const name = mailboxName.toLowerCase();
  return assignment.effectiveUsers.some((u) => u.name.toLowerCase() === name);
}

export function judgeStatus(evidence: StatusEvidence, now: number): StatusVerdict {
  const serviceAccountNames = new Set(evidence.serviceAccounts.map((m) => m.name.toLowerCase()));
  if (evidence.account) serviceAccountNames.add(evidence.account.name.toLowerCase());
  const selected = evidence.account ? evidence.assignments.filter((a) => reaches(a, evidence.account!.name)) : evidence.assignments;

  const assignments = selected.map((a): AssignmentStatus => {
    const created = a.whenCreatedUTC ? Date.parse(a.whenCreatedUTC) : NaN;
    const ageMs = Number.isNaN(created) ? null : Math.max(0, now - created);
    // An unknown creation time is treated as young: claiming "effective" could send the admin the wrong way.
    const pastPropagation = ageMs !== null && ageMs >= RBAC_PROPAGATION_MS;
    return {
      name: a.name,
      assignee: a.roleAssigneeName,
      assigneeType: a.roleAssigneeType,
      delegationType: a.delegationType,
      enabled: a.enabled,
      state: stateOf(a, pastPropagation),
      createdAt: a.whenCreatedUTC,
      ageMs,
      pastPropagation,
      effectiveAt: pastPropagation || Number.isNaN(created) ? null : new Date(created + RBAC_PROPAGATION_MS).toISOString(),
      effectiveUsers: a.effectiveUsers,
      scope: a.scope,
      findings: findingsOf(a, serviceAccountNames),
    };
  });

  const flagged = assignments.filter((a) => a.findings.length);
  if (evidence.account) {
    const usable = assignments.filter((a) => a.state === 'effective' || a.state === 'propagating');
    const who = `${evidence.account.primarySmtpAddress} (${evidence.account.name})`;
    if (!usable.length) return { status: 'CRITICAL', account: evidence.account.primarySmtpAddress, assignments, summary: `No enabled ApplicationImpersonation assignment reaches ${who}.` };
    if (!usable.some((a) => a.state === 'effective')) {
      return { status: 'WARNING', account: evidence.account.primarySmtpAddress, assignments, summary: `ApplicationImpersonation reaches ${who}, but is younger than Exchange's 30 minutes: EWS may still refuse it.` };
    }
    if (flagged.length) return { status: 'WARNING', account: evidence.account.primarySmtpAddress, assignments, summary: `ApplicationImpersonation reaches ${who}; ${flagged.length} assignment(s) need a look (see the findings).` };
    return { status: 'OK', account: evidence.account.primarySmtpAddress, assignments, summary: `ApplicationImpersonation reaches ${who} and is in effect.` };
  }
  const regular = assignments.filter((a) => a.delegationType === 'Regular');
  const summary = `${regular.length} ApplicationImpersonation assignment(s) that grant the right, ${assignments.length - regular.length} delegating.`;
  if (flagged.length) return { status: 'WARNING', account: null, assignments, summary: `${summary} ${flagged.length} need a look: organisation-wide impersonation for more than a service account.` };
  return { status: 'OK', account: null, assignments, summary };
}
