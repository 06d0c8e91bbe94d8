# Get- and Set-WebServicesVirtualDirectory. The output is a recorded Exchange 2019 object (recordings/, an
# Export-Clixml from microsoft/CSS-Exchange's HealthChecker tests), with this organisation's values laid over
# it: every property a real server returns is there, in the shape remoting gives it.

$script:VirtualDirectoryRecording = [System.IO.Path]::Combine($PSScriptRoot, 'recordings', 'GetWebServicesVirtualDirectory.E19.xml')

function ConvertTo-SimRemoteValue($Value) {
    # As Exchange's remoting delivers them: enums, ADObjectIds and versions as their strings, lists as arrays.
    if ($null -eq $Value) { return $null }
    $base = $Value.PSObject.BaseObject
    if ($base -is [string] -or $base -is [bool] -or $base -is [guid] -or $base -is [datetime] -or $base -is [uri]) { return $base }
    if ($base -is [System.Collections.IList]) {
        $items = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $base) { $items.Add((ConvertTo-SimRemoteValue $item)) }
        return ,$items.ToArray()
    }
    return $Value.ToString()
}

function ConvertTo-SimVirtualDirectoryOutput($State, $Directory) {
    $recorded = Import-Clixml -LiteralPath $script:VirtualDirectoryRecording
    $values = [ordered]@{}
    foreach ($property in $recorded.PSObject.Properties) { $values[$property.Name] = ConvertTo-SimRemoteValue $property.Value }

    # AuthenticationMethod enum order: Basic, Ntlm, WindowsIntegrated, WSSecurity, OAuth.
    $methods = [System.Collections.Generic.List[string]]::new()
    if ($Directory.basicAuthentication) { $methods.Add('Basic') }
    if ($Directory.windowsAuthentication) { $methods.Add('Ntlm'); $methods.Add('WindowsIntegrated') }
    if ($values.WSSecurityAuthentication) { $methods.Add('WSSecurity') }
    if ($Directory.oAuthAuthentication) { $methods.Add('OAuth') }
    $fqdn = ([string]$Directory.server + '.' + $State.organization.domain).ToLowerInvariant()
    $identity = [string]$Directory.server + '\' + $Directory.name
    $externalUrl = $null
    if ($Directory.externalUrl) { $externalUrl = [uri]$Directory.externalUrl }
    $values.Name = [string]$Directory.name
    $values.Server = [string]$Directory.server
    $values.Identity = $identity
    $values.Id = $identity
    $values.InternalUrl = [uri]$Directory.internalUrl
    $values.ExternalUrl = $externalUrl
    $values.BasicAuthentication = [bool]$Directory.basicAuthentication
    $values.WindowsAuthentication = [bool]$Directory.windowsAuthentication
    $values.OAuthAuthentication = [bool]$Directory.oAuthAuthentication
    $values.InternalAuthenticationMethods = $methods.ToArray()
    $values.ExternalAuthenticationMethods = $methods.ToArray()
    $values.MetabasePath = 'IIS://' + $fqdn + '/W3SVC/1/ROOT/EWS'
    $values.DistinguishedName = 'CN={0},CN=HTTP,CN=Protocols,CN={1},CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN={2},CN=Microsoft Exchange,CN=Services,CN=Configuration,{3}' -f `
        $Directory.name, $Directory.server, $State.organization.name, $State.organization.distinguishedName
    $values.Guid = Get-SimDerivedGuid $identity 'VirtualDirectory'
    $values.OriginatingServer = [string]$State.organization.domainController
    $values.PSComputerName = $fqdn
    $values.RunspaceId = [System.Management.Automation.Runspaces.Runspace]::DefaultRunspace.InstanceId

    $output = [pscustomobject]$values
    $output.PSObject.TypeNames.Clear()
    foreach ($name in $recorded.PSObject.TypeNames) { $output.PSObject.TypeNames.Add(($name -replace '^Deserialized\.', '')) }
    return $output
}

function Get-WebServicesVirtualDirectory {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'Server')] [string] $Server,
        [switch] $ADPropertiesOnly,
        [switch] $ShowMailboxVirtualDirectories,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('ShowMailboxVirtualDirectories')
        $state = Read-SimState -Shared
        $directories = $state.webServicesVirtualDirectories
        if ($PSBoundParameters.ContainsKey('Server')) {
            # Exchange accepts the server's short name or its FQDN.
            $shortName = $Server.Split('.')[0]
            $directories = @($directories | Where-Object { Test-SimText $_.server $shortName })
            if ($directories.Count -eq 0) { throw (New-SimNotFound $state $Server) }
        }
        if ($PSBoundParameters.ContainsKey('Identity')) { $directories = @(Resolve-SimIdentity $state $directories $Identity 'VirtualDirectory') }
        $output = foreach ($directory in $directories) { ConvertTo-SimVirtualDirectoryOutput $state $directory }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.SystemConfiguration.ADWebServicesVirtualDirectory'
}

function Set-WebServicesVirtualDirectory {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)] [string] $Identity,
        [bool] $BasicAuthentication,
        [bool] $WindowsAuthentication,
        [bool] $OAuthAuthentication,
        [bool] $CertificateAuthentication,
        [bool] $DigestAuthentication,
        [bool] $WSSecurityAuthentication,
        [string[]] $ExtendedProtectionFlags,
        [string[]] $ExtendedProtectionSPNList,
        [ValidateSet('None', 'Allow', 'Require')] [string] $ExtendedProtectionTokenChecking,
        [uri] $ExternalUrl,
        [uri] $InternalUrl,
        [uri] $InternalNLBBypassUrl,
        [ValidateSet('Off', 'Low', 'High', 'Error')] [string] $GzipLevel,
        [bool] $MRSProxyEnabled,
        [switch] $Force,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('CertificateAuthentication', 'DigestAuthentication', 'WSSecurityAuthentication', 'ExtendedProtectionFlags',
            'ExtendedProtectionSPNList', 'ExtendedProtectionTokenChecking', 'ExternalUrl', 'InternalUrl', 'InternalNLBBypassUrl', 'GzipLevel', 'MRSProxyEnabled')
        $state = Read-SimState
        $directory = Resolve-SimIdentity $state $state.webServicesVirtualDirectories $Identity 'VirtualDirectory'
        $target = $directory.server + '\' + $directory.name
        if (-not $PSCmdlet.ShouldProcess(('Configuring virtual directory "{0}".' -f $target), $target, 'Set-WebServicesVirtualDirectory')) { return }
        $lock = Lock-SimState
        try {
            $state = Read-SimState
            $directory = Resolve-SimIdentity $state $state.webServicesVirtualDirectories $Identity 'VirtualDirectory'
            if ($PSBoundParameters.ContainsKey('BasicAuthentication')) { $directory.basicAuthentication = $BasicAuthentication }
            if ($PSBoundParameters.ContainsKey('WindowsAuthentication')) { $directory.windowsAuthentication = $WindowsAuthentication }
            if ($PSBoundParameters.ContainsKey('OAuthAuthentication')) { $directory.oAuthAuthentication = $OAuthAuthentication }
            Write-SimState $state
        } finally {
            Unlock-SimState $lock
        }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
}
