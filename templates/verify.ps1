# imp verify, Management Shell half: what Exchange says about the service account, its
# ApplicationImpersonation assignments and their scopes, the mailboxes to test, and the EWS
# virtual directories. Changes nothing.
# Input ($Parameters): account, mailboxes (addresses), rooms (bool), groups (names).

$result = [ordered]@{
    mailbox      = $null
    mailboxError = $null
    mailboxNotFound = $false
    assignments  = @()
    scopes       = @()
    targets      = @()
    targetErrors = @()
    vdirs        = @()
    vdirError    = $null
}
# Each cmdlet with the parameters verify passes: a session may hold a cmdlet without all of them.
$needed = @('Get-Mailbox -Identity -RecipientTypeDetails -ResultSize', 'Get-Recipient -Identity -Filter -OrganizationalUnit -ResultSize',
    'Get-ManagementRoleAssignment -RoleAssignee -Role -Delegating', 'Get-ManagementScope -Identity -Exclusive')
if (@($Parameters.groups | Where-Object { $null -ne $_ }).Count -gt 0) { $needed += 'Get-Group -Identity' }
Assert-ImpCommands $needed

# The EWS virtual directories; without Get-WebServicesVirtualDirectory every other check still runs.
$ewsVdirs = Get-ImpEwsVirtualDirectories
$result.vdirs = @($ewsVdirs.vdirs)
$result.vdirError = $ewsVdirs.vdirError

try {
    $mailbox = Get-ImpMailbox ([string]$Parameters.account)
    $result.mailbox = $mailbox
}
catch {
    $result.mailboxError = [string]$_.Exception.Message
    $result.mailboxNotFound = [bool](Test-ImpNotFound $_)
    return [pscustomobject]$result
}

$assignments = @(Get-ImpImpersonationAssignments $mailbox)
$result.assignments = $assignments

function Resolve-ImpGroup([string]$Identity) {
    # Get-Group serves every security and distribution group, mail-enabled or not; a dynamic
    # distribution group is not a group to it.
    try { return @{ kind = 'group'; object = (Get-Group -Identity $Identity -ErrorAction Stop) } }
    catch {
        if (-not (Test-ImpNotFound $_)) { throw }
        $notFound = $_
    }
    if (@(Get-ImpMissingCommands @('Get-DynamicDistributionGroup')).Count -gt 0) { throw $notFound }
    try { return @{ kind = 'dynamic'; object = (Get-DynamicDistributionGroup -Identity $Identity -ErrorAction Stop) } }
    catch {
        if (Test-ImpNotFound $_) { throw $notFound }
        throw
    }
}

function Get-ImpGroupMailboxes([string]$Identity) {
    # Every mailbox in the group and in the groups nested inside it, breadth first (so a mailbox comes
    # first with its shortest path), each group once however the nesting loops. path: group names from
    # the outer group to the one that lists the mailbox.
    $found = New-Object System.Collections.ArrayList
    $visited = New-Object 'System.Collections.Generic.HashSet[string]' ([StringComparer]::OrdinalIgnoreCase)
    $pending = New-Object System.Collections.Queue
    $pending.Enqueue(@{ identity = $Identity; path = @() })
    while ($pending.Count -gt 0) {
        $item = $pending.Dequeue()
        $group = Resolve-ImpGroup $item.identity
        $dn = [string]$group.object.DistinguishedName
        if (-not $visited.Add($dn)) { continue }
        $path = @($item.path) + @([string]$group.object.Name)
        if ($group.kind -eq 'dynamic') {
            # Members from the group's own filter and container, as Exchange expands it.
            $query = @{ Filter = [string]$group.object.RecipientFilter; ResultSize = 'Unlimited' }
            if ($group.object.RecipientContainer) { $query.OrganizationalUnit = [string]$group.object.RecipientContainer }
            $members = @(Get-Recipient @query -ErrorAction Stop)
        }
        else {
            # Direct members that are recipients, in one query (MemberOfGroup takes the group's DN).
            $members = @(Get-Recipient -Filter ('MemberOfGroup -eq ' + (ConvertTo-ImpOpathValue $dn)) -ResultSize Unlimited -ErrorAction Stop)
        }
        $known = New-Object 'System.Collections.Generic.HashSet[string]' ([StringComparer]::OrdinalIgnoreCase)
        foreach ($member in $members) {
            foreach ($key in @($member.Name, $member.Identity, $member.DistinguishedName, $member.Guid)) { if ($key) { [void]$known.Add([string]$key) } }
            $type = [string]$member.RecipientTypeDetails
            if ($type -like '*Mailbox') { [void]$found.Add([pscustomobject]@{ recipient = $member; path = $path }) }
            elseif ($type -like '*Group' -or $type -eq 'RoomList') { $pending.Enqueue(@{ identity = [string]$member.DistinguishedName; path = $path }) }
        }
        if ($group.kind -eq 'group') {
            # Members that are not recipients: groups that are not mail-enabled (a user without a mailbox books nothing).
            foreach ($member in @($group.object.Members)) {
                $text = [string]$member
                if (-not $text -or $known.Contains($text)) { continue }
                try { $nested = Get-Group -Identity $text -ErrorAction Stop }
                catch {
                    if (Test-ImpNotFound $_) { continue }
                    throw
                }
                $pending.Enqueue(@{ identity = [string]$nested.DistinguishedName; path = $path })
            }
        }
    }
    , $found.ToArray()
}

