# New-, Get-, Set- and Remove-ManagementScope: recipient scopes with an OPATH filter and an optional RecipientRoot.

function ConvertTo-SimScopeOutput($State, $Scope) {
    return [pscustomobject]@{
        Name                 = $Scope.name
        ScopeRestrictionType = 'RecipientScope'
        Exclusive            = [bool]$Scope.exclusive
        RecipientRoot        = ConvertTo-SimRecipientRootText $State $Scope.recipientRoot
        RecipientFilter      = $Scope.recipientFilter
        ServerFilter         = $null
        DatabaseFilter       = $null
        Identity             = $Scope.name
        Guid                 = [guid]$Scope.guid
        WhenCreatedUTC       = ConvertTo-SimRemoteTime (ConvertTo-SimUtcDate $Scope.whenCreatedUTC)
        DistinguishedName    = Get-SimRbacDistinguishedName $State 'Scopes' $Scope.name
    }
}

function Find-SimScopeByName($State, [string] $Name) {
    foreach ($scope in $State.scopes) { if (Test-SimText $scope.name $Name) { return $scope } }
    return $null
}

function Resolve-SimScope($State, [string] $Identity) {
    return Resolve-SimIdentity $State $State.scopes $Identity 'Scope' ($script:Messages.ScopeNotFound -f $Identity)
}

function Find-SimScopeAssignment($State, $Scope) {
    foreach ($assignment in $State.assignments) {
        if (Test-SimText $assignment.customRecipientWriteScope $Scope.name) { return $assignment }
    }
    return $null
}

function ConvertTo-SimRecipientRootText($State, $Root) {
    # Stored as the OU's DN; shown, as Exchange shows an ADObjectId, by its canonical name.
    if (-not $Root) { return $null }
    if ($Root -notmatch '=') { return [string]$Root }
    return ConvertTo-SimContainerCanonicalName $State $Root
}

function Test-SimUnderRoot([System.Collections.IDictionary] $Facts, [string] $Root) {
    # A RecipientRoot is an OU given as a DN or a canonical name; the subtree below it counts.
    if (Test-SimUnderContainer $Facts $Root) { return $true }
    return $Facts.Identity.StartsWith($Root.TrimEnd('/') + '/', [System.StringComparison]::OrdinalIgnoreCase)
}

function Test-SimScopeSelects($State, $Scope, [System.Collections.IDictionary] $Facts) {
    # A recipient scope selects what its filter matches below its RecipientRoot (the whole forest without one).
    if ($Scope.recipientRoot -and -not (Test-SimUnderRoot $Facts $Scope.recipientRoot)) { return $false }
    return Test-SimFilter (ConvertFrom-SimFilter $Scope.recipientFilter) $Facts
}

