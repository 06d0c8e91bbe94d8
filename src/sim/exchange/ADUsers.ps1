# Get-ADUser of the ActiveDirectory module, with the password-expiry attributes imp's expiry check reads.
# A forest of domains: each user's domain is the DC= part of its distinguished name; the simulated computer
# belongs to organization.domain. As with the real module, a call without -Server sees only the computer's
# domain; -Server <domain> sees that domain; -Server <host>:3268 is a Global Catalog, which sees the whole
# forest but only the partial attribute set (no pwdLastSet, lockoutTime or msDS-UserPasswordExpiryTimeComputed).
# machine.adwsBlocked: AD Web Services (TCP 9389) is unreachable, so every call fails as the module does.

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

# What a Global Catalog holds of a user (the partial attribute set), as Get-ADUser property names.
$script:GlobalCatalogProperties = @('EmailAddress', 'mail', 'PasswordNeverExpires')

function Get-SimDomainOfDn([string] $DistinguishedName) {
    $parts = foreach ($rdn in ($DistinguishedName -split '(?<!\\),')) { if ($rdn -match '^\s*DC=(.+)$') { $Matches[1] } }
    return (@($parts) -join '.').ToLowerInvariant()
}

function Get-SimDomainDn([string] $Domain) {
    return (@($Domain.Split('.') | ForEach-Object { 'DC=' + $_ }) -join ',')
}

function Get-SimForestDomains($State) {
    $domains = [System.Collections.Generic.List[string]]::new()
    $domains.Add(([string]$State.organization.domain).ToLowerInvariant())
    foreach ($user in $State.users) {
        $domain = Get-SimDomainOfDn $user.distinguishedName
        if ($domain -and -not $domains.Contains($domain)) { $domains.Add($domain) }
    }
    return ,$domains
}

function Resolve-SimADServer($State, [string] $Server) {
    # Which part of the forest a call sees: @{ Domain = <dns name> } or @{ GlobalCatalog = $true }.
    if (-not (Get-SimMachineSetting 'adwsReachable')) { throw [ADServerDownException]::new($script:Messages.ADServerDown, $Server) }
    if (-not $Server) { return @{ Domain = ([string]$State.organization.domain).ToLowerInvariant(); GlobalCatalog = $false } }
    $hostName, $port = $Server.Split(':', 2)
    $domains = Get-SimForestDomains $State
    $domain = $hostName.ToLowerInvariant()
    if (Test-SimText $hostName $State.organization.domainController) { $domain = ([string]$State.organization.domain).ToLowerInvariant() }
    if (-not $domains.Contains($domain)) { throw [ADServerDownException]::new($script:Messages.ADServerDown, $Server) }
    if ($port -eq '3268' -or $port -eq '3269') { return @{ Domain = $null; GlobalCatalog = $true } }
    if ($port -and $port -ne '389' -and $port -ne '636') { throw [ADServerDownException]::new($script:Messages.ADServerDown, $Server) }
    return @{ Domain = $domain; GlobalCatalog = $false }
}

function Get-SimUsersSeenFrom($State, $Scope) {
    if ($Scope.GlobalCatalog) { return @($State.users) }
    return @($State.users | Where-Object { (Get-SimDomainOfDn $_.distinguishedName) -eq $Scope.Domain })
}

