# Stand-in for Exchange's bin\RemoteExchange.ps1 and its Connect-ExchangeServer (ConnectFunctions.ps1), so that
# `--exchange local` runs here as on a server: `. "$env:ExchangeInstallPath\bin\RemoteExchange.ps1"` followed by
# `Connect-ExchangeServer -Auto -ClientApplication:ManagementShell`. imp sim installs it as
# <state>/ExchangeServer/bin/RemoteExchange.ps1 and points $env:ExchangeInstallPath at <state>/ExchangeServer/.
#
# What it shares with the real loader, because callers trip over exactly these:
# - it is dot-sourced, so it runs under the caller's preferences and leaves globals behind ($exbin, ...);
# - the banner and the tip of the day go through Write-Host, in pieces with -NoNewline;
# - it talks on the verbose stream, and emits one empty string into the pipeline;
# - -Auto tries the servers of the site in turn: the first one it tries fails (a non-terminating error that
#   the real loader tolerates and that $ErrorActionPreference = 'Stop' turns fatal), the next one works;
# - the session it opens is remoting: objects and errors come back as ExchangeSim's remoting layer gives them.
# The servers that fail are state.machine.unreachableExchangeServers (default: one, EX02).

$global:exinstall = $env:ExchangeInstallPath
$global:exbin = Join-Path $env:ExchangeInstallPath 'bin'
$global:exscripts = Join-Path $env:ExchangeInstallPath 'scripts'
$global:ImpSimStateDirectory = Split-Path -Parent ([string]$env:ExchangeInstallPath).TrimEnd('\', '/')

function Get-ExBanner {
    Write-Host ''
    Write-Host '         Welcome to the Exchange Management Shell!'
    Write-Host ''
    Write-Host -NoNewline 'Full list of cmdlets: '
    Write-Host 'Get-Command'
    Write-Host -NoNewline 'Only Exchange cmdlets: '
    Write-Host 'Get-ExCommand'
    Write-Host -NoNewline 'Cmdlets that match a specific string: '
    Write-Host 'Help *<string>*'
    Write-Host ''
}

function Get-Tip {
    Write-Host -NoNewline 'Tip of the day #'
    Write-Host -NoNewline '37'
    Write-Host ':'
    Write-Host ''
    Write-Host 'Want to see all the role assignments of a user? Get-ManagementRoleAssignment -RoleAssignee <user>'
    Write-Host ''
}

function Get-ImpSimLoaderServers {
    # The site's servers as -Auto tries them: the unreachable ones first, as a local server that is down would be.
    $state = Get-Content -Raw -LiteralPath (Join-Path $global:ImpSimStateDirectory 'state.json') | ConvertFrom-Json
    $domain = [string]$state.organization.domain
    $unreachable = @('EX02')
    if ($null -ne $state.PSObject.Properties['machine'] -and $null -ne $state.machine -and $null -ne $state.machine.PSObject.Properties['unreachableExchangeServers']) {
        $unreachable = @($state.machine.unreachableExchangeServers)
    }
    $servers = New-Object System.Collections.ArrayList
    foreach ($name in $unreachable) { [void]$servers.Add([pscustomobject]@{ Fqdn = ([string]$name + '.' + $domain).ToLowerInvariant(); Reachable = $false }) }
    [void]$servers.Add([pscustomobject]@{ Fqdn = ([string]$state.organization.exchangeServer + '.' + $domain).ToLowerInvariant(); Reachable = $true })
    return $servers
}

function Connect-ExchangeServer {
    param(
        [Parameter(Position = 0)] [string] $ServerFqdn,
        [switch] $Auto,
        [string] $ClientApplication,
        [switch] $UserName,
        [switch] $Prompt
    )
    $servers = @(Get-ImpSimLoaderServers)
    if ($ServerFqdn) { $servers = @($servers | Where-Object { $_.Fqdn -eq $ServerFqdn.ToLowerInvariant() }) }
    foreach ($server in $servers) {
        Write-Verbose ('Connecting to ' + $server.Fqdn + ' (' + $ClientApplication + ')')
        Write-Host ('Connecting to ' + $server.Fqdn + '.')
        if (-not $server.Reachable) {
            $message = '[' + $server.Fqdn + '] Connecting to remote server ' + $server.Fqdn + ' failed with the following error message : ' +
                'WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible ' +
                'over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer.'
            $exception = New-Object System.Management.Automation.Remoting.PSRemotingTransportException $message
            Write-Error -Exception $exception -Category OpenError -ErrorId 'WinRMOperationTimeout,PSSessionOpenFailed' -TargetObject $server.Fqdn
            Write-Host ('Failed to connect to an Exchange server in the current site.')
            continue
        }
        Import-Module (Join-Path $global:ImpSimStateDirectory 'ExchangeSim/ExchangeSim.psm1') -Global -DisableNameChecking -Force -WarningAction SilentlyContinue
        Write-Host ('Connected to ' + $server.Fqdn + '.')
        ''
        return
    }
    Write-Host 'Failed to connect to any Exchange server in the current site.'
    Write-Host 'Enter the server FQDN where you want to connect.'
}

Get-ExBanner
Get-Tip
