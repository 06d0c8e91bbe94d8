// The simulated organisation, shared by the simulated Management Shell (ExchangeSim.psm1)
// and the simulated EWS endpoint. One JSON file, replaced atomically on every write.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type MailboxType = 'UserMailbox' | 'RoomMailbox' | 'SharedMailbox' | 'EquipmentMailbox';

export interface SimMailbox {
  alias: string;
  displayName: string;
  recipientTypeDetails: MailboxType;
  primarySmtpAddress: string;
  /** Proxy addresses as Exchange stores them: exactly one `SMTP:` (primary), the rest `smtp:`. */
  emailAddresses: string[];
}

export interface SimUser {
  guid: string;
  name: string;
  samAccountName: string;
  userPrincipalName: string;
  distinguishedName: string;
  enabled: boolean;
  lockedOut: boolean;
  passwordNeverExpires: boolean;
  /** ISO time; null means "user must change password at next logon" (pwdLastSet = 0). */
  passwordLastSet: string | null;
  /** The simulator never stores a password, only a salted hash to check Basic authentication against. */
  passwordHash: { salt: string; sha256: string };
  mailbox: SimMailbox | null;
}

export interface SimGroup {
  guid: string;
  name: string;
  samAccountName: string;
  distinguishedName: string;
  /**
   * RoleGroup and UniversalSecurityGroup are not mail-enabled (no address, not recipients: Get-Group finds them,
   * Get-DistributionGroupMember does not). A DynamicDistributionGroup has no members of its own: they are the
   * recipients its recipientFilter selects under its recipientContainer.
   */
  recipientTypeDetails: 'RoleGroup' | 'UniversalSecurityGroup' | 'MailUniversalSecurityGroup' | 'MailUniversalDistributionGroup' | 'DynamicDistributionGroup';
  primarySmtpAddress: string | null;
  /** Distinguished names of member users or groups (nested groups are members too). Empty for a dynamic group. */
  members: string[];
  /** Dynamic distribution groups only: the OPATH filter as given, and the OU (DN) it searches. */
  recipientFilter?: string;
  recipientContainer?: string;
}

export interface SimAssignment {
  guid: string;
  name: string;
  role: string;
  /** Distinguished name of the user or group the role is assigned to. */
  roleAssignee: string;
  roleAssigneeName: string;
  roleAssigneeType: 'User' | 'SecurityGroup' | 'RoleGroup';
  roleAssignmentDelegationType: 'Regular' | 'Delegating' | 'DelegatingOrgWide';
  /** The scope's name (custom or exclusive scope), or the OU's distinguished name for an OU scope. */
  customRecipientWriteScope: string | null;
  recipientWriteScope: 'Organization' | 'CustomRecipientScope' | 'OU' | 'ExclusiveRecipientScope';
  enabled: boolean;
  whenCreatedUTC: string;
}

export interface SimScope {
  guid: string;
  name: string;
  /** As Exchange stores it: parsed and re-rendered (see RecipientFilter.ps1), not as it was typed. */
  recipientFilter: string;
  recipientRoot: string | null;
  exclusive: boolean;
  whenCreatedUTC: string;
}

export interface SimWebServicesVirtualDirectory {
  server: string;
  name: string;
  internalUrl: string;
  externalUrl: string | null;
  basicAuthentication: boolean;
  windowsAuthentication: boolean;
  oAuthAuthentication: boolean;
}

export interface SimOrganization {
  name: string;
  domain: string;
  netbiosName: string;
  distinguishedName: string;
  domainController: string;
  exchangeServer: string;
  maxPasswordAgeDays: number;
  /**
   * The placeholder EffectiveUserName of a group assignment under -GetEffectiveUsers. English Exchange writes
   * 'All Group Members'; the text is localised with the server's language, so the seed uses a German one.
   */
  allGroupMembers?: string;
}

/**
 * The admin who runs the Management Shell. A session holds only the cmdlets their management roles grant, each
 * with only the parameters the roles' entries grant (see Roles.ps1). Absent: Organization Management's roles, i.e. all.
 */
export interface SimAdmin {
  /** Built-in management roles (Roles.ps1 lists which cmdlets each grants, with every parameter). */
  roles: string[];
  /** Custom roles: a child of a built-in role whose entries keep only the listed parameters (New-ManagementRole -Parent, Set-ManagementRoleEntry -Parameters). */
  customRoles?: SimCustomRole[];
  /**
   * Who the admin is, as DOMAIN\sam: the Exchange caller (a delegating assignment of a role is needed to assign it) and the
   * computer's user. Absent: the computer's user if the directory has it, else the seeded Administrator.
   */
  account?: string;
}

export interface SimCustomRole {
  name: string;
  /** The built-in role it was made from; it can hold only entries its parent has. */
  parent: string;
  /** cmdlet → the parameters its entry keeps. */
  cmdlets: Record<string, string[]>;
}

