# imp status: every ApplicationImpersonation assignment in the organisation, who it reaches and how
# far. Changes nothing and needs no service account password.
# Input ($Parameters): account (address or $null: narrow to this account), serviceAccounts (addresses
#   the admin names as service accounts, for the audit).
# Output: account (the resolved mailbox or $null), serviceAccounts (resolved mailboxes), assignments
#   (one per assignment, with its effective users and its scope).

$result = [ordered]@{
    account         = $null
    serviceAccounts = @()
    assignments     = @()
}

# Addresses are resolved first: an alias or a typo shows up before anything is listed.
if ($Parameters.account) { $result.account = Get-ImpMailbox ([string]$Parameters.account) }
$result.serviceAccounts = @(@($Parameters.serviceAccounts) | Where-Object { $null -ne $_ } | ForEach-Object { Get-ImpMailbox ([string]$_) })

# -GetEffectiveUsers gives one row per assignment for a user, and for a group one "All Group Members"
# row (localised) plus one row per member (AssignmentChain names the group). Delegating assignments are listed
# too: they let their holders hand the role out, which an audit must see.
$rows = @(Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers -ErrorAction Stop)

$byName = [ordered]@{}
foreach ($row in $rows) {
    $name = [string]$row.Name
    if (-not $byName.Contains($name)) {
        $assignment = ConvertTo-ImpAssignment $row
        $assignment | Add-Member -NotePropertyName delegationType -NotePropertyValue ([string]$row.RoleAssignmentDelegationType)
        $assignment | Add-Member -NotePropertyName effectiveUsers -NotePropertyValue (New-Object System.Collections.ArrayList)
        $assignment | Add-Member -NotePropertyName scope -NotePropertyValue $null
        $byName[$name] = $assignment
    }
    $user = [string]$row.EffectiveUserName
    # The group's own row has no AssignmentChain; its text ('All Group Members') is localised, so it is
    # recognised by shape, not by name.
    $groupRow = ([string]$row.RoleAssigneeType -ne 'User') -and -not $row.AssignmentChain
    if ($user -and -not $groupRow) {
        $chain = $null
        if ($row.AssignmentChain) { $chain = [string]$row.AssignmentChain }
        [void]$byName[$name].effectiveUsers.Add([pscustomobject]@{ name = $user; assignmentChain = $chain })
    }
}

# The scope: a custom management scope (its filter and root), an OU (stored in CustomRecipientWriteScope
# with RecipientWriteScope OU), or the whole organisation.
$scopes = @{}
foreach ($assignment in $byName.Values) {
    $kind = 'organization'
    $filter = $null
    $root = $null
    $scopeName = $assignment.customRecipientWriteScope
    if ($assignment.recipientWriteScope -eq 'OU') {
        $kind = 'ou'
        $root = $scopeName
    }
    elseif ($scopeName) {
        $kind = 'custom'
        if (-not $scopes.ContainsKey($scopeName)) {
            $scopes[$scopeName] = Get-ManagementScope -Identity $scopeName -ErrorAction Stop
        }
        $filter = [string]$scopes[$scopeName].RecipientFilter
        if ($scopes[$scopeName].RecipientRoot) { $root = [string]$scopes[$scopeName].RecipientRoot }
    }
    $assignment.scope = [pscustomobject]@{ kind = $kind; name = $scopeName; filter = $filter; root = $root }
    $assignment.effectiveUsers = @($assignment.effectiveUsers)
}
$result.assignments = @($byName.Values)
[pscustomobject]$result