function New-ManagementScope {
    # Only recipient scopes are modelled: database and server scopes are refused by name.
    [CmdletBinding(DefaultParameterSetName = 'RecipientFilter', SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Name,
        [Parameter(Mandatory = $true, ParameterSetName = 'RecipientFilter')] [string] $RecipientRestrictionFilter,
        [Parameter(ParameterSetName = 'RecipientFilter')] [string] $RecipientRoot,
        [Parameter(Mandatory = $true, ParameterSetName = 'DatabaseList')] [string[]] $DatabaseList,
        [Parameter(Mandatory = $true, ParameterSetName = 'DatabaseFilter')] [string] $DatabaseRestrictionFilter,
        [Parameter(Mandatory = $true, ParameterSetName = 'ServerList')] [string[]] $ServerList,
        [Parameter(Mandatory = $true, ParameterSetName = 'ServerFilter')] [string] $ServerRestrictionFilter,
        [switch] $Exclusive,
        [switch] $Force,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('DatabaseList', 'DatabaseRestrictionFilter', 'ServerList', 'ServerRestrictionFilter')
        Assert-SimNameLength $Name
        $stored = ConvertTo-SimStoredFilter $RecipientRestrictionFilter
        $state = Read-SimState
        Assert-SimScopeNameFree $state $Name
        $root = $null
        if ($PSBoundParameters.ContainsKey('RecipientRoot')) { $root = (Resolve-SimOrganizationalUnit $state $RecipientRoot).DistinguishedName }
        if (-not $PSCmdlet.ShouldProcess(('Creating management scope "{0}".' -f $Name), $Name, 'New-ManagementScope')) { return }
        # Exchange asks before an exclusive scope takes effect; -Force skips the question. In a
        # -NonInteractive session the question fails, as it does on a server.
        if ($Exclusive -and -not $Force -and -not $PSCmdlet.ShouldContinue(($script:Messages.ExclusiveScopeConfirm -f $Name), 'New-ManagementScope')) { return }
        $scope = [pscustomobject]@{
            guid            = [guid]::NewGuid().ToString()
            name            = $Name
            recipientFilter = $stored
            recipientRoot   = $root
            exclusive       = [bool]$Exclusive
            whenCreatedUTC  = ConvertTo-SimIsoText ([DateTime]::UtcNow)
        }
        $lock = Lock-SimState
        try {
            $state = Read-SimState
            Assert-SimScopeNameFree $state $Name
            $state.scopes = $state.scopes + $scope
            Write-SimState $state
        } finally {
            Unlock-SimState $lock
        }
        $output = ConvertTo-SimScopeOutput $state $scope
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.SystemConfiguration.ManagementScope'
}

function Assert-SimScopeNameFree($State, [string] $Name) {
    if ((Get-SimNameSet $State.scopes).Contains($Name)) { throw [ADObjectAlreadyExistsException]::new(($script:Messages.ScopeExists -f $Name)) }
}

function Get-ManagementScope {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [bool] $Exclusive,
        [switch] $Orphan,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Orphan')
        $state = Read-SimState -Shared
        if ($PSBoundParameters.ContainsKey('Identity')) { $selected = @(Resolve-SimScope $state $Identity) }
        else { $selected = $state.scopes }
        $output = foreach ($scope in $selected) {
            if ($PSBoundParameters.ContainsKey('Exclusive') -and [bool]$scope.exclusive -ne $Exclusive) { continue }
            ConvertTo-SimScopeOutput $state $scope
        }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.SystemConfiguration.ManagementScope'
}

function Set-ManagementScope {
    [CmdletBinding(DefaultParameterSetName = 'RecipientFilter', SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Identity,
        [string] $Name,
        [Parameter(ParameterSetName = 'RecipientFilter')] [string] $RecipientRestrictionFilter,
        [Parameter(ParameterSetName = 'RecipientFilter')] [string] $RecipientRoot,
        [Parameter(Mandatory = $true, ParameterSetName = 'DatabaseFilter')] [string] $DatabaseRestrictionFilter,
        [Parameter(Mandatory = $true, ParameterSetName = 'ServerFilter')] [string] $ServerRestrictionFilter,
        [switch] $Force,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('DatabaseRestrictionFilter', 'ServerRestrictionFilter')
        # Stored as Exchange stores it: parsed and re-rendered; the root resolved to an OU.
        $stored = $null
        if ($PSBoundParameters.ContainsKey('RecipientRestrictionFilter')) { $stored = ConvertTo-SimStoredFilter $RecipientRestrictionFilter }
        $scope = Resolve-SimScope (Read-SimState) $Identity
        $root = $null
        if ($RecipientRoot) { $root = (Resolve-SimOrganizationalUnit (Read-SimState) $RecipientRoot).DistinguishedName }
        if (-not $PSCmdlet.ShouldProcess(('Setting management scope "{0}".' -f $scope.name), $scope.name, 'Set-ManagementScope')) { return }
        $lock = Lock-SimState
        try {
            $state = Read-SimState
            $current = Find-SimStateItem $state 'scopes' $scope.guid
            if ($null -eq $current) { throw [ManagementObjectNotFoundException]::new(($script:Messages.ScopeNotFound -f $Identity)) }
            if ($PSBoundParameters.ContainsKey('Name')) {
                Assert-SimNameLength $Name
                if (-not (Test-SimText $Name $current.name)) { Assert-SimScopeNameFree $state $Name }
                foreach ($assignment in $state.assignments) {
                    if (Test-SimText $assignment.customRecipientWriteScope $current.name) { $assignment.customRecipientWriteScope = $Name }
                }
                $current.name = $Name
            }
            if ($PSBoundParameters.ContainsKey('RecipientRestrictionFilter')) { $current.recipientFilter = $stored }
            if ($PSBoundParameters.ContainsKey('RecipientRoot')) { $current.recipientRoot = $root }
            Write-SimState $state
        } finally {
            Unlock-SimState $lock
        }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
}

function Remove-ManagementScope {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [string] $Identity,
        [switch] $Force,
        [string] $DomainController
    )
    process {
        Remove-SimRbacObject $PSCmdlet $PSBoundParameters 'scopes' 'management scope' { param($state, $identity) Resolve-SimScope $state $identity } {
            param($state, $scope) Assert-SimScopeUnused $state $scope
        }
    }
}

function Assert-SimScopeUnused($State, $Scope) {
    $assignment = Find-SimScopeAssignment $State $Scope
    if ($null -ne $assignment) { throw [ManagementScopeInUseException]::new(($script:Messages.ScopeInUse -f $Scope.name, $assignment.name)) }
}
