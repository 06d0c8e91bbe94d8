# imp expiry: what Active Directory says about the service account's password.
# Input ($Parameters): account (the SMTP address given to imp); runAs (true: also read the Windows user
# this process runs as, whose own password a scheduled task depends on); ewsVirtualDirectories (true: also
# list the EWS virtual directories, whose InternalUrl --check-login uses when no --ews-url was given).
# The address is resolved through Exchange first: Get-Mailbox knows every proxy address and gives the
# account's distinguished name. An address with no mailbox is looked up in the Global Catalog (the whole
# forest) by mail, userPrincipalName and proxy address.
# The account may live in any domain of the forest: Get-ADUser without -Server and [adsisearcher] without a
# search root see only this computer's domain. So the domain comes from the DN's DC= parts, and the account is
# read from that domain (-Server <domain>; LDAP://<domain>/<DN>): pwdLastSet, lockoutTime and the expiry
# attribute are not in the Global Catalog.
# AD is read with Get-ADUser where the ActiveDirectory module is available; where it is not (Exchange servers
# often lack RSAT), or AD Web Services (TCP 9389) cannot be reached, over LDAP with [adsisearcher].
# msDS-UserPasswordExpiryTimeComputed is constructed, so it is asked for by name; it goes back as the raw
# FILETIME text because its sentinels (0x7FFFFFFFFFFFFFFF: never expires, 0: must change at next logon) make
# [datetime]::FromFileTime throw. imp converts it.
# What LDAP cannot tell stays unknown ($null): an unreadable userAccountControl is not "enabled", and
# lockoutTime alone is not "locked out" (MS-ADTS counts a lockout only within the lockout duration, which
# msDS-User-Account-Control-Computed's UF_LOCKOUT applies).
# A linked mailbox (resource forest) belongs to a disabled user by design: the account whose password matters
# is its LinkedMasterAccount, in the account forest.
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

function Find-ImpMailbox([string]$Address) {
    if (-not (Get-Command -Name Get-Mailbox -ErrorAction SilentlyContinue)) { return $null }
    try {
        $mailbox = Get-Mailbox -Identity $Address -ErrorAction Stop
    }
    catch {
        # "No such mailbox" is an answer: the account may be a user without one. Anything else is not.
        if (([string]$_.CategoryInfo.Reason + ' ' + [string]$_.FullyQualifiedErrorId) -match 'NotFound') { return $null }
        throw
    }
    $first = @($mailbox)[0]
    $linked = $null
    if ([string]$first.RecipientTypeDetails -eq 'LinkedMailbox' -and $first.LinkedMasterAccount) { $linked = [string]$first.LinkedMasterAccount }
    [pscustomobject]@{ distinguishedName = [string]$first.DistinguishedName; primarySmtpAddress = [string]$first.PrimarySmtpAddress; linkedMasterAccount = $linked }
}

function Get-ImpDomainOfDn([string]$DistinguishedName) {
    # DC=emea,DC=contoso,DC=com -> emea.contoso.com (an escaped comma "\," is part of a value, not a separator).
    $labels = foreach ($part in ($DistinguishedName -split '(?<!\\),')) { if ($part -match '^\s*DC=(.+)$') { $Matches[1] } }
    @($labels) -join '.'
}

function Test-ImpServerDown($ErrorRecord) {
    # AD Web Services unreachable (blocked TCP 9389, no ADWS on the DC): ADServerDownException.
    ([string]$ErrorRecord.FullyQualifiedErrorId + ' ' + [string]$ErrorRecord.CategoryInfo.Reason + ' ' + $ErrorRecord.Exception.GetType().Name) -match 'ADServerDownException'
}

$AdProperties = @('Enabled', 'LockedOut', 'PasswordNeverExpires', 'PasswordLastSet', 'msDS-UserPasswordExpiryTimeComputed', 'mail')

function Find-ImpUserWithADModule([string]$Dn, [string]$GcFilter, [string]$Identity, [string]$IdentityServer) {
    # Returns the user read from its own domain, or $null.
    if ($Identity) {
        # DOMAIN\user of another forest (a linked master account): -Server takes a NetBIOS domain name too.
        return Get-ADUser -Identity $Identity -Server $IdentityServer -Properties $AdProperties -ErrorAction Stop
    }
    if (-not $Dn) {
        $gc = @((Get-ADDomainController -Discover -Service GlobalCatalog -ErrorAction Stop).HostName)[0] + ':3268'
        $hit = @(Get-ADUser -Filter $GcFilter -Server $gc -ErrorAction Stop) | Select-Object -First 1
        if ($null -eq $hit) { return $null }
        $Dn = [string]$hit.DistinguishedName
    }
    Get-ADUser -Identity $Dn -Server (Get-ImpDomainOfDn $Dn) -Properties $AdProperties -ErrorAction Stop
}

