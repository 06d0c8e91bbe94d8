# imp verify, Management Shell half: what Exchange says about the service account, its
# ApplicationImpersonation assignments and their scopes, the mailboxes to test, and the EWS
# virtual directories. Changes nothing.
# Input ($Parameters): account, mailboxes (addresses), rooms (bool), groups (names).

$result = [ordered]@{
    mailbox      = $null
    mailboxError = $null
    assignments  = @()
    scopes       = @()
    targets      = @()
    targetErrors = @()
    vdirs        = @()
}

# The EWS virtual directories: -ADPropertiesOnly avoids slow IIS metabase reads.
$result.vdirs = @(Get-WebServicesVirtualDirectory -ADPropertiesOnly -ErrorAction Stop | ForEach-Object {
        [pscustomobject]@{
            server              = [string]$_.Server
            identity            = [string]$_.Identity
            internalUrl         = $(if ($_.InternalUrl) { [string]$_.InternalUrl } else { $null })
            externalUrl         = $(if ($_.ExternalUrl) { [string]$_.ExternalUrl } else { $null })
            basicAuthentication = [bool]$_.BasicAuthentication
        }
    })

try {
    $mailbox = Get-ImpMailbox ([string]$Parameters.account)
    $result.mailbox = $mailbox
}
catch {
    $result.mailboxError = [string]$_.Exception.Message
    return [pscustomobject]$result
}

$assignments = @(Get-ImpImpersonationAssignments $mailbox)
$result.assignments = $assignments

# Mailboxes to test, by primary address; one entry per mailbox even when asked for twice.
$seen = @{}
$targets = New-Object System.Collections.ArrayList
function Add-ImpTarget($Recipient, [string]$Source) {
    $address = [string]$Recipient.PrimarySmtpAddress
    if (-not $address -or $seen.ContainsKey($address.ToLowerInvariant())) { return }
    $seen[$address.ToLowerInvariant()] = $true
    [void]$targets.Add([pscustomobject]@{ address = $address; name = [string]$Recipient.Name; type = [string]$Recipient.RecipientTypeDetails; source = $Source })
}
foreach ($requested in @($Parameters.mailboxes)) {
    if ($null -eq $requested) { continue }
    try { Add-ImpTarget (Get-Recipient -Identity ([string]$requested) -ErrorAction Stop) 'mailbox' }
    catch { $result.targetErrors += [pscustomobject]@{ requested = [string]$requested; message = [string]$_.Exception.Message } }
}
if ($Parameters.rooms) {
    foreach ($room in @(Get-Mailbox -RecipientTypeDetails RoomMailbox -ResultSize Unlimited -ErrorAction Stop)) { Add-ImpTarget $room 'rooms' }
}
foreach ($group in @($Parameters.groups)) {
    if ($null -eq $group) { continue }
    foreach ($member in @(Get-DistributionGroupMember -Identity ([string]$group) -ResultSize Unlimited -ErrorAction Stop)) {
        if ([string]$member.RecipientTypeDetails -like '*Mailbox') { Add-ImpTarget $member ('group:' + [string]$group) }
    }
}

# Scope coverage: an organisation-wide assignment covers everyone; otherwise a mailbox is covered when
# some assignment's custom scope filter selects it (Get-Recipient -RecipientPreviewFilter evaluates it).
$organizationWide = @($assignments | Where-Object { $_.enabled -and -not $_.customRecipientWriteScope }).Count -gt 0
$covered = @{}
if (-not $organizationWide) {
    $scopeNames = @($assignments | Where-Object { $_.enabled -and $_.customRecipientWriteScope } | ForEach-Object { $_.customRecipientWriteScope } | Select-Object -Unique)
    foreach ($scopeName in $scopeNames) {
        $scope = Get-ManagementScope -Identity $scopeName -ErrorAction Stop
        foreach ($recipient in @(Get-Recipient -RecipientPreviewFilter ([string]$scope.RecipientFilter) -ResultSize Unlimited -ErrorAction Stop)) {
            $covered[([string]$recipient.PrimarySmtpAddress).ToLowerInvariant()] = $true
        }
        $result.scopes += [pscustomobject]@{ name = [string]$scope.Name; filter = [string]$scope.RecipientFilter }
    }
}
foreach ($target in $targets) {
    $inScope = $organizationWide -or $covered.ContainsKey($target.address.ToLowerInvariant())
    $target | Add-Member -NotePropertyName inScope -NotePropertyValue $inScope
}
$result.targets = @($targets)
[pscustomobject]$result
