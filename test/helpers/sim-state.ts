// Runs PowerShell against the simulated Management Shell (ExchangeSim.psm1) directly, without the CLI.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simGroup } from '../../src/sim/organization';
import { hashPassword, type MailboxType, type SimGroup, type SimState, type SimUser } from '../../src/sim/state';
import { PWSH } from './imp';

export interface SimShellRun<T> {
  code: number | null;
  stderr: string;
  /** The script's output, read back from JSON. ($PID inside differs from the child's pid: .tools/pwsh is a launcher.) */
  output: T;
}

// Test data arrives as base64 JSON in $Data, never spliced into script text; Get-SimError captures an
// error record's parts so a test can assert on them.
const PRELUDE = `
$ErrorActionPreference = 'Stop'
if ($env:IMP_TEST_MODULE) { Import-Module -Name $env:IMP_TEST_MODULE }
$Data = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($env:IMP_TEST_INPUT)) | ConvertFrom-Json
function Get-SimError([scriptblock] $Action) {
    try { $null = & $Action; return $null }
    catch {
        return [ordered]@{
            message  = $_.Exception.Message
            reason   = $_.CategoryInfo.Reason
            category = [string]$_.CategoryInfo.Category
            activity = $_.CategoryInfo.Activity
            errorId  = $_.FullyQualifiedErrorId
            exception = $_.Exception.GetType().FullName
        }
    }
}
`;

/**
 * Runs `body` in one `pwsh -NoProfile -NonInteractive` process with `modulePath` imported ('' imports nothing), and returns what
 * the body outputs, converted to JSON inside PowerShell. One process per call: pwsh takes ~1 s to start,
 * so batch the checks of one scenario into one body.
 */
export function runSimShell<T>(modulePath: string, body: string, data: unknown = null, env: NodeJS.ProcessEnv = {}): Promise<SimShellRun<T>> {
  const command = `${PRELUDE}\nConvertTo-Json -Depth 10 -Compress -InputObject (& {\n${body}\n})`;
  return new Promise((resolve, reject) => {
    const child = spawn(PWSH, ['-NoProfile', '-NonInteractive', '-Command', command], {
      env: {
        ...process.env,
        IMP_SIM_STATE_DIR: undefined,
        ...env,
        IMP_TEST_MODULE: modulePath,
        IMP_TEST_INPUT: Buffer.from(JSON.stringify(data), 'utf8').toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      // The JSON is the last line: -WhatIf and -Confirm messages go to the host, ahead of it.
      const json = stdout.trimEnd().split('\n').pop() ?? '';
      if (code !== 0 || !json) {
        reject(new Error(`pwsh exited with ${code}\nstderr: ${stderr}\nstdout: ${stdout}`));
        return;
      }
      resolve({ code, stderr, output: JSON.parse(json) as T });
    });
  });
}

/**
 * Builders for directory situations real organisations have (nested groups, plain security groups, dynamic
 * groups, same-name users in different OUs). Each adds to a state read with lab.state(); write it back with
 * writeState(lab.settings.stateDir, state) before running PowerShell.
 */
export const OU = {
  users: 'OU=Users,OU=Contoso,DC=contoso,DC=com',
  rooms: 'OU=Rooms,OU=Contoso,DC=contoso,DC=com',
  branch: 'OU=Branch,OU=Contoso,DC=contoso,DC=com',
} as const;

export function findUser(state: SimState, samAccountName: string): SimUser {
  const user = state.users.find((u) => u.samAccountName === samAccountName);
  if (!user) throw new Error(`no user ${samAccountName} in the seeded state`);
  return user;
}

export function findGroup(state: SimState, name: string): SimGroup {
  const group = state.groups.find((g) => g.name === name);
  if (!group) throw new Error(`no group ${name} in the state`);
  return group;
}

/** A mailbox user (or room) in the given OU; `sam` must be unique, `name` need not be (names are unique per OU only). */
export function addMailboxUser(state: SimState, sam: string, name: string, ou: string, type: MailboxType = 'UserMailbox'): SimUser {
  const address = `${sam}@${state.organization.domain}`;
  const user: SimUser = {
    guid: randomUUID(),
    name,
    samAccountName: sam,
    userPrincipalName: address,
    distinguishedName: `CN=${name},${ou}`,
    enabled: type !== 'RoomMailbox',
    lockedOut: false,
    passwordNeverExpires: type === 'RoomMailbox',
    passwordLastSet: new Date().toISOString(),
    passwordHash: hashPassword(randomUUID()),
    mailbox: { alias: sam, displayName: name, recipientTypeDetails: type, primarySmtpAddress: address, emailAddresses: [`SMTP:${address}`] },
  };
  state.users.push(user);
  return user;
}

const groupSam = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** A group whose members are users or groups (nesting), by object. Only mail-enabled types get an address. */
export function addGroup(
  state: SimState,
  name: string,
  type: Exclude<SimGroup['recipientTypeDetails'], 'DynamicDistributionGroup'>,
  members: (SimUser | SimGroup)[],
  ou: string = OU.users,
): SimGroup {
  const group = simGroup(name, groupSam(name), type, ou, members, state.organization.domain);
  state.groups.push(group);
  return group;
}

/** A dynamic distribution group: its members are what `recipientFilter` selects under `recipientContainer`. */
export function addDynamicGroup(state: SimState, name: string, recipientFilter: string, recipientContainer: string | null = null): SimGroup {
  const group: SimGroup = {
    ...simGroup(name, groupSam(name), 'DynamicDistributionGroup', OU.users, [], state.organization.domain),
    recipientFilter,
    ...(recipientContainer ? { recipientContainer } : {}),
  };
  state.groups.push(group);
  return group;
}

/** Adds `member` (user or group) to `group`: nesting, and cycles if you ask for them. */
export function addMember(group: SimGroup, member: SimUser | SimGroup): void {
  group.members.push(member.distinguishedName);
}

/** The admin running the Management Shell holds only these management roles (see src/sim/exchange/Roles.ps1). */
export function setAdminRoles(state: SimState, roles: string[]): void {
  state.admin = { roles };
}

/**
 * A module that is the simulated Exchange with only `cmdlets` exported: the session of an admin whose roles
 * grant just those (Roles.ps1 does the same from state.admin at import; this one leaves the lab's state alone,
 * so a shared session on the same lab keeps every cmdlet). Returns the module's path.
 */
export function moduleWithCmdlets(lab: { settings: { stateDir: string; exchangeModule: string } }, name: string, cmdlets: string[]): string {
  const module = join(lab.settings.stateDir, `${name}.psm1`);
  writeFileSync(
    module,
    `Import-Module -Name '${lab.settings.exchangeModule.replace(/'/g, "''")}' -DisableNameChecking\n` +
      `Export-ModuleMember -Function ${cmdlets.join(', ')}\n`,
  );
  return module;
}
