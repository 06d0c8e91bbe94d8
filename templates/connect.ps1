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
        # serializationLevel=Full as Exchange's own loader asks for; the templates read every property
        # as [string]/[bool], so they work with either level.
        ConnectionUri     = 'http://' + [string]$Parameters.server + '/PowerShell/?serializationLevel=Full'
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
            $ImpBytes.AddRange([byte[]]$ImpSecretKey.Decrypt([Convert]::FromBase64String($ImpBlock), [System.Security.Cryptography.RSAEncryptionPadding]::OaepSHA1))
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
        # The Exchange caller is this account, not the computer's user (Get-ImpCaller).
        $ImpCallerAccount = [string]$Parameters.credentialUser
        Remove-Variable ImpSecret, ImpSecretKey, ImpBytes, ImpPlain, ImpChars, ImpChar, ImpBlock -ErrorAction SilentlyContinue
    }
    # Exchange limits PowerShell sessions per user: imp removes the session before PowerShell exits
    # (src/powershell/process.ts), and one whose client was killed instead (a hung command) is closed by
    # the server after this idle timeout rather than its default hours.
    if ((Get-Command New-PSSessionOption).Parameters.ContainsKey('IdleTimeout')) {
        $ImpSessionArguments.SessionOption = New-PSSessionOption -IdleTimeout 60000
    }
    $ImpExchangeSession = New-PSSession @ImpSessionArguments
    Import-Module (Import-PSSession $ImpExchangeSession -DisableNameChecking -AllowClobber) -Global -DisableNameChecking -WarningAction SilentlyContinue
    Remove-Variable ImpSessionArguments
}
elseif ($ImpMode -eq 'local') {
    if (-not $env:ExchangeInstallPath) {
        throw 'This computer has no Exchange management tools ($env:ExchangeInstallPath is not set). Run imp on the Exchange server, or use --exchange remote --exchange-server <fqdn>.'
    }
    # Microsoft's own loader check (CSS-Exchange Confirm-ExchangeShell) tells an Edge Transport server by this key.
    if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\EdgeTransportRole') {
        throw 'This is an Edge Transport server: it holds no mailboxes and no role assignments, and its shell is not the Exchange Management Shell imp needs. Run imp on a Mailbox server, or use --exchange remote --exchange-server <Mailbox server fqdn>.'
    }
    $ImpLoader = Join-Path (Join-Path $env:ExchangeInstallPath 'bin') 'RemoteExchange.ps1'
    if (-not (Test-Path -LiteralPath $ImpLoader)) {
        throw ('Exchange''s Management Shell loader ' + $ImpLoader + ' does not exist. Run imp on an Exchange server or a management tools computer, or use --exchange remote --exchange-server <fqdn>.')
    }
    # The loader tries the local server, then others in the site, and expects the failures on the way
    # not to stop it: it runs under PowerShell's default error handling, not imp's 'Stop'. Whether it
    # worked is decided afterwards, by the cmdlets being there.
    $ImpErrorsBefore = $Error.Count
    $ImpSavedPreference = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        . $ImpLoader
        Connect-ExchangeServer -Auto -ClientApplication:ManagementShell
    }
    catch { }
    finally { $ErrorActionPreference = $ImpSavedPreference }
    if (@(Get-Command -Name Get-Mailbox, Get-ManagementRoleAssignment -ErrorAction SilentlyContinue).Count -eq 0) {
        $ImpLastError = ''
        if ($Error.Count -gt $ImpErrorsBefore) { $ImpLastError = ' Its last error: ' + [string]$Error[0].Exception.Message }
        throw ('Exchange''s loader (' + $ImpLoader + ', Connect-ExchangeServer -Auto) left no Exchange cmdlets in the session.' + $ImpLastError)
    }
}
else {
    throw ('Unknown Exchange connection mode: ' + $ImpMode)
}

[pscustomobject]@{ connected = $true; mode = $ImpMode }