function ConvertFrom-ImpADUser($User, $Result) {
    $Result.found = $true
    $Result.distinguishedName = [string]$User.DistinguishedName
    $Result.samAccountName = [string]$User.SamAccountName
    $Result.userPrincipalName = [string]$User.UserPrincipalName
    $Result.enabled = [bool]$User.Enabled
    $Result.lockedOut = [bool]$User.LockedOut
    $Result.passwordNeverExpires = [bool]$User.PasswordNeverExpires
    $Result.passwordLastSet = ConvertTo-ImpIsoTime $User.PasswordLastSet
    $Result.expiryFileTime = ConvertTo-ImpFileTimeText $User.'msDS-UserPasswordExpiryTimeComputed'
}

function New-ImpSearcher([string]$Filter, [string]$Root, [string]$Scope, [string[]]$Properties) {
    $searcher = [adsisearcher]$Filter
    if ($Root) { $searcher.SearchRoot = [adsi]$Root }
    if ($Scope) { $searcher.SearchScope = $Scope }
    foreach ($name in $Properties) { [void]$searcher.PropertiesToLoad.Add($name) }
    $searcher
}

function Find-ImpUserWithLdap([string]$Dn, [string]$GcFilter) {
    # Returns the user's SearchResult read from its own domain, or $null.
    $userFilter = '(&(objectCategory=person)(objectClass=user))'
    if (-not $Dn) {
        $forestDn = [string](([adsi]'LDAP://RootDSE').Properties['rootDomainNamingContext'][0])
        $hit = (New-ImpSearcher $GcFilter ('GC://' + $forestDn.Replace('/', '\/')) $null @('distinguishedName')).FindOne()
        if ($null -eq $hit) { return $null }
        $Dn = [string](Get-ImpLdapValue $hit 'distinguishedName')
    }
    $root = 'LDAP://' + (Get-ImpDomainOfDn $Dn) + '/' + $Dn.Replace('/', '\/')
    $properties = @('distinguishedName', 'sAMAccountName', 'userPrincipalName', 'userAccountControl', 'msDS-User-Account-Control-Computed',
        'lockoutTime', 'pwdLastSet', 'msDS-UserPasswordExpiryTimeComputed')
    (New-ImpSearcher $userFilter $root 'Base' $properties).FindOne()
}

function ConvertFrom-ImpLdapEntry($Entry, $Result) {
    $control = Get-ImpLdapValue $Entry 'userAccountControl'
    $computed = Get-ImpLdapValue $Entry 'msDS-User-Account-Control-Computed'
    $lockoutTime = Get-ImpLdapValue $Entry 'lockoutTime'
    $Result.found = $true
    $Result.distinguishedName = [string](Get-ImpLdapValue $Entry 'distinguishedName')
    $Result.samAccountName = [string](Get-ImpLdapValue $Entry 'sAMAccountName')
    $Result.userPrincipalName = [string](Get-ImpLdapValue $Entry 'userPrincipalName')
    if ($null -ne $control) {
        $Result.enabled = -not ([int64]$control -band 0x2)                       # ACCOUNTDISABLE
        $Result.passwordNeverExpires = [bool]([int64]$control -band 0x10000)     # DONT_EXPIRE_PASSWORD
    }
    if ($null -ne $computed) {
        # UF_LOCKOUT honours the domain's lockout duration.
        $Result.lockedOut = [bool]([int64]$computed -band 0x10)
    }
    elseif ($null -ne $lockoutTime -and [int64]$lockoutTime -eq 0) {
        $Result.lockedOut = $false
    }
    $Result.passwordLastSet = ConvertFrom-ImpFileTime (Get-ImpLdapValue $Entry 'pwdLastSet')
    $Result.expiryFileTime = ConvertTo-ImpFileTimeText (Get-ImpLdapValue $Entry 'msDS-UserPasswordExpiryTimeComputed')
}