# Mailboxes to test, by primary address; one entry per mailbox even when reached more than once.
# A mailbox or group Exchange cannot find goes to targetErrors and the other targets are still checked.
$seen = @{}
$targets = New-Object System.Collections.ArrayList
function Add-ImpTarget($Recipient, [string]$Source, $Path) {
    $address = [string]$Recipient.PrimarySmtpAddress
    if (-not $address -or $seen.ContainsKey($address.ToLowerInvariant())) { return }
    $seen[$address.ToLowerInvariant()] = $true
    # inScope, blockedBy and nestedVia are decided below, once every scope is known.
    [void]$targets.Add([pscustomobject]@{
            address = $address; name = [string]$Recipient.Name; type = [string]$Recipient.RecipientTypeDetails
            distinguishedName = [string]$Recipient.DistinguishedName; source = $Source; groupPath = @($Path)
            inScope = $false; blockedBy = $null; nestedVia = $null
        })
}
foreach ($requested in @($Parameters.mailboxes)) {
    if ($null -eq $requested) { continue }
    try { Add-ImpTarget (Get-Recipient -Identity ([string]$requested) -ErrorAction Stop) 'mailbox' @() }
    catch { $result.targetErrors += [pscustomobject]@{ requested = [string]$requested; kind = 'mailbox'; notFound = [bool](Test-ImpNotFound $_); message = [string]$_.Exception.Message } }
}
if ($Parameters.rooms) {
    foreach ($room in @(Get-Mailbox -RecipientTypeDetails RoomMailbox -ResultSize Unlimited -ErrorAction Stop)) { Add-ImpTarget $room 'rooms' @() }
}
foreach ($group in @($Parameters.groups)) {
    if ($null -eq $group) { continue }
    try { $members = Get-ImpGroupMailboxes ([string]$group) }
    catch {
        $result.targetErrors += [pscustomobject]@{ requested = [string]$group; kind = 'group'; notFound = [bool](Test-ImpNotFound $_); message = [string]$_.Exception.Message }
        continue
    }
    foreach ($member in $members) { Add-ImpTarget $member.recipient ('group:' + [string]$group) $member.path }
}

# Scope coverage, decided by Exchange: each scope's recipients come from Get-Recipient with the scope's
# own stored filter (-Filter, OPATH) under its RecipientRoot (-OrganizationalUnit); an OU scope is the OU's
# recipients. One query per scope, whatever the number of targets (see scripts/bench.ts).
function Get-ImpScopeMembers([string]$Filter, [string]$Root) {
    $query = @{ ResultSize = 'Unlimited' }
    if ($Filter) { $query.Filter = $Filter }
    if ($Root) { $query.OrganizationalUnit = $Root }
    $members = New-Object 'System.Collections.Generic.HashSet[string]' ([StringComparer]::OrdinalIgnoreCase)
    foreach ($recipient in @(Get-Recipient @query -ErrorAction Stop)) { [void]$members.Add([string]$recipient.PrimarySmtpAddress) }
    , $members
}

