# Get-Mailbox and Get-Recipient.

function ConvertTo-SimMailboxOutput($State, $User, $Memberships) {
    $facts = Get-SimDirectoryFacts $State $User $Memberships
    return [pscustomobject]@{
        Name                 = $facts.Name
        Alias                = $facts.Alias
        DisplayName          = $facts.DisplayName
        RecipientType        = $facts.RecipientType
        RecipientTypeDetails = $facts.RecipientTypeDetails
        PrimarySmtpAddress   = $facts.PrimarySmtpAddress
        EmailAddresses       = [string[]]$facts.EmailAddresses
        UserPrincipalName    = $facts.UserPrincipalName
        SamAccountName       = $facts.SamAccountName
        DistinguishedName    = $facts.DistinguishedName
        Identity             = $facts.Identity
        Guid                 = [guid]$facts.Guid
        ExchangeGuid         = Get-SimDerivedGuid $facts.Guid 'ExchangeGuid'
        IsMailboxEnabled     = $true
        AccountDisabled      = -not $facts.Enabled
        ServerName           = $State.organization.exchangeServer.ToLowerInvariant()
        Database             = 'DB01'
    }
}

function ConvertTo-SimRecipientOutput($State, $Object, $Memberships) {
    $facts = Get-SimDirectoryFacts $State $Object $Memberships
    return [pscustomobject]@{
        Name                 = $facts.Name
        Alias                = $facts.Alias
        RecipientType        = $facts.RecipientType
        RecipientTypeDetails = $facts.RecipientTypeDetails
        PrimarySmtpAddress   = $facts.PrimarySmtpAddress
        EmailAddresses       = [string[]]$facts.EmailAddresses
        DistinguishedName    = $facts.DistinguishedName
        Identity             = $facts.Identity
        Guid                 = [guid]$facts.Guid
    }
}

function Get-Mailbox {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'AnrSet')] [string] $Anr,
        [Parameter(Mandatory = $true, ParameterSetName = 'DatabaseSet')] [string] $Database,
        [Parameter(Mandatory = $true, ParameterSetName = 'ServerSet')] [string] $Server,
        [string] $Filter,
        [string] $OrganizationalUnit,
        [string[]] $RecipientTypeDetails,
        [string] $SortBy,
        [switch] $Arbitration,
        [switch] $Archive,
        [switch] $AuditLog,
        [switch] $AuxAuditLog,
        [pscredential] $Credential,
        [switch] $GroupMailbox,
        [switch] $Migration,
        [switch] $Monitoring,
        [switch] $PublicFolder,
        [switch] $RemoteArchive,
        [switch] $SupervisoryReviewPolicy,
        [switch] $IgnoreDefaultScope,
        [switch] $ReadFromDomainController,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Anr', 'Database', 'Server', 'SortBy', 'Arbitration', 'Archive', 'AuditLog', 'AuxAuditLog', 'Credential',
            'GroupMailbox', 'Migration', 'Monitoring', 'PublicFolder', 'RemoteArchive', 'SupervisoryReviewPolicy')
        $state = Read-SimState -Shared
        $tree = $null
        if ($PSBoundParameters.ContainsKey('Filter')) { $tree = ConvertFrom-SimFilter $Filter }
        $container = $null
        if ($PSBoundParameters.ContainsKey('OrganizationalUnit')) { $container = (Resolve-SimOrganizationalUnit $state $OrganizationalUnit).DistinguishedName }
        $memberships = Get-SimMembershipIndex $state
        $mailboxes = [System.Collections.Generic.List[object]]::new()
        foreach ($user in (Get-SimMailboxUsers $state)) {
            if ($RecipientTypeDetails -and -not (Test-SimTextIn $user.mailbox.recipientTypeDetails $RecipientTypeDetails)) { continue }
            if ($null -ne $tree -or $null -ne $container) {
                $facts = Get-SimDirectoryFacts $state $user $memberships
                if ($null -ne $container -and -not (Test-SimUnderContainer $facts $container)) { continue }
                if ($null -ne $tree -and -not (Test-SimFilter $tree $facts)) { continue }
            }
            $mailboxes.Add($user)
        }
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $mailboxes.ToArray() $Identity)
        } else {
            $selected = Select-SimResultSize $mailboxes.ToArray() $ResultSize
        }
        $output = foreach ($user in $selected) { ConvertTo-SimMailboxOutput $state $user $memberships }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.Management.Mailbox'
}