function New-ImpAccountResult([string]$Account) {
    [ordered]@{
        found                = $false
        account              = $Account
        distinguishedName    = $null
        samAccountName       = $null
        userPrincipalName    = $null
        enabled              = $null
        lockedOut            = $null
        passwordNeverExpires = $null
        passwordLastSet      = $null
        expiryFileTime       = $null
    }
}

function Read-ImpAccount([string]$Dn, [string]$GcFilter, [string]$LdapGcFilter, [string]$Identity, [string]$IdentityServer, $Result, $Outcome) {
    # Fills $Result; $Outcome gets the source used and, when Get-ADUser could not reach AD Web Services, why.
    if ($Outcome.source -ne 'adsisearcher' -and (Get-Command -Name Get-ADUser -ErrorAction SilentlyContinue)) {
        try {
            $user = Find-ImpUserWithADModule $Dn $GcFilter $Identity $IdentityServer
            $Outcome.source = 'Get-ADUser'
            if ($null -ne $user) { ConvertFrom-ImpADUser $user $Result }
            return
        }
        catch {
            if (-not (Test-ImpServerDown $_)) { throw }
            $Outcome.adwsUnreachable = [string]$_.Exception.Message
        }
    }
    $Outcome.source = 'adsisearcher'
    # LDAP cannot name an account of another forest by DOMAIN\user: leave it not found, with the reason.
    if ($Identity) { return }
    $entry = Find-ImpUserWithLdap $Dn $LdapGcFilter
    if ($null -ne $entry) { ConvertFrom-ImpLdapEntry $entry $Result }
}

$address = [string]$Parameters.account
$result = New-ImpAccountResult $address
$result.source = $null
$result.lookup = 'directory'
$result.primarySmtpAddress = $null
$result.linkedMasterAccount = $null
$result.adwsUnreachable = $null
$result.runAs = $null
$outcome = @{ source = $null; adwsUnreachable = $null }

$mailbox = Find-ImpMailbox $address
$dn = $null
$identity = $null
$identityServer = $null
if ($mailbox) {
    $result.lookup = 'mailbox'
    # An alias finds the mailbox too: imp reads the stored password under the primary address.
    $result.primarySmtpAddress = $mailbox.primarySmtpAddress
    $dn = $mailbox.distinguishedName
    if ($mailbox.linkedMasterAccount) {
        $result.linkedMasterAccount = $mailbox.linkedMasterAccount
        $identityServer, $identity = $mailbox.linkedMasterAccount.Split([char]'\', 2)
    }
}
$quoted = ConvertTo-ImpOpathValue $address
$gcFilter = 'mail -eq ' + $quoted + ' -or UserPrincipalName -eq ' + $quoted
$value = ConvertTo-ImpLdapValue $address
$ldapGcFilter = '(&(objectCategory=person)(objectClass=user)(|(mail=' + $value + ')(userPrincipalName=' + $value + ')(proxyAddresses=smtp:' + $value + ')))'
Read-ImpAccount $dn $gcFilter $ldapGcFilter $identity $identityServer $result $outcome

if ($Parameters.runAs) {
    # The Windows user this process runs as: a scheduled task stops starting once its password changes.
    $me = [System.Security.Principal.WindowsIdentity]::GetCurrent()
    $runAs = New-ImpAccountResult ([string]$me.Name)
    $sam = ([string]$me.Name).Split([char]'\')[-1]
    $samFilter = 'SamAccountName -eq ' + (ConvertTo-ImpOpathValue $sam)
    $ldapSamFilter = '(&(objectCategory=person)(objectClass=user)(sAMAccountName=' + (ConvertTo-ImpLdapValue $sam) + '))'
    $runAsOutcome = @{ source = $outcome.source; adwsUnreachable = $null }
    try {
        Read-ImpAccount $null $samFilter $ldapSamFilter $null $null $runAs $runAsOutcome
    }
    catch {
        $runAs.error = [string]$_.Exception.Message
    }
    $result.runAs = [pscustomobject]$runAs
}

if ($Parameters.ewsVirtualDirectories) {
    # --check-login without --ews-url: the URL comes from the EWS virtual directory, as verify finds it.
    $ewsVdirs = Get-ImpEwsVirtualDirectories
    $result.vdirs = @($ewsVdirs.vdirs)
    $result.vdirError = $ewsVdirs.vdirError
}

$result.source = $outcome.source
$result.adwsUnreachable = $outcome.adwsUnreachable
[pscustomobject]$result
