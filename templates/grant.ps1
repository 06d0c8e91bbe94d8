# imp grant: give a booking system's service account the ApplicationImpersonation role.
# Input ($Parameters): account (primary SMTP address of the service account), name (assignment name),
#   scopeName, scopeRooms (bool), scopeGroups (group names), dryRun (bool).
# Idempotent: an account that already holds an effective ApplicationImpersonation assignment
# (direct or through a group) is reported and nothing is created.

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
}
if (-not $mailbox.isPrimary) {
    # The booking system must be configured with the primary address, not an alias.
    $result.status = 'alias'
    return [pscustomobject]$result
}

$existing = @(Get-ImpImpersonationAssignments $mailbox | Where-Object { $_.enabled })
if ($existing.Count -gt 0) {
    $result.status = 'exists'
    $result.existing = $existing
    return [pscustomobject]$result
}

# The write scope: room mailboxes and/or members of the named groups.
$scopeName = [string]$Parameters.scopeName
$filterParts = New-Object System.Collections.ArrayList
if ($Parameters.scopeRooms) { [void]$filterParts.Add("RecipientTypeDetails -eq 'RoomMailbox'") }
foreach ($groupName in @($Parameters.scopeGroups)) {
    if ($null -eq $groupName) { continue }
    $group = Get-Group -Identity ([string]$groupName) -ErrorAction Stop
    [void]$filterParts.Add('MemberOfGroup -eq ' + (ConvertTo-ImpOpathValue ([string]$group.DistinguishedName)))
}
$filter = $null
$createScope = $false
if ($filterParts.Count -gt 0) {
    $filter = ($filterParts | ForEach-Object { '(' + $_ + ')' }) -join ' -or '
    $existingScope = @(Get-ManagementScope -ErrorAction Stop | Where-Object { [string]$_.Name -eq $scopeName })
    if ($existingScope.Count -gt 0) {
        if ([string]$existingScope[0].RecipientFilter -ne $filter) {
            $result.status = 'scope-conflict'
            $result.scope = [pscustomobject]@{ name = $scopeName; filter = $filter; existingFilter = [string]$existingScope[0].RecipientFilter; created = $false }
            return [pscustomobject]$result
        }
        $result.scope = [pscustomobject]@{ name = $scopeName; filter = $filter; existingFilter = $null; created = $false }
    }
    else {
        $createScope = $true
        $result.scope = [pscustomobject]@{ name = $scopeName; filter = $filter; existingFilter = $null; created = $true }
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

if ($createScope) {
    $null = New-ManagementScope -Name $scopeName -RecipientRestrictionFilter $filter -ErrorAction Stop
}
try {
    $created = New-ManagementRoleAssignment @assignmentParameters -ErrorAction Stop
}
catch {
    # Nothing half-done: a scope created for this grant goes when the assignment cannot be made.
    if ($createScope) {
        Remove-ManagementScope -Identity $scopeName -Confirm:$false -ErrorAction Stop
        $result.rolledBack = $true
    }
    throw
}
$result.status = 'granted'
$result.assignment = ConvertTo-ImpAssignment $created
[pscustomobject]$result