function Get-ADDomainController {
    # Only the DC locator form imp uses: -Discover -Service GlobalCatalog.
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'DiscoverByService')] [switch] $Discover,
        [Parameter(ParameterSetName = 'DiscoverByService')] [string[]] $Service,
        [Parameter(ParameterSetName = 'DiscoverByService')] [string] $DomainName,
        [Parameter(ParameterSetName = 'DiscoverByService')] [switch] $ForceDiscover,
        [Parameter(ParameterSetName = 'DiscoverByService')] [switch] $AvoidSelf,
        [Parameter(ParameterSetName = 'DiscoverByService')] [string] $MinimumDirectoryServiceVersion,
        [Parameter(ParameterSetName = 'DiscoverByService')] [switch] $NextClosestSite,
        [Parameter(ParameterSetName = 'DiscoverByService')] [string] $SiteName,
        [Parameter(ParameterSetName = 'DiscoverByService')] [switch] $Writable,
        [Parameter(Mandatory = $true, ParameterSetName = 'Filter')] [string] $Filter,
        [Parameter(ParameterSetName = 'Identity')] [Parameter(ParameterSetName = 'Filter')] [pscredential] $Credential,
        [Parameter(ParameterSetName = 'Identity')] [Parameter(ParameterSetName = 'Filter')] [string] $Server,
        [ValidateSet('Negotiate', 'Basic')] [string] $AuthType
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelledOnly $PSBoundParameters @('Discover', 'Service', 'DomainName', 'ForceDiscover')
        if (-not $Discover) { throw [NotSimulatedException]::new(($script:Messages.NotSimulated -f 'Discover (only the DC locator form is simulated)')) }
        $state = Read-SimState
        $null = Resolve-SimADServer $state $null
        $hostName = [string]$state.organization.domainController
        $output = [pscustomobject]@{ HostName = [string[]]@($hostName); Domain = [string]$state.organization.domain; Forest = [string]$state.organization.domain; IsGlobalCatalog = $true }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Get-ADUser {
    [CmdletBinding(DefaultParameterSetName = 'Filter')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Identity', ValueFromPipeline = $true)] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'Filter')] [string] $Filter,
        [Parameter(Mandatory = $true, ParameterSetName = 'LdapFilter')] [string] $LDAPFilter,
        [Parameter(ParameterSetName = 'Identity')] [string] $Partition,
        [Parameter(ParameterSetName = 'Filter')] [Parameter(ParameterSetName = 'LdapFilter')] [int] $ResultPageSize,
        [Parameter(ParameterSetName = 'Filter')] [Parameter(ParameterSetName = 'LdapFilter')] [Nullable[int]] $ResultSetSize,
        [Parameter(ParameterSetName = 'Filter')] [Parameter(ParameterSetName = 'LdapFilter')] [string] $SearchBase,
        [Parameter(ParameterSetName = 'Filter')] [Parameter(ParameterSetName = 'LdapFilter')] [ValidateSet('Base', 'OneLevel', 'Subtree')] [string] $SearchScope,
        [ValidateSet('Negotiate', 'Basic')] [string] $AuthType,
        [pscredential] $Credential,
        [string[]] $Properties,
        [string] $Server
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelledOnly $PSBoundParameters @('Identity', 'Filter', 'Properties', 'Server')
        $state = Read-SimState
        $scope = Resolve-SimADServer $state $Server
        $visible = Get-SimUsersSeenFrom $state $scope
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            $found = Find-SimADUser $visible $Identity
            if ($null -eq $found) {
                $under = $(if ($scope.GlobalCatalog) { '' } else { Get-SimDomainDn $scope.Domain })
                throw [ADIdentityNotFoundException]::new(($script:Messages.ADIdentityNotFound -f $Identity, $under), $Identity)
            }
            $selected = @($found)
        } elseif ($Filter.Trim() -eq '*') {
            $selected = $visible
        } else {
            $tree = ConvertFrom-SimFilter $Filter
            $memberships = Get-SimMembershipIndex $state  # once for every user the filter is tried on
            $selected = @($visible | Where-Object { Test-SimFilter $tree (Get-SimDirectoryFacts $state $_ $memberships) })
        }
        $output = foreach ($user in $selected) {
            $shown = ConvertTo-SimADUserOutput $state $user $Properties
            if ($scope.GlobalCatalog) {
                # Asked-for attributes outside the partial attribute set come back empty.
                foreach ($property in @($shown.PSObject.Properties)) {
                    if ((Test-SimTextIn $property.Name $script:ADExtraProperties) -and -not (Test-SimTextIn $property.Name $script:GlobalCatalogProperties)) { $property.Value = $null }
                }
            }
            $shown
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Find-SimADUser($Users, [string] $Identity) {
    # The AD module matches sAMAccountName, DN, GUID and SID; UPN is allowed too for convenience.
    $parsedGuid = [guid]::Empty
    $isGuid = [guid]::TryParse($Identity, [ref]$parsedGuid)
    foreach ($user in $Users) {
        $keys = @($user.samAccountName, $user.distinguishedName, $user.userPrincipalName, (Get-SimSid $user.guid))
        if ((Test-SimTextIn $Identity $keys) -or ($isGuid -and (Test-SimText $parsedGuid.ToString() $user.guid))) { return $user }
    }
    return $null
}

function Set-ADUser {
    # Only what imp changes: -PasswordNeverExpires, on one account, in the domain -Server names. Every other
    # parameter of the real cmdlet is declared (one line per four, as its page lists them) and refused by name.
    [CmdletBinding(DefaultParameterSetName = 'Identity', SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(ParameterSetName = 'Identity')] [Nullable[bool]] $PasswordNeverExpires,
        [Parameter(ParameterSetName = 'Identity')] [object] $AccountExpirationDate, [Parameter(ParameterSetName = 'Identity')] [object] $AccountNotDelegated, [Parameter(ParameterSetName = 'Identity')] [object] $Add, [Parameter(ParameterSetName = 'Identity')] [object] $AllowReversiblePasswordEncryption,
        [Parameter(ParameterSetName = 'Identity')] [object] $AuthenticationPolicy, [Parameter(ParameterSetName = 'Identity')] [object] $AuthenticationPolicySilo, [Parameter(ParameterSetName = 'Identity')] [object] $CannotChangePassword, [Parameter(ParameterSetName = 'Identity')] [object] $Certificates,
        [Parameter(ParameterSetName = 'Identity')] [object] $ChangePasswordAtLogon, [Parameter(ParameterSetName = 'Identity')] [object] $City, [Parameter(ParameterSetName = 'Identity')] [object] $Clear, [Parameter(ParameterSetName = 'Identity')] [object] $Company,
        [Parameter(ParameterSetName = 'Identity')] [object] $CompoundIdentitySupported, [Parameter(ParameterSetName = 'Identity')] [object] $Country, [Parameter(ParameterSetName = 'Identity')] [object] $Department, [Parameter(ParameterSetName = 'Identity')] [object] $Description,
        [Parameter(ParameterSetName = 'Identity')] [object] $DisplayName, [Parameter(ParameterSetName = 'Identity')] [object] $Division, [Parameter(ParameterSetName = 'Identity')] [object] $EmailAddress, [Parameter(ParameterSetName = 'Identity')] [object] $EmployeeID,
        [Parameter(ParameterSetName = 'Identity')] [object] $EmployeeNumber, [Parameter(ParameterSetName = 'Identity')] [object] $Enabled, [Parameter(ParameterSetName = 'Identity')] [object] $Fax, [Parameter(ParameterSetName = 'Identity')] [object] $GivenName,
        [Parameter(ParameterSetName = 'Identity')] [object] $HomeDirectory, [Parameter(ParameterSetName = 'Identity')] [object] $HomeDrive, [Parameter(ParameterSetName = 'Identity')] [object] $HomePage, [Parameter(ParameterSetName = 'Identity')] [object] $HomePhone,
        [Parameter(ParameterSetName = 'Identity')] [object] $Initials, [Parameter(ParameterSetName = 'Identity')] [object] $KerberosEncryptionType, [Parameter(ParameterSetName = 'Identity')] [object] $LogonWorkstations, [Parameter(ParameterSetName = 'Identity')] [object] $Manager,
        [Parameter(ParameterSetName = 'Identity')] [object] $MobilePhone, [Parameter(ParameterSetName = 'Identity')] [object] $Office, [Parameter(ParameterSetName = 'Identity')] [object] $OfficePhone, [Parameter(ParameterSetName = 'Identity')] [object] $Organization,
        [Parameter(ParameterSetName = 'Identity')] [object] $OtherName, [Parameter(ParameterSetName = 'Identity')] [object] $Partition, [Parameter(ParameterSetName = 'Identity')] [object] $PasswordNotRequired, [Parameter(ParameterSetName = 'Identity')] [object] $POBox,
        [Parameter(ParameterSetName = 'Identity')] [object] $PostalCode, [Parameter(ParameterSetName = 'Identity')] [object] $PrincipalsAllowedToDelegateToAccount, [Parameter(ParameterSetName = 'Identity')] [object] $ProfilePath, [Parameter(ParameterSetName = 'Identity')] [object] $Remove,
        [Parameter(ParameterSetName = 'Identity')] [object] $Replace, [Parameter(ParameterSetName = 'Identity')] [object] $ScriptPath, [Parameter(ParameterSetName = 'Identity')] [object] $ServicePrincipalNames, [Parameter(ParameterSetName = 'Identity')] [object] $SmartcardLogonRequired,
        [Parameter(ParameterSetName = 'Identity')] [object] $State, [Parameter(ParameterSetName = 'Identity')] [object] $StreetAddress, [Parameter(ParameterSetName = 'Identity')] [object] $Surname, [Parameter(ParameterSetName = 'Identity')] [object] $Title,
        [Parameter(ParameterSetName = 'Identity')] [object] $TrustedForDelegation, [Parameter(ParameterSetName = 'Identity')] [object] $UserPrincipalName,
        [Parameter(Mandatory = $true, ParameterSetName = 'Instance')] [object] $Instance,
        [ValidateSet('Negotiate', 'Basic')] [string] $AuthType,
        [pscredential] $Credential,
        [switch] $PassThru,
        [string] $SamAccountName,
        [string] $Server
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelledOnly $PSBoundParameters @('Identity', 'PasswordNeverExpires', 'Server')
        $state = Read-SimState
        $scope = Resolve-SimADServer $state $Server
        if ($scope.GlobalCatalog) { throw [System.InvalidOperationException]::new('The server is unwilling to process the request.') }
        $found = Find-SimADUser (Get-SimUsersSeenFrom $state $scope) $Identity
        if ($null -eq $found) { throw [ADIdentityNotFoundException]::new(($script:Messages.ADIdentityNotFound -f $Identity, (Get-SimDomainDn $scope.Domain)), $Identity) }
        if ($null -ne $PasswordNeverExpires -and $PSCmdlet.ShouldProcess($found.distinguishedName, 'Set')) {
            $sam = $found.samAccountName
            $value = [bool]$PasswordNeverExpires
            $null = Update-SimState {
                param($current)
                foreach ($user in $current.users) { if ($user.samAccountName -eq $sam) { $user.passwordNeverExpires = $value } }
            }
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
}
