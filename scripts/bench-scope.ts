// Issue 9 C: what it costs to ask Exchange which targets the service account's ApplicationImpersonation
// assignment reaches, two ways, against the simulated Exchange (the Management Shell module, no EWS):
//   per target: Get-ManagementRoleAssignment -Role ApplicationImpersonation -WritableRecipient <target>, once
//               for every target;
//   one call:   what imp's verify does (templates/verify.ps1): the account's assignments, each scope once,
//               one Get-Recipient -Filter <the scope's stored OPATH filter> -OrganizationalUnit <its
//               RecipientRoot>, and the exclusive scopes that could block it.
// Both answers must agree (every target covered), or the measurement is refused. Only the cmdlet calls are
// timed, inside one PowerShell: not its start, not the module import.
// scripts/bench.ts calls measureScopeCost(); `npx tsx scripts/bench-scope.ts [targets] [sample]` runs it alone.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths';
import { prepareState } from '../src/sim/simulator';
import { readState, writeState } from '../src/sim/state';

export interface ScopeCost {
  targets: number;
  /** How many targets were asked one by one; perTargetMs is scaled from them to all targets. */
  sample: number;
  /** Every target asked on its own (-WritableRecipient). */
  perTargetMs: number;
  /** imp's way: one Get-Recipient per scope, whatever the number of targets. */
  oneCallMs: number;
  /** perTargetMs / oneCallMs. */
  ratio: number;
}

const SCOPE = 'Bench-Rooms-Scope';

// Values reach PowerShell through the environment, never spliced into the script text.
const SCRIPT = `
$ErrorActionPreference = 'Stop'
Import-Module -Name $env:IMP_BENCH_MODULE -DisableNameChecking
$account = (Get-Mailbox -Identity $env:IMP_BENCH_ACCOUNT).DistinguishedName
$targets = @(Get-Mailbox -RecipientTypeDetails RoomMailbox -ResultSize Unlimited | ForEach-Object { [string]$_.DistinguishedName })
$sample = @($targets | Select-Object -First ([int]$env:IMP_BENCH_SAMPLE))
$perTargetCovered = 0
$perTarget = Measure-Command {
    foreach ($target in $sample) {
        if (@(Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee $account -WritableRecipient $target).Count -gt 0) { $perTargetCovered++ }
    }
}
$oneCallCovered = 0
$oneCall = Measure-Command {
    $reach = New-Object 'System.Collections.Generic.HashSet[string]' ([StringComparer]::OrdinalIgnoreCase)
    foreach ($assignment in @(Get-ManagementRoleAssignment -RoleAssignee $account -Role ApplicationImpersonation -Delegating $false)) {
        $scope = Get-ManagementScope -Identity ([string]$assignment.CustomRecipientWriteScope)
        $query = @{ Filter = [string]$scope.RecipientFilter; ResultSize = 'Unlimited' }
        if ($scope.RecipientRoot) { $query.OrganizationalUnit = [string]$scope.RecipientRoot }
        foreach ($recipient in @(Get-Recipient @query)) { [void]$reach.Add([string]$recipient.DistinguishedName) }
    }
    $blocking = @(Get-ManagementScope -Exclusive $true)
    foreach ($target in $targets) { if ($blocking.Count -eq 0 -and $reach.Contains($target)) { $oneCallCovered++ } }
}
[Console]::Out.WriteLine('<<bench-scope>>' + (ConvertTo-Json -Compress -InputObject @{
    targets = $targets.Count; perTargetMs = $perTarget.TotalMilliseconds; oneCallMs = $oneCall.TotalMilliseconds
    perTargetCovered = $perTargetCovered; oneCallCovered = $oneCallCovered }))
`;

/** A lab of `targets` room mailboxes, the service account holding ApplicationImpersonation over a scope of the Rooms OU. */
function scopedLab(targets: number) {
  const settings = prepareState({ rooms: targets, users: 0, basicAuthentication: true, propagationMs: 0 }, 'https://127.0.0.1:9/EWS/Exchange.asmx');
  const state = readState(settings.stateDir);
  const service = state.users.find((u) => u.userPrincipalName === settings.account || u.mailbox?.primarySmtpAddress === settings.account)!;
  const room = state.users.find((u) => u.mailbox?.recipientTypeDetails === 'RoomMailbox')!;
  const now = new Date().toISOString();
  state.scopes.push({
    guid: randomUUID(), name: SCOPE, recipientFilter: "RecipientTypeDetails -eq 'RoomMailbox'",
    recipientRoot: room.distinguishedName.slice(room.distinguishedName.indexOf(',') + 1), exclusive: false, whenCreatedUTC: now,
  });
  state.assignments.push({
    guid: randomUUID(), name: 'Bench-Impersonation', role: 'ApplicationImpersonation', roleAssignee: service.distinguishedName,
    roleAssigneeName: service.name, roleAssigneeType: 'User', roleAssignmentDelegationType: 'Regular',
    customRecipientWriteScope: SCOPE, recipientWriteScope: 'CustomRecipientScope', enabled: true, whenCreatedUTC: now,
  });
  writeState(settings.stateDir, state);
  return settings;
}

/**
 * Measures both ways on `targets` room mailboxes. `sample` bounds how many are asked one by one (the time is then
 * scaled to all targets): each such call resolves the target and evaluates the scope over the whole directory,
 * ~1 s per call against 1,000 rooms on this 2-core machine, so all 1,000 would take some 20 minutes. PowerShell:
 * IMP_POWERSHELL, else .tools/pwsh.
 */
export async function measureScopeCost(
  targets = 1000,
  sample = 10,
  powershell = process.env.IMP_POWERSHELL || join(packageRoot, '.tools', 'pwsh'),
): Promise<ScopeCost> {
  sample = Math.min(sample, targets);
  const settings = scopedLab(targets);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        powershell,
        ['-NoProfile', '-NonInteractive', '-Command', SCRIPT],
        { env: { ...process.env, IMP_SIM_STATE_DIR: undefined, IMP_BENCH_MODULE: settings.exchangeModule, IMP_BENCH_ACCOUNT: settings.account, IMP_BENCH_SAMPLE: String(sample) }, maxBuffer: 16 * 1024 * 1024 },
        (error, out, err) => (error ? reject(new Error(`scope cost measurement failed: ${error.message}\n${err}`)) : resolve(out)),
      );
    });
    const line = stdout.split('\n').find((l) => l.startsWith('<<bench-scope>>'));
    if (!line) throw new Error(`scope cost measurement printed no result:\n${stdout}`);
    const raw = JSON.parse(line.slice('<<bench-scope>>'.length)) as { targets: number; perTargetMs: number; oneCallMs: number; perTargetCovered: number; oneCallCovered: number };
    if (raw.targets !== targets || raw.perTargetCovered !== sample || raw.oneCallCovered !== targets) {
      throw new Error(`the two ways disagree: ${raw.targets} targets, ${raw.perTargetCovered} of ${sample} covered per target, ${raw.oneCallCovered} by one call`);
    }
    const perTargetMs = Math.round((raw.perTargetMs * targets) / sample);
    const oneCallMs = Math.max(1, Math.round(raw.oneCallMs));
    return { targets, sample, perTargetMs, oneCallMs, ratio: +(perTargetMs / oneCallMs).toFixed(1) };
  } finally {
    rmSync(settings.stateDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const targets = Number(process.argv[2] ?? 1000);
  measureScopeCost(targets, process.argv[3] ? Number(process.argv[3]) : undefined).then(
    (cost) => console.log(JSON.stringify(cost)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
