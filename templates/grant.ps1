# imp grant: give a booking system's service account the ApplicationImpersonation role.
# Input ($Parameters): account (primary SMTP address of the service account), name (assignment name),
#   scopeName, scopeRooms (bool), scopeGroups (group names), dryRun (bool).
# Idempotent: an account that already holds an effective ApplicationImpersonation assignment
# (direct or through a group) is reported and nothing is created. With scope flags, an existing
# assignment's imp-made scope is brought to the requested filter in place (Set-ManagementScope).

$wantsScope = [bool]$Parameters.scopeRooms -or @($Parameters.scopeGroups | Where-Object { $null -ne $_ }).Count -gt 0
# Each cmdlet with the parameters this grant passes: a session may hold a cmdlet without all of them.
$needed = @('Get-Mailbox -Identity', 'Get-ManagementRoleAssignment -RoleAssignee -Role -Delegating', 'New-ManagementRoleAssignment -Name -Role -User')
if ($wantsScope) {
    $needed += @('Get-Group -Identity', 'Get-ManagementScope -Identity', 'New-ManagementScope -Name -RecipientRestrictionFilter',
        'Set-ManagementScope -Identity -RecipientRestrictionFilter', 'Remove-ManagementScope -Identity',
        'Get-ManagementRoleAssignment -CustomRecipientWriteScope', 'New-ManagementRoleAssignment -CustomRecipientWriteScope')
}
Assert-ImpCommands $needed

$mailbox = Get-ImpMailbox ([string]$Parameters.account)
$result = [ordered]@{
    status      = 'unknown'
    account     = [string]$Parameters.account
    mailbox     = $mailbox
    existing    = @()
    assignment  = $null
    scope       = $null
    plan        = @()
    rolledBack  = $false
    concurrent  = $false
    warnings    = @()
}
if (-not $mailbox.isPrimary) {
    # The booking system must be configured with the primary address, not an alias.
    $result.status = 'alias'
    return [pscustomobject]$result
}

# The write scope: room mailboxes and/or members of the named groups (by distinguished name, which
# is what MemberOfGroup compares; members of groups nested inside are NOT covered by it).
$scopeName = [string]$Parameters.scopeName
$filterParts = New-Object System.Collections.ArrayList
if ($Parameters.scopeRooms) { [void]$filterParts.Add("RecipientTypeDetails -eq 'RoomMailbox'") }
foreach ($groupName in @($Parameters.scopeGroups)) {
    if ($null -eq $groupName) { continue }
    $group = Get-Group -Identity ([string]$groupName) -ErrorAction Stop
    [void]$filterParts.Add('MemberOfGroup -eq ' + (ConvertTo-ImpOpathValue ([string]$group.DistinguishedName)))
}
$filter = $null
if ($filterParts.Count -gt 0) { $filter = ($filterParts | ForEach-Object { '(' + $_ + ')' }) -join ' -or ' }
if ($Parameters.scopeRooms -and @($Parameters.scopeGroups | Where-Object { $null -ne $_ }).Count -eq 0) {
    $result.warnings += 'The scope covers room mailboxes but no bookers: the booking system cannot act for the people who book, and rooms get double-booked. Add --scope-group <bookers>.'
}

function Get-ImpScopeRecord([string]$Name) {
    $found = @(Get-ManagementScope -ErrorAction Stop | Where-Object { [string]$_.Name -eq $Name })
    if ($found.Count -eq 0) { return $null }
    $found[0]
}

function New-ImpScopeResult([string]$Name, [string]$Filter, $OldFilter, [bool]$Created, [bool]$Updated) {
    [pscustomobject]@{ name = $Name; filter = $Filter; existingFilter = $OldFilter; storedFilter = $null; created = $Created; updated = $Updated }
}

$existing = @(Get-ImpImpersonationAssignments $mailbox | Where-Object { $_.enabled })
if ($existing.Count -gt 0) {
    $result.status = 'exists'
    $result.existing = $existing
    if (-not $filter) { return [pscustomobject]$result }
    # An assignment of this account with an imp-made scope (named after the assignment) is brought to
    # the requested filter in place; imp never adds a second assignment.
    $own = @($existing | Where-Object {
            $_.assignmentMethod -eq 'Direct' -and $_.customRecipientWriteScope -and
            $_.customRecipientWriteScope -eq ($_.name.Substring(0, [Math]::Min(58, $_.name.Length)) + '-Scope')
        })
    if ($own.Count -eq 0) { return [pscustomobject]$result }
    $ownScope = Get-ImpScopeRecord $own[0].customRecipientWriteScope
    if ($null -eq $ownScope) { return [pscustomobject]$result }
    $oldFilter = [string]$ownScope.RecipientFilter
    if (Test-ImpSameFilter $oldFilter $filter) {
        $result.scope = New-ImpScopeResult ([string]$ownScope.Name) $filter $oldFilter $false $false
        return [pscustomobject]$result
    }
    $result.scope = New-ImpScopeResult ([string]$ownScope.Name) $filter $oldFilter $false $true
    $result.plan += [pscustomobject]@{ cmdlet = 'Set-ManagementScope'; parameters = [pscustomobject]@{ Identity = [string]$ownScope.Name; RecipientRestrictionFilter = $filter } }
    if ($Parameters.dryRun) { $result.status = 'planned'; return [pscustomobject]$result }
    Set-ManagementScope -Identity ([string]$ownScope.Name) -RecipientRestrictionFilter $filter -ErrorAction Stop
    $result.scope.storedFilter = [string](Get-ManagementScope -Identity ([string]$ownScope.Name) -ErrorAction Stop).RecipientFilter
    $result.status = 'scope-updated'
    return [pscustomobject]$result
}

