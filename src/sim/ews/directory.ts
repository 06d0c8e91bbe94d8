// Look-ups the EWS endpoint needs on every request, indexed once per loaded state object (StateCache
// hands back the same object until state.json changes, so a WeakMap keyed on it is the cache).
import { matchesRecipientFilter, parseRecipientFilter, type RecipientFilter } from '../recipient-filter';
import type { SimAssignment, SimGroup, SimScope, SimState, SimUser } from '../state';

export interface Directory {
  state: SimState;
  /** Every SMTP proxy address (primary and secondary), lower-cased → mailbox user. */
  byAddress: Map<string, SimUser>;
  byPrincipalName: Map<string, SimUser>;
  bySamAccountName: Map<string, SimUser>;
  byDistinguishedName: Map<string, SimUser>;
  /** Member DN (lower-cased) → groups that list it directly. */
  groupsContaining: Map<string, SimGroup[]>;
  mailEnabledGroups: SimGroup[];
  scopesByName: Map<string, SimScope>;
  /** Lazily filled caches. */
  parsedFilters: Map<string, RecipientFilter | null>;
  assignmentsByCaller: Map<string, SimAssignment[]>;
  scopeMatches: Map<string, boolean>;
}

const directories = new WeakMap<SimState, Directory>();

export function directoryFor(state: SimState): Directory {
  let directory = directories.get(state);
  if (directory) return directory;
  directory = {
    state,
    byAddress: new Map(),
    byPrincipalName: new Map(),
    bySamAccountName: new Map(),
    byDistinguishedName: new Map(),
    groupsContaining: new Map(),
    mailEnabledGroups: state.groups.filter((g) => g.primarySmtpAddress),
    scopesByName: new Map(),
    parsedFilters: new Map(),
    assignmentsByCaller: new Map(),
    scopeMatches: new Map(),
  };
  for (const user of state.users) {
    directory.byPrincipalName.set(user.userPrincipalName.toLowerCase(), user);
    directory.bySamAccountName.set(user.samAccountName.toLowerCase(), user);
    directory.byDistinguishedName.set(user.distinguishedName.toLowerCase(), user);
    for (const proxy of user.mailbox?.emailAddresses ?? []) {
      if (/^smtp:/i.test(proxy)) directory.byAddress.set(proxy.slice(5).toLowerCase(), user);
    }
    if (user.mailbox) directory.byAddress.set(user.mailbox.primarySmtpAddress.toLowerCase(), user);
  }
  for (const group of state.groups) {
    for (const member of group.members) {
      const key = member.toLowerCase();
      const list = directory.groupsContaining.get(key);
      if (list) list.push(group);
      else directory.groupsContaining.set(key, [group]);
    }
  }
  for (const scope of state.scopes) {
    directory.scopesByName.set(scope.name.toLowerCase(), scope);
    directory.scopesByName.set(scope.guid.toLowerCase(), scope);
  }
  directories.set(state, directory);
  return directory;
}

/** The Basic user name may be the UPN, `NETBIOS\sam`, or the primary SMTP address. */
export function findLogonUser(directory: Directory, username: string): SimUser | undefined {
  const lower = username.toLowerCase();
  const backslash = lower.indexOf('\\');
  if (backslash >= 0) {
    if (lower.slice(0, backslash) !== directory.state.organization.netbiosName.toLowerCase()) return undefined;
    return directory.bySamAccountName.get(lower.slice(backslash + 1));
  }
  const byUpn = directory.byPrincipalName.get(lower);
  if (byUpn) return byUpn;
  const byAddress = directory.byAddress.get(lower);
  return byAddress?.mailbox?.primarySmtpAddress.toLowerCase() === lower ? byAddress : undefined;
}

export function findMailbox(directory: Directory, address: string): SimUser | undefined {
  return directory.byAddress.get(address.replace(/^smtp:/i, '').toLowerCase());
}

/** Groups the DN belongs to, directly or through nested groups. */
export function transitiveGroups(directory: Directory, dn: string): SimGroup[] {
  const seen = new Set<string>();
  const result: SimGroup[] = [];
  const queue = [dn.toLowerCase()];
  while (queue.length) {
    const current = queue.shift()!;
    for (const group of directory.groupsContaining.get(current) ?? []) {
      const key = group.distinguishedName.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(group);
      queue.push(key);
    }
  }
  return result;
}

/**
 * Enabled Regular ApplicationImpersonation assignments that reach the caller, directly or through a group.
 * Delegating assignments only allow handing the role on, never using it.
 */
export function impersonationAssignments(directory: Directory, caller: SimUser): SimAssignment[] {
  const key = caller.distinguishedName.toLowerCase();
  let cached = directory.assignmentsByCaller.get(key);
  if (!cached) {
    const assignees = new Set([key, ...transitiveGroups(directory, caller.distinguishedName).map((g) => g.distinguishedName.toLowerCase())]);
    cached = directory.state.assignments.filter(
      (a) =>
        a.enabled &&
        a.role.toLowerCase() === 'applicationimpersonation' &&
        a.roleAssignmentDelegationType === 'Regular' &&
        assignees.has(a.roleAssignee.toLowerCase()),
    );
    directory.assignmentsByCaller.set(key, cached);
  }
  return cached;
}

function scopeCovers(directory: Directory, scopeName: string, target: SimUser): boolean {
  const cacheKey = `${scopeName.toLowerCase()}\u0000${target.guid}`;
  const cached = directory.scopeMatches.get(cacheKey);
  if (cached !== undefined) return cached;
  const scope = directory.scopesByName.get(scopeName.toLowerCase());
  let covers = false;
  if (scope) {
    let filter = directory.parsedFilters.get(scope.guid);
    if (filter === undefined) {
      try {
        filter = parseRecipientFilter(scope.recipientFilter);
      } catch {
        filter = null; // Exchange would have refused to create it; here it simply matches nothing.
      }
      directory.parsedFilters.set(scope.guid, filter);
    }
    const underRoot =
      !scope.recipientRoot || target.distinguishedName.toLowerCase().endsWith(`,${scope.recipientRoot.toLowerCase()}`);
    covers = !!filter && underRoot && matchesRecipientFilter(filter, target, directory.state);
  }
  directory.scopeMatches.set(cacheKey, covers);
  return covers;
}

/**
 * Whether RBAC lets the caller impersonate the target right now. An assignment counts only once it is
 * older than the propagation delay: Exchange caches RBAC, so a fresh grant is not seen at once.
 */
export function mayImpersonate(directory: Directory, caller: SimUser, target: SimUser, now: number, propagationMs: number): boolean {
  for (const assignment of impersonationAssignments(directory, caller)) {
    const created = Date.parse(assignment.whenCreatedUTC);
    if (!(created + propagationMs <= now)) continue;
    if (assignment.customRecipientWriteScope) {
      if (scopeCovers(directory, assignment.customRecipientWriteScope, target)) return true;
    } else if (assignment.recipientWriteScope === 'Organization') {
      return true;
    }
  }
  return false;
}