$enabled = @($assignments | Where-Object { $_.enabled })
$organizationWide = @($enabled | Where-Object { $_.recipientWriteScope -eq 'Organization' }).Count -gt 0
$reach = New-Object System.Collections.ArrayList      # sets of addresses the account's scoped assignments reach
$exclusiveReach = New-Object System.Collections.ArrayList
$scopeFilters = @{}
foreach ($assignment in $enabled) {
    $scopeName = $assignment.customRecipientWriteScope
    switch ($assignment.recipientWriteScope) {
        'OU' {
            # CustomRecipientWriteScope then holds the OU, not a scope.
            [void]$reach.Add((Get-ImpScopeMembers $null $scopeName))
            $result.scopes += [pscustomobject]@{ name = [string]$scopeName; filter = ''; type = 'ou'; root = [string]$scopeName; exclusive = $false }
        }
        { $_ -eq 'CustomRecipientScope' -or $_ -eq 'ExclusiveRecipientScope' } {
            $scope = Get-ManagementScope -Identity $scopeName -ErrorAction Stop
            $members = Get-ImpScopeMembers ([string]$scope.RecipientFilter) ([string]$scope.RecipientRoot)
            if ($assignment.recipientWriteScope -eq 'ExclusiveRecipientScope') { [void]$exclusiveReach.Add($members) } else { [void]$reach.Add($members) }
            $scopeFilters[[string]$scope.Name] = [string]$scope.RecipientFilter
            $result.scopes += [pscustomobject]@{
                name = [string]$scope.Name; filter = [string]$scope.RecipientFilter; type = $(if ([bool]$scope.Exclusive) { 'exclusive' } else { 'custom' })
                root = $(if ($scope.RecipientRoot) { [string]$scope.RecipientRoot } else { $null }); exclusive = [bool]$scope.Exclusive
            }
        }
    }
}
# An exclusive scope over a recipient blocks every assignment that does not use an exclusive scope
# selecting it, organisation-wide ones included.
$blocking = New-Object System.Collections.ArrayList
foreach ($exclusive in @(Get-ManagementScope -Exclusive $true -ErrorAction Stop)) {
    if ([string]$exclusive.ScopeRestrictionType -and [string]$exclusive.ScopeRestrictionType -ne 'RecipientScope') { continue }
    [void]$blocking.Add([pscustomobject]@{ name = [string]$exclusive.Name; members = (Get-ImpScopeMembers ([string]$exclusive.RecipientFilter) ([string]$exclusive.RecipientRoot)) })
}

function Test-ImpInAny($Sets, [string]$Address) {
    foreach ($set in $Sets) { if ($set.Contains($Address)) { return $true } }
    $false
}

# Plain loops, no pipelines or Add-Member: these run once per mailbox, and an organisation can have 50,000.
$outside = New-Object System.Collections.ArrayList
foreach ($target in $targets) {
    $blockedBy = New-Object System.Collections.ArrayList
    foreach ($scope in $blocking) { if ($scope.members.Contains($target.address)) { [void]$blockedBy.Add($scope.name) } }
    if ($blockedBy.Count -gt 0) { $inScope = Test-ImpInAny $exclusiveReach $target.address }
    else { $inScope = $organizationWide -or (Test-ImpInAny $reach $target.address) -or (Test-ImpInAny $exclusiveReach $target.address) }
    $target.inScope = $inScope
    if (-not $inScope -and $blockedBy.Count -gt 0) { $target.blockedBy = $blockedBy -join ', ' }
    if (-not $target.inScope -and -not $target.blockedBy) { [void]$outside.Add($target) }
}

# MemberOfGroup reaches direct members only. For a target outside every scope that is inside a scope's
# group through a nested group, name that nested group: the fix is adding it (or the booker) directly.
if ($outside.Count -gt 0) {
    $scopeGroups = New-Object System.Collections.ArrayList
    foreach ($filter in $scopeFilters.Values) {
        $tokens = Get-ImpFilterTokens $filter
        $words = @($tokens | Where-Object { $_.kind -ne '(' -and $_.kind -ne ')' })
        for ($i = 0; $i + 2 -lt $words.Count; $i++) {
            if ($words[$i].text -eq 'MemberOfGroup' -and $words[$i + 1].text -eq '-eq' -and -not $scopeGroups.Contains($words[$i + 2].text)) { [void]$scopeGroups.Add($words[$i + 2].text) }
        }
    }
    $outsideByAddress = @{}
    foreach ($target in $outside) { $outsideByAddress[$target.address.ToLowerInvariant()] = $target }
    foreach ($groupDn in $scopeGroups) {
        try { $nestedMembers = Get-ImpGroupMailboxes $groupDn } catch { continue }
        foreach ($member in $nestedMembers) {
            $target = $outsideByAddress[([string]$member.recipient.PrimarySmtpAddress).ToLowerInvariant()]
            if ($null -eq $target -or $target.nestedVia -or $member.path.Count -lt 2) { continue }
            $target.nestedVia = [pscustomobject]@{ scopeGroup = [string]$member.path[0]; nestedGroup = [string]$member.path[$member.path.Count - 1]; path = @($member.path) }
        }
    }
}
$result.targets = @($targets)
[pscustomobject]$result