# From here on grant makes an assignment: Exchange lets only an admin with a delegating assignment do that.
Assert-ImpCanDelegate

$createScope = $false
$updateScope = $false
if ($filter) {
    $existingScope = Get-ImpScopeRecord $scopeName
    if ($null -ne $existingScope) {
        $oldFilter = [string]$existingScope.RecipientFilter
        if (Test-ImpSameFilter $oldFilter $filter) {
            $result.scope = New-ImpScopeResult $scopeName $filter $null $false $false
        }
        elseif (@(Get-ManagementRoleAssignment -CustomRecipientWriteScope $scopeName -ErrorAction Stop).Count -gt 0) {
            # Another assignment relies on this scope: changing it would change what that one reaches.
            $result.status = 'scope-conflict'
            $result.scope = New-ImpScopeResult $scopeName $filter $oldFilter $false $false
            return [pscustomobject]$result
        }
        else {
            $updateScope = $true
            $result.scope = New-ImpScopeResult $scopeName $filter $oldFilter $false $true
            $result.plan += [pscustomobject]@{ cmdlet = 'Set-ManagementScope'; parameters = [pscustomobject]@{ Identity = $scopeName; RecipientRestrictionFilter = $filter } }
        }
    }
    else {
        $createScope = $true
        $result.scope = New-ImpScopeResult $scopeName $filter $null $true $false
        $result.plan += [pscustomobject]@{ cmdlet = 'New-ManagementScope'; parameters = [pscustomobject]@{ Name = $scopeName; RecipientRestrictionFilter = $filter } }
    }
}

$assignmentParameters = [ordered]@{ Name = [string]$Parameters.name; Role = 'ApplicationImpersonation'; User = $mailbox.distinguishedName }
if ($filter) { $assignmentParameters.CustomRecipientWriteScope = $scopeName }
$result.plan += [pscustomobject]@{ cmdlet = 'New-ManagementRoleAssignment'; parameters = [pscustomobject]$assignmentParameters }

if ($Parameters.dryRun) {
    $result.status = 'planned'
    return [pscustomobject]$result
}

function Set-ImpConcurrentResult {
    # Another grant for this account ran at the same time and won: report what it made.
    $now = @(Get-ImpImpersonationAssignments $mailbox | Where-Object { $_.enabled })
    if ($now.Count -eq 0) { return $false }
    $result.status = 'exists'
    $result.concurrent = $true
    $result.existing = $now
    $result.scope = $null
    $result.plan = @()
    $true
}

if ($createScope) {
    try { $null = New-ManagementScope -Name $scopeName -RecipientRestrictionFilter $filter -ErrorAction Stop }
    catch {
        # Two grants at once: the other one made the scope first. Use it when it means the same.
        $raced = Get-ImpScopeRecord $scopeName
        if ($null -eq $raced -or -not (Test-ImpSameFilter ([string]$raced.RecipientFilter) $filter)) { throw }
        $createScope = $false
        $result.scope.created = $false
    }
}
elseif ($updateScope) {
    Set-ManagementScope -Identity $scopeName -RecipientRestrictionFilter $filter -ErrorAction Stop
}
if ($filter) { $result.scope.storedFilter = [string](Get-ManagementScope -Identity $scopeName -ErrorAction Stop).RecipientFilter }
try {
    $created = New-ManagementRoleAssignment @assignmentParameters -ErrorAction Stop
}
catch {
    $failure = $_
    if (Set-ImpConcurrentResult) { return [pscustomobject]$result }
    # Nothing half-done: a scope created for this grant goes when the assignment cannot be made.
    if ($createScope) {
        Remove-ManagementScope -Identity $scopeName -Confirm:$false -ErrorAction Stop
        $result.rolledBack = $true
    }
    throw $failure
}
$result.status = 'granted'
$result.assignment = ConvertTo-ImpAssignment $created
[pscustomobject]$result
