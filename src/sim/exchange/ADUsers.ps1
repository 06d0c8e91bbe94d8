# Get-ADUser of the ActiveDirectory module, with the password-expiry attributes imp's expiry check reads.

$script:ADExtraProperties = @(
    'EmailAddress', 'LockedOut', 'mail', 'msDS-UserPasswordExpiryTimeComputed', 'PasswordExpired',
    'PasswordLastSet', 'PasswordNeverExpires', 'pwdLastSet'
)

# A fixed domain part keeps each simulated user's SID stable across runs.
$script:DomainSid = 'S-1-5-21-1004336348-1177238915-682003330'

function Get-SimPasswordExpiryFileTime($State, $User) {
    # msDS-UserPasswordExpiryTimeComputed, rules of MS-ADTS in order (reference section 4).
    if ($User.passwordNeverExpires) { return [int64]::MaxValue }
    if (-not $User.passwordLastSet) { return [int64]0 }
    $maxAgeDays = [double]$State.organization.maxPasswordAgeDays
    if ($maxAgeDays -le 0) { return [int64]::MaxValue }
    return (ConvertTo-SimUtcDate $User.passwordLastSet).AddDays($maxAgeDays).ToFileTimeUtc()
}

function ConvertTo-SimADUserOutput($State, $User, [string[]] $Properties) {
    $facts = Get-SimDirectoryFacts $State $User
    $output = [ordered]@{
        DistinguishedName = $facts.DistinguishedName
        Enabled           = $facts.Enabled
        GivenName         = $facts.GivenName
        Name              = $facts.Name
        ObjectClass       = 'user'
        ObjectGUID        = [guid]$facts.Guid
        SamAccountName    = $facts.SamAccountName
        SID               = Get-SimSid $User.guid
        Surname           = $facts.Surname
        UserPrincipalName = $facts.UserPrincipalName
    }
    $all = Test-SimTextIn '*' $Properties
    foreach ($name in $script:ADExtraProperties) {
        if (-not ($all -or (Test-SimTextIn $name $Properties))) { continue }
        $output[$name] = Get-SimADExtraProperty $State $User $facts $name
    }
    return New-Object -TypeName PSObject -Property $output
}

function Get-SimADExtraProperty($State, $User, $Facts, [string] $Name) {
    switch ($Name) {
        'EmailAddress' { return $Facts.mail }
        'mail' { return $Facts.mail }
        'LockedOut' { return [bool]$User.lockedOut }
        'PasswordNeverExpires' { return [bool]$User.passwordNeverExpires }
        'PasswordLastSet' {
            if (-not $User.passwordLastSet) { return $null }
            return (ConvertTo-SimUtcDate $User.passwordLastSet).ToLocalTime()
        }
        'pwdLastSet' {
            if (-not $User.passwordLastSet) { return [int64]0 }
            return (ConvertTo-SimUtcDate $User.passwordLastSet).ToFileTimeUtc()
        }
        'msDS-UserPasswordExpiryTimeComputed' { return Get-SimPasswordExpiryFileTime $State $User }
        'PasswordExpired' {
            $expiry = Get-SimPasswordExpiryFileTime $State $User
            return ($expiry -ne [int64]::MaxValue) -and ($expiry -le [DateTime]::UtcNow.ToFileTimeUtc())
        }
    }
}

function Get-SimSid([string] $Guid) {
    $relativeId = 1000 + ([BitConverter]::ToUInt32(([guid]$Guid).ToByteArray(), 0) % 1000000)
    return '{0}-{1}' -f $script:DomainSid, $relativeId
}

function Get-ADUser {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Identity', ValueFromPipeline = $true)] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'Filter')] [string] $Filter,
        [string[]] $Properties,
        [string] $Server
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            $found = Find-SimADUser $state $Identity
            if ($null -eq $found) {
                throw [ADIdentityNotFoundException]::new(($script:Messages.ADIdentityNotFound -f $Identity, $state.organization.distinguishedName), $Identity)
            }
            $selected = @($found)
        } elseif ($Filter.Trim() -eq '*') {
            $selected = $state.users
        } else {
            $tree = ConvertFrom-SimFilter $Filter
            $selected = @($state.users | Where-Object { Test-SimFilter $tree (Get-SimDirectoryFacts $state $_) })
        }
        $output = foreach ($user in $selected) { ConvertTo-SimADUserOutput $state $user $Properties }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Find-SimADUser($State, [string] $Identity) {
    # The AD module matches sAMAccountName, DN, GUID and SID; UPN is allowed too for convenience.
    $parsedGuid = [guid]::Empty
    $isGuid = [guid]::TryParse($Identity, [ref]$parsedGuid)
    foreach ($user in $State.users) {
        $keys = @($user.samAccountName, $user.distinguishedName, $user.userPrincipalName, (Get-SimSid $user.guid))
        if ((Test-SimTextIn $Identity $keys) -or ($isGuid -and (Test-SimText $parsedGuid.ToString() $user.guid))) { return $user }
    }
    return $null
}