function Get-Recipient {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(ParameterSetName = 'Identity')] [string] $BookmarkDisplayName,
        [Parameter(ParameterSetName = 'Identity')] [bool] $IncludeBookmarkObject,
        [Parameter(Mandatory = $true, ParameterSetName = 'RecipientPreviewFilterSet')] [string] $RecipientPreviewFilter,
        [Parameter(Mandatory = $true, ParameterSetName = 'AnrSet')] [string] $Anr,
        [Parameter(Mandatory = $true, ParameterSetName = 'DatabaseSet')] [string] $Database,
        [string] $Filter,
        [string] $OrganizationalUnit,
        [string[]] $RecipientType,
        [string[]] $RecipientTypeDetails,
        [string[]] $Properties,
        [string] $PropertySet,
        [string] $SortBy,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [pscredential] $Credential,
        [switch] $IncludeSoftDeletedRecipients,
        [switch] $IgnoreDefaultScope,
        [switch] $ReadFromDomainController,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Database', 'Properties', 'PropertySet', 'SortBy', 'BookmarkDisplayName', 'IncludeBookmarkObject', 'Credential', 'IncludeSoftDeletedRecipients')
        $state = Read-SimState -Shared
        $filters = [System.Collections.Generic.List[object]]::new()
        if ($PSBoundParameters.ContainsKey('RecipientPreviewFilter')) { $filters.Add((ConvertFrom-SimFilter $RecipientPreviewFilter)) }
        if ($PSBoundParameters.ContainsKey('Filter')) { $filters.Add((ConvertFrom-SimFilter $Filter)) }
        $container = $null
        if ($PSBoundParameters.ContainsKey('OrganizationalUnit')) { $container = (Resolve-SimOrganizationalUnit $state $OrganizationalUnit).DistinguishedName }
        $memberships = Get-SimMembershipIndex $state
        $recipients = [System.Collections.Generic.List[object]]::new()
        foreach ($recipient in (Get-SimRecipients $state)) {
            $facts = Get-SimDirectoryFacts $state $recipient $memberships
            if ($RecipientType -and -not (Test-SimTextIn $facts.RecipientType $RecipientType)) { continue }
            if ($RecipientTypeDetails -and -not (Test-SimTextIn $facts.RecipientTypeDetails $RecipientTypeDetails)) { continue }
            if ($null -ne $container -and -not (Test-SimUnderContainer $facts $container)) { continue }
            $rejected = $false
            foreach ($tree in $filters) { if (-not (Test-SimFilter $tree $facts)) { $rejected = $true } }
            if ($rejected) { continue }
            if ($PSBoundParameters.ContainsKey('Anr') -and -not (Test-SimAnr $recipient $facts $Anr)) { continue }
            $recipients.Add($recipient)
        }
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $recipients.ToArray() $Identity)
        } else {
            $selected = Select-SimResultSize $recipients.ToArray() $ResultSize
        }
        $output = foreach ($recipient in $selected) { ConvertTo-SimRecipientOutput $state $recipient $memberships }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.Management.ReducedRecipient'
}

function Test-SimAnr($Object, [System.Collections.IDictionary] $Facts, [string] $Text) {
    # Ambiguous name resolution: the text matches the start of the name, display name, first or last
    # name, alias, sAMAccountName or any SMTP address (the documented ANR attribute set, simplified).
    if (-not $Text) { return $false }
    $candidates = @([string]$Object.name, [string]$Object.samAccountName, [string]$Facts.DisplayName, [string]$Facts.Alias, [string]$Facts.GivenName, [string]$Facts.Surname)
    foreach ($address in @($Facts.EmailAddresses)) { $candidates += ([string]$address -replace '^[^:]*:', '') }
    foreach ($candidate in $candidates) {
        if ($candidate -and $candidate.StartsWith($Text, [System.StringComparison]::OrdinalIgnoreCase)) { return $true }
    }
    return $false
}

function Get-User {
    # Every AD user, with or without a mailbox: RecipientTypeDetails is "User" for one without.
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'AnrSet')] [string] $Anr,
        [switch] $Arbitration,
        [switch] $AuditLog,
        [switch] $AuxAuditLog,
        [pscredential] $Credential,
        [string] $Filter,
        [switch] $IgnoreDefaultScope,
        [string] $OrganizationalUnit,
        [switch] $PublicFolder,
        [switch] $ReadFromDomainController,
        [string[]] $RecipientTypeDetails,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $SortBy,
        [switch] $SupervisoryReviewPolicy,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Anr', 'Arbitration', 'AuditLog', 'AuxAuditLog', 'Credential', 'Filter', 'OrganizationalUnit', 'PublicFolder',
            'RecipientTypeDetails', 'SortBy', 'SupervisoryReviewPolicy')
        $state = Read-SimState -Shared
        $output = foreach ($user in (Select-SimByIdentity $state @($state.users) $PSBoundParameters)) {
            $type = 'User'
            if ($user.mailbox) { $type = [string]$user.mailbox.recipientTypeDetails }
            [pscustomobject]@{
                Name                 = $user.name
                SamAccountName       = $user.samAccountName
                UserPrincipalName    = $user.userPrincipalName
                DistinguishedName    = $user.distinguishedName
                Identity             = ConvertTo-SimCanonicalName $state $user.distinguishedName $user.name
                Guid                 = [guid]$user.guid
                RecipientTypeDetails = $type
            }
        }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.Management.User'
}
