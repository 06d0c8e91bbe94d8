# Loads the Exchange cmdlets into imp's PowerShell session.
# $Parameters.mode:
#   local   on an Exchange server: Microsoft's supported loader (RemoteExchange.ps1 + Connect-ExchangeServer -Auto)
#   remote  a remote Management Shell session to http://<server>/PowerShell/ with Kerberos
#   module  any PowerShell module that implements the Exchange cmdlets (labs, tests, imp sim)
# Dot-sourced by imp so the imported cmdlets stay available for the templates that follow.

$ImpMode = [string]$Parameters.mode
if ($ImpMode -eq 'module') {
    Import-Module -Name ([string]$Parameters.module) -Global -DisableNameChecking -Force -WarningAction SilentlyContinue
}
elseif ($ImpMode -eq 'remote') {
    $ImpSessionArguments = @{
        ConfigurationName = 'Microsoft.Exchange'
        ConnectionUri     = 'http://' + [string]$Parameters.server + '/PowerShell/'
        Authentication    = 'Kerberos'
    }
    if ($Parameters.credentialUser) {
        # The password arrives on this session's stdin, never in script text or on a command line.
        $ImpSecret = New-Object System.Security.SecureString
        foreach ($ImpChar in ([Console]::In.ReadLine()).ToCharArray()) { $ImpSecret.AppendChar($ImpChar) }
        $ImpSecret.MakeReadOnly()
        $ImpSessionArguments.Credential = New-Object System.Management.Automation.PSCredential ([string]$Parameters.credentialUser, $ImpSecret)
        Remove-Variable ImpSecret
    }
    $ImpExchangeSession = New-PSSession @ImpSessionArguments
    Import-Module (Import-PSSession $ImpExchangeSession -DisableNameChecking -AllowClobber) -Global -DisableNameChecking -WarningAction SilentlyContinue
    Remove-Variable ImpSessionArguments
}
elseif ($ImpMode -eq 'local') {
    if (-not $env:ExchangeInstallPath) {
        throw 'This computer has no Exchange management tools ($env:ExchangeInstallPath is not set). Run imp on the Exchange server, or use --exchange remote --exchange-server <fqdn>.'
    }
    . (Join-Path $env:ExchangeInstallPath 'bin\RemoteExchange.ps1')
    Connect-ExchangeServer -Auto -ClientApplication:ManagementShell
}
else {
    throw ('Unknown Exchange connection mode: ' + $ImpMode)
}

[pscustomobject]@{ connected = $true; mode = $ImpMode }
