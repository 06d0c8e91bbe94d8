# Get- and Set-WebServicesVirtualDirectory.

function ConvertTo-SimVirtualDirectoryOutput($Directory) {
    $methods = [System.Collections.Generic.List[string]]::new()
    if ($Directory.basicAuthentication) { $methods.Add('Basic') }
    if ($Directory.windowsAuthentication) { $methods.Add('Ntlm'); $methods.Add('WindowsIntegrated') }
    if ($Directory.oAuthAuthentication) { $methods.Add('OAuth') }
    return [pscustomobject]@{
        Name                            = $Directory.name
        Server                          = $Directory.server
        Identity                        = $Directory.server + '\' + $Directory.name
        InternalUrl                     = $Directory.internalUrl
        ExternalUrl                     = $Directory.externalUrl
        BasicAuthentication             = [bool]$Directory.basicAuthentication
        WindowsAuthentication           = [bool]$Directory.windowsAuthentication
        OAuthAuthentication             = [bool]$Directory.oAuthAuthentication
        DigestAuthentication            = $false
        InternalAuthenticationMethods   = $methods.ToArray()
        ExternalAuthenticationMethods   = $methods.ToArray()
        ExtendedProtectionTokenChecking = 'None'
        MRSProxyEnabled                 = $false
    }
}

function Get-WebServicesVirtualDirectory {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [string] $Server,
        [switch] $ADPropertiesOnly,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $directories = $state.webServicesVirtualDirectories
        if ($PSBoundParameters.ContainsKey('Server')) {
            # Exchange accepts the server's short name or its FQDN.
            $shortName = $Server.Split('.')[0]
            $directories = @($directories | Where-Object { Test-SimText $_.server $shortName })
            if ($directories.Count -eq 0) { throw (New-SimNotFound $state $Server) }
        }
        if ($PSBoundParameters.ContainsKey('Identity')) { $directories = @(Resolve-SimIdentity $state $directories $Identity 'VirtualDirectory') }
        $output = foreach ($directory in $directories) { ConvertTo-SimVirtualDirectoryOutput $directory }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Set-WebServicesVirtualDirectory {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)] [string] $Identity,
        [bool] $BasicAuthentication,
        [bool] $WindowsAuthentication,
        [bool] $OAuthAuthentication,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
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
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
}
