# imp revoke: remove the service account's direct ApplicationImpersonation assignment(s), and the
# management scope imp created for one when no other assignment uses it.
# Input ($Parameters): account, name (optional: only this assignment), scopeSuffix, dryRun (bool).

Assert-ImpCommands @('Get-Mailbox -Identity', 'Get-ManagementRoleAssignment -RoleAssignee -Role -Delegating -CustomRecipientWriteScope', 'Remove-ManagementRoleAssignment -Identity', 'Remove-ManagementScope -Identity')
$mailbox = Get-ImpMailbox ([string]$Parameters.account)
$result = [ordered]@{
    status    = 'unknown'
    account   = [string]$Parameters.account
    mailbox   = $mailbox
    removed   = @()
    scopesRemoved = @()
    remaining = @()
    plan      = @()
}

$direct = @(Get-ImpDirectAssignments $mailbox)
if ($Parameters.name) { $direct = @($direct | Where-Object { $_.name -eq [string]$Parameters.name }) }

$scopesToRemove = New-Object System.Collections.ArrayList
foreach ($assignment in $direct) {
    $result.plan += [pscustomobject]@{ cmdlet = 'Remove-ManagementRoleAssignment'; parameters = [pscustomobject]@{ Identity = $assignment.name; Confirm = $false } }
    $scope = $assignment.customRecipientWriteScope
    # Only the scope imp named after this assignment is imp's to remove.
    if ($scope -and $scope -eq ($assignment.name.Substring(0, [Math]::Min(58, $assignment.name.Length)) + [string]$Parameters.scopeSuffix)) {
        $otherUsers = @(Get-ManagementRoleAssignment -CustomRecipientWriteScope $scope -ErrorAction Stop | Where-Object { [string]$_.Name -ne $assignment.name })
        if ($otherUsers.Count -eq 0 -and -not $scopesToRemove.Contains($scope)) {
            [void]$scopesToRemove.Add($scope)
        }
    }
}
foreach ($scope in $scopesToRemove) {
    $result.plan += [pscustomobject]@{ cmdlet = 'Remove-ManagementScope'; parameters = [pscustomobject]@{ Identity = $scope; Confirm = $false } }
}

if ($direct.Count -eq 0) { $result.status = 'nothing' }
elseif ($Parameters.dryRun) { $result.status = 'planned' }
else {
    Assert-ImpCanDelegate
    foreach ($assignment in $direct) {
        Remove-ManagementRoleAssignment -Identity $assignment.name -Confirm:$false -ErrorAction Stop
        $result.removed += $assignment
    }
    foreach ($scope in $scopesToRemove) {
        Remove-ManagementScope -Identity $scope -Confirm:$false -ErrorAction Stop
        $result.scopesRemoved += $scope
    }
    $result.status = 'revoked'
}
# Access through a group is not imp's to remove: the admin takes the account out of the group.
$result.remaining = @(Get-ImpImpersonationAssignments $mailbox | Where-Object { $_.assignmentMethod -ne 'Direct' -and $_.enabled })
[pscustomobject]$result