/** What the machine running imp's PowerShell has besides Exchange; read when the module is imported. */
export interface SimMachine {
  /** false: no ActiveDirectory module (common on Exchange servers): no Get-ADUser, [adsisearcher] answers instead. Default true. */
  activeDirectoryModule?: boolean;
  /** false: no New-EventLog/Write-EventLog (PowerShell 7, or not Windows). Default true. */
  eventLogCmdlets?: boolean;
  /** false: imp's PowerShell is not elevated (no "Run as administrator"): no event source, no task for another logon. Default true. */
  elevated?: boolean;
  /** false: AD Web Services (TCP 9389) is blocked, so Get-ADUser cannot reach a domain controller. LDAP still works. Default true. */
  adwsReachable?: boolean;
  /**
   * What Task Scheduler answers when a task is started (IRegisteredTask.Run), e.g. 0x8007052E for a logon failure.
   * Unset: the simulator cannot start processes, so the task stays "has not run" (0x41303).
   */
  taskRunResult?: number;
  /**
   * Servers (short names) that Connect-ExchangeServer -Auto tries first and fails to reach, before the
   * organisation's exchangeServer works (src/sim/loader). Default ['EX02']: the first attempt fails.
   */
  unreachableExchangeServers?: string[];
}

/** A task as Register-ScheduledTask left it. Its password is never stored: only whether one was given. */
export interface SimScheduledTask {
  taskName: string;
  taskPath: string;
  description: string | null;
  author: string;
  registeredAt: string;
  state: 'Ready' | 'Disabled' | 'Running';
  actions: { execute: string; arguments: string; workingDirectory: string }[];
  /** type: 'Daily', 'Time' (once), 'Logon' or 'Boot'; startBoundary is local time, e.g. 2026-11-27T07:00:00. */
  triggers: { type: string; startBoundary: string | null; daysInterval: number | null; enabled: boolean }[];
  principal: { userId: string; logonType: string; runLevel: string };
  settings: Record<string, unknown> | null;
  passwordGiven: boolean;
  /** ISO time of the last run, null when it never ran; tests set it to simulate a run. */
  lastRunTime: string | null;
  /** The last run's exit code; 267011 (SCHED_S_TASK_HAS_NOT_RUN) before the first run. */
  lastTaskResult: number;
}

export interface SimEventSource {
  source: string;
  logName: string;
  registeredAt: string;
}

export interface SimEventLogEntry {
  logName: string;
  source: string;
  eventId: number;
  entryType: 'Error' | 'Information' | 'FailureAudit' | 'SuccessAudit' | 'Warning';
  category: number;
  message: string;
  timeGenerated: string;
}

export interface SimState {
  version: 1;
  organization: SimOrganization;
  users: SimUser[];
  groups: SimGroup[];
  assignments: SimAssignment[];
  scopes: SimScope[];
  webServicesVirtualDirectories: SimWebServicesVirtualDirectory[];
  admin?: SimAdmin;
  machine?: SimMachine;
  scheduledTasks?: SimScheduledTask[];
  /** Task Scheduler folders created through the COM API, e.g. "\\imp". */
  taskFolders?: string[];
  eventSources?: SimEventSource[];
  eventLog?: SimEventLogEntry[];
}

export const STATE_FILE = 'state.json';
export const CALL_LOG_FILE = 'calls.jsonl';

export function hashPassword(password: string, salt = randomBytes(16).toString('hex')): { salt: string; sha256: string } {
  return { salt, sha256: createHash('sha256').update(salt).update(password, 'utf8').digest('hex') };
}

export function passwordMatches(user: SimUser, password: string): boolean {
  return hashPassword(password, user.passwordHash.salt).sha256 === user.passwordHash.sha256;
}

/** Writes the whole state through a temporary file and a rename, so a reader never sees half a file. */
export function writeState(stateDir: string, state: SimState): void {
  mkdirSync(stateDir, { recursive: true });
  const target = join(stateDir, STATE_FILE);
  const temporary = `${target}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 1), 'utf8');
  renameSync(temporary, target);
}

export function readState(stateDir: string): SimState {
  return JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8').replace(/^\uFEFF/, '')) as SimState;
}

/** Re-reads the state only when the file changed: the EWS endpoint consults it on every request. */
export class StateCache {
  private mtimeMs = -1;
  private size = -1;
  private cached: SimState | undefined;
  constructor(readonly stateDir: string) {}

  get(): SimState {
    const stat = statSync(join(this.stateDir, STATE_FILE));
    if (!this.cached || stat.mtimeMs !== this.mtimeMs || stat.size !== this.size) {
      this.cached = readState(this.stateDir);
      this.mtimeMs = stat.mtimeMs;
      this.size = stat.size;
    }
    return this.cached;
  }
}
