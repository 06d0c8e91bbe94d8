# imp expiry: what Active Directory says about the service account's password.
# Input ($Parameters): account (the SMTP address given to imp).
# The address is resolved through Exchange first: Get-Mailbox knows every proxy address and gives the
# account's distinguished name. An address with no mailbox is looked up in AD by mail and userPrincipalName.
# AD is read with Get-ADUser where the ActiveDirectory module is available, else with an [adsisearcher]
# LDAP query (Exchange servers often lack RSAT). msDS-UserPasswordExpiryTimeComputed is constructed, so it
# is asked for by name; it goes back as the raw FILETIME text because its sentinels (0x7FFFFFFFFFFFFFFF:
# never expires, 0: must change at next logon) make [datetime]::FromFileTime throw. imp converts it.
# Read-only. Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

function ConvertTo-ImpFileTimeText($Value) {
    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    ([int64]$Value).ToString([Globalization.CultureInfo]::InvariantCulture)
}

function ConvertFrom-ImpFileTime($Value) {
    # pwdLastSet: 0 means "must change at next logon", so there is no date to give.
    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    $fileTime = [int64]$Value
    if ($fileTime -le 0 -or $fileTime -gt [datetime]::MaxValue.ToFileTimeUtc()) { return $null }
    ConvertTo-ImpIsoTime ([datetime]::FromFileTimeUtc($fileTime))
}

function ConvertTo-ImpLdapValue([string]$Value) {
    # RFC 4515: a value inside an LDAP filter escapes \ * ( ) and NUL as \XX.
    $escaped = New-Object System.Text.StringBuilder
    foreach ($c in $Value.ToCharArray()) {
        switch ([int]$c) {
            0x5c { [void]$escaped.Append('\5c') }
            0x2a { [void]$escaped.Append('\2a') }
            0x28 { [void]$escaped.Append('\28') }
            0x29 { [void]$escaped.Append('\29') }
            0x00 { [void]$escaped.Append('\00') }
            default { [void]$escaped.Append($c) }
        }
    }
    $escaped.ToString()
}

function Get-ImpLdapValue($Entry, [string]$Name) {
    # SearchResult.Properties: lower-case names; a missing attribute is an empty collection.
    $values = $Entry.Properties[$Name.ToLowerInvariant()]
    if ($null -eq $values -or $values.Count -eq 0) { return $null }
    $values[0]
}

function Find-ImpMailboxDn([string]$Address) {
    if (-not (Get-Command -Name Get-Mailbox -ErrorAction SilentlyContinue)) { return $null }
    try {
        $mailbox = Get-Mailbox -Identity $Address -ErrorAction Stop
    }
    catch {
        # "No such mailbox" is an answer: the account may be a user without one. Anything else is not.
        if (([string]$_.CategoryInfo.Reason + ' ' + [string]$_.FullyQualifiedErrorId) -match 'NotFound') { return $null }
        throw
    }
    [string]@($mailbox)[0].DistinguishedName
}

$address = [string]$Parameters.account
$result = [ordered]@{
    found                = $false
    source               = $null
    account              = $address
    lookup               = $null
    distinguishedName    = $null
    samAccountName       = $null
    userPrincipalName    = $null
    enabled              = $null
    lockedOut            = $null
    passwordNeverExpires = $null
    passwordLastSet      = $null
    expiryFileTime       = $null
}

$dn = Find-ImpMailboxDn $address
if ($dn) { $result.lookup = 'mailbox' } else { $result.lookup = 'directory' }

if (Get-Command -Name Get-ADUser -ErrorAction SilentlyContinue) {
    $result.source = 'Get-ADUser'
    $properties = @('Enabled', 'LockedOut', 'PasswordNeverExpires', 'PasswordLastSet', 'msDS-UserPasswordExpiryTimeComputed', 'mail')
    if ($dn) {
        $user = Get-ADUser -Identity $dn -Properties $properties -ErrorAction Stop
    }
    else {
        $quoted = ConvertTo-ImpOpathValue $address
        $user = @(Get-ADUser -Filter ('mail -eq ' + $quoted + ' -or UserPrincipalName -eq ' + $quoted) -Properties $properties -ErrorAction Stop) | Select-Object -First 1
    }
    if ($null -eq $user) { return [pscustomobject]$result }
    $result.found = $true
    $result.distinguishedName = [string]$user.DistinguishedName
    $result.samAccountName = [string]$user.SamAccountName
    $result.userPrincipalName = [string]$user.UserPrincipalName
    $result.enabled = [bool]$user.Enabled
    $result.lockedOut = [bool]$user.LockedOut
    $result.passwordNeverExpires = [bool]$user.PasswordNeverExpires
    $result.passwordLastSet = ConvertTo-ImpIsoTime $user.PasswordLastSet
    $result.expiryFileTime = ConvertTo-ImpFileTimeText $user.'msDS-UserPasswordExpiryTimeComputed'
    return [pscustomobject]$result
}

$result.source = 'adsisearcher'
if ($dn) {
    $filter = '(&(objectCategory=person)(objectClass=user)(distinguishedName=' + (ConvertTo-ImpLdapValue $dn) + '))'
}
else {
    $value = ConvertTo-ImpLdapValue $address
    $filter = '(&(objectCategory=person)(objectClass=user)(|(mail=' + $value + ')(userPrincipalName=' + $value + ')(proxyAddresses=smtp:' + $value + ')))'
}
$searcher = [adsisearcher]$filter
foreach ($name in @('distinguishedName', 'sAMAccountName', 'userPrincipalName', 'userAccountControl', 'msDS-User-Account-Control-Computed',
        'lockoutTime', 'pwdLastSet', 'msDS-UserPasswordExpiryTimeComputed')) {
    [void]$searcher.PropertiesToLoad.Add($name)
}
$entry = $searcher.FindOne()
if ($null -eq $entry) { return [pscustomobject]$result }
$control = [int64](Get-ImpLdapValue $entry 'userAccountControl')
$computed = Get-ImpLdapValue $entry 'msDS-User-Account-Control-Computed'
$lockoutTime = Get-ImpLdapValue $entry 'lockoutTime'
$result.found = $true
$result.distinguishedName = [string](Get-ImpLdapValue $entry 'distinguishedName')
$result.samAccountName = [string](Get-ImpLdapValue $entry 'sAMAccountName')
$result.userPrincipalName = [string](Get-ImpLdapValue $entry 'userPrincipalName')
$result.enabled = -not ($control -band 0x2)                       # ACCOUNTDISABLE
$result.passwordNeverExpires = [bool]($control -band 0x10000)     # DONT_EXPIRE_PASSWORD
if ($null -ne $computed) {
    # UF_LOCKOUT in the constructed attribute honours the lockout duration; lockoutTime alone does not.
    $result.lockedOut = [bool]([int64]$computed -band 0x10)
}
else {
    $result.lockedOut = ($null -ne $lockoutTime -and [int64]$lockoutTime -gt 0)
}
$result.passwordLastSet = ConvertFrom-ImpFileTime (Get-ImpLdapValue $entry 'pwdLastSet')
$result.expiryFileTime = ConvertTo-ImpFileTimeText (Get-ImpLdapValue $entry 'msDS-UserPasswordExpiryTimeComputed')
[pscustomobject]$result
