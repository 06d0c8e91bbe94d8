# Get-Mailbox and Get-Recipient.

function ConvertTo-SimMailboxOutput($State, $User) {
    $facts = Get-SimDirectoryFacts $State $User
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

function ConvertTo-SimRecipientOutput($State, $Object) {
    $facts = Get-SimDirectoryFacts $State $Object
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
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [string[]] $RecipientTypeDetails,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $mailboxes = [System.Collections.Generic.List[object]]::new()
        foreach ($user in (Get-SimMailboxUsers $state)) {
            if ($RecipientTypeDetails -and -not (Test-SimTextIn $user.mailbox.recipientTypeDetails $RecipientTypeDetails)) { continue }
            $mailboxes.Add($user)
        }
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $mailboxes.ToArray() $Identity)
        } else {
            $selected = Select-SimResultSize $mailboxes.ToArray() $ResultSize
        }
        $output = foreach ($user in $selected) { ConvertTo-SimMailboxOutput $state $user }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Get-Recipient {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'RecipientPreviewFilter')] [string] $RecipientPreviewFilter,
        [Parameter(Mandatory = $true, ParameterSetName = 'AnrSet')] [string] $Anr,
        [string] $Filter,
        [string] $OrganizationalUnit,
        [string[]] $RecipientTypeDetails,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $preview = $null
        if ($PSBoundParameters.ContainsKey('RecipientPreviewFilter')) { $preview = ConvertFrom-SimFilter $RecipientPreviewFilter }
        # -Filter (OPATH) and -OrganizationalUnit (the OU's subtree, by DN or canonical name).
        $opath = $null
        if ($PSBoundParameters.ContainsKey('Filter')) { $opath = ConvertFrom-SimFilter $Filter }
        $recipients = [System.Collections.Generic.List[object]]::new()
        foreach ($recipient in (Get-SimRecipients $state)) {
            $facts = Get-SimDirectoryFacts $state $recipient
            if ($RecipientTypeDetails -and -not (Test-SimTextIn $facts.RecipientTypeDetails $RecipientTypeDetails)) { continue }
            if ($null -ne $preview -and -not (Test-SimFilter $preview $facts)) { continue }
            if ($null -ne $opath -and -not (Test-SimFilter $opath $facts)) { continue }
            if ($OrganizationalUnit -and -not (Test-SimUnderRoot $facts $OrganizationalUnit)) { continue }
            if ($PSBoundParameters.ContainsKey('Anr') -and -not (Test-SimAnr $recipient $facts $Anr)) { continue }
            $recipients.Add($recipient)
        }
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $recipients.ToArray() $Identity)
        } else {
            $selected = Select-SimResultSize $recipients.ToArray() $ResultSize
        }
        $output = foreach ($recipient in $selected) { ConvertTo-SimRecipientOutput $state $recipient }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
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
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $users = @($state.users)
        if ($PSBoundParameters.ContainsKey('Identity')) { $selected = @(Resolve-SimIdentity $state $users $Identity) }
        else { $selected = Select-SimResultSize $users $ResultSize }
        $output = foreach ($user in $selected) {
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
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}
