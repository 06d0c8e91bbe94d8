# imp expiry --fix never-expires: set PasswordNeverExpires on the service account, in its own domain.
# Input ($Parameters): distinguishedName (as templates/expiry.ps1 found it), source (Get-ADUser|adsisearcher).
# imp has already shown the change and honoured --dry-run; this only makes it. It needs the right to write
# userAccountControl on the account (Account Operators, or a delegation on its OU); a refusal surfaces as is.
# Get-ADUser's domain: -Server <domain from the DN's DC= parts>, as in expiry.ps1. Over LDAP the bit is
# DONT_EXPIRE_PASSWORD (0x10000) of userAccountControl, written on the account's own domain controller.
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

$dn = [string]$Parameters.distinguishedName
$labels = foreach ($part in ($dn -split '(?<!\\),')) { if ($part -match '^\s*DC=(.+)$') { $Matches[1] } }
$domain = @($labels) -join '.'
$result = [ordered]@{ distinguishedName = $dn; domain = $domain; passwordNeverExpires = $null }

if ([string]$Parameters.source -eq 'Get-ADUser') {
    Set-ADUser -Identity $dn -Server $domain -PasswordNeverExpires $true -ErrorAction Stop
    $result.passwordNeverExpires = [bool](Get-ADUser -Identity $dn -Server $domain -Properties PasswordNeverExpires -ErrorAction Stop).PasswordNeverExpires
    return [pscustomobject]$result
}

$entry = [adsi]('LDAP://' + $domain + '/' + $dn.Replace('/', '\/'))
$control = [int]$entry.Properties['userAccountControl'][0]
$entry.Properties['userAccountControl'][0] = $control -bor 0x10000
$entry.CommitChanges()
$entry.RefreshCache()
$result.passwordNeverExpires = [bool]([int]$entry.Properties['userAccountControl'][0] -band 0x10000)
[pscustomobject]$result
