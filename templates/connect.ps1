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
        # The password (from imp's keychain) arrives as credentialSecret, RSA-OAEP blocks encrypted to the
        # one-time key pair $ImpSecretKey that imp had this process make just before. It is decrypted
        # straight into a SecureString and the key is destroyed: no script text, command line, variable or
        # log ever holds it in clear.
        if (-not $ImpSecretKey -or -not $Parameters.credentialSecret) {
            throw ('imp did not hand over the password of ' + [string]$Parameters.credentialUser + '.')
        }
        $ImpBytes = New-Object System.Collections.Generic.List[byte]
        foreach ($ImpBlock in ([string]$Parameters.credentialSecret).Split([char]',')) {
            $ImpBytes.AddRange([byte[]]$ImpSecretKey.Decrypt([Convert]::FromBase64String($ImpBlock), $true))
        }
        $ImpSecretKey.Dispose()
        $ImpPlain = $ImpBytes.ToArray()
        $ImpChars = (New-Object System.Text.UTF8Encoding $false).GetChars($ImpPlain)
        $ImpSecret = New-Object System.Security.SecureString
        foreach ($ImpChar in $ImpChars) { $ImpSecret.AppendChar($ImpChar) }
        $ImpSecret.MakeReadOnly()
        [Array]::Clear($ImpChars, 0, $ImpChars.Length)
        [Array]::Clear($ImpPlain, 0, $ImpPlain.Length)
        $ImpBytes.Clear()
        $ImpSessionArguments.Credential = New-Object System.Management.Automation.PSCredential ([string]$Parameters.credentialUser, $ImpSecret)
        Remove-Variable ImpSecret, ImpSecretKey, ImpBytes, ImpPlain, ImpChars, ImpChar, ImpBlock -ErrorAction SilentlyContinue
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
