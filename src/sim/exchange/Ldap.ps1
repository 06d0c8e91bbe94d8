# With machine.activeDirectoryModule = false the module exports no Get-ADUser and points the [adsisearcher]
# type accelerator at SimDirectorySearcher, so templates run the same LDAP code they would run on an Exchange
# server without RSAT: Filter, PropertiesToLoad, FindOne()/FindAll(), and results whose Properties are
# collections keyed by lower-case attribute name, as System.DirectoryServices.SearchResult has them.
# [adsi] (System.DirectoryServices.DirectoryEntry) as a search root: LDAP://<server>/<DN>, GC://<server>/<DN>,
# LDAP://<DN> (the computer's domain) and LDAP://RootDSE, whose naming contexts say where the forest starts.
class SimDirectoryEntry {
    [string] $Path
    [System.Collections.Hashtable] $Properties = [System.Collections.Hashtable]::new([System.StringComparer]::OrdinalIgnoreCase)
    SimDirectoryEntry() { $this.Path = '' }
    SimDirectoryEntry([string] $path) {
        $this.Path = $path
        if ($path -match '^LDAP://RootDSE$') {
            $state = Read-SimState
            $this.Properties['defaultNamingContext'] = [object[]]@([string]$state.organization.distinguishedName)
            $this.Properties['rootDomainNamingContext'] = [object[]]@([string]$state.organization.distinguishedName)
        }
    }
}

class SimDirectorySearcher {
    [string] $Filter = '(objectClass=*)'
    [System.Collections.Specialized.StringCollection] $PropertiesToLoad = [System.Collections.Specialized.StringCollection]::new()
    [object] $SearchRoot = $null
    [string] $SearchScope = 'Subtree'
    [int] $PageSize = 0
    [int] $SizeLimit = 0
    SimDirectorySearcher() {}
    SimDirectorySearcher([string] $filter) { $this.Filter = $filter }
    hidden [string] RootPath() {
        if ($null -eq $this.SearchRoot) { return '' }
        return [string]$this.SearchRoot.Path
    }
    [object] FindOne() {
        $found = Find-SimLdapEntry 'FindOne' $this.Filter $this.PropertiesToLoad 1 $this.RootPath() $this.SearchScope
        if ($found.Count -eq 0) { return $null }
        return $found[0]
    }
    [object[]] FindAll() {
        return Find-SimLdapEntry 'FindAll' $this.Filter $this.PropertiesToLoad $this.SizeLimit $this.RootPath() $this.SearchScope
    }
    [void] Dispose() {}
}

$script:LdapFilterInvalid = 'The {0} search filter is invalid.'

# Constructed attributes are returned only when asked for by name, never with "all attributes".
$script:LdapConstructed = @('msds-userpasswordexpirytimecomputed', 'msds-user-account-control-computed')

# The attributes a Global Catalog holds (partial attribute set): no pwdLastSet, lockoutTime or constructed ones.
$script:LdapGlobalCatalog = @('objectclass', 'objectcategory', 'cn', 'name', 'samaccountname', 'userprincipalname', 'distinguishedname', 'mail', 'proxyaddresses', 'useraccountcontrol', 'adspath')

function Resolve-SimLdapRoot($State, [string] $Root, [string] $Scope) {
    # Where a search looks: @{ GlobalCatalog; Domain; BaseDn; Base }. No root: the computer's own domain.
    $computerDomain = ([string]$State.organization.domain).ToLowerInvariant()
    if (-not $Root) { return @{ GlobalCatalog = $false; Domain = $computerDomain; BaseDn = $null; Base = $false } }
    if ($Root -notmatch '^(LDAP|GC)://(?:([^/=,]+)/)?(.*)$') { throw [System.Runtime.InteropServices.COMException]::new('An invalid dn syntax has been specified.', -2147016654) }
    $provider, $server, $dn = $Matches[1], $Matches[2], $Matches[3].Replace('\/', '/')
    $domains = Get-SimForestDomains $State
    if ($server) {
        $serverDomain = $server.Split(':')[0].ToLowerInvariant()
        if (Test-SimText $server $State.organization.domainController) { $serverDomain = $computerDomain }
        # ERROR_DS_SERVER_DOWN: no such domain or server.
        if (-not $domains.Contains($serverDomain)) { throw [System.Runtime.InteropServices.COMException]::new('The server is not operational.', -2147016646) }
    }
    $domain = $computerDomain
    if ($dn) { $domain = Get-SimDomainOfDn $dn }
    if ($provider -eq 'LDAP' -and $server -and $dn -and (Get-SimDomainOfDn $dn) -ne $serverDomain) {
        # A domain controller holds only its own domain's objects (outside the GC): a referral imp does not chase.
        throw [System.Runtime.InteropServices.COMException]::new('A referral was returned from the server.', -2147016661)
    }
    if ($provider -eq 'LDAP' -and -not $server -and $dn -and $domain -ne $computerDomain) {
        throw [System.Runtime.InteropServices.COMException]::new('A referral was returned from the server.', -2147016661)
    }
    return @{ GlobalCatalog = ($provider -eq 'GC'); Domain = $domain; BaseDn = $dn; Base = ($Scope -eq 'Base') }
}

function Find-SimLdapEntry([string] $Method, [string] $Filter, [System.Collections.Specialized.StringCollection] $PropertiesToLoad, [int] $Limit, [string] $Root, [string] $Scope) {
    $properties = [string[]]@($PropertiesToLoad)
    Write-SimCallLog ('DirectorySearcher.' + $Method) ([ordered]@{ Filter = $Filter; PropertiesToLoad = $properties; SearchRoot = $Root; SearchScope = $Scope })
    $state = Read-SimState
    $where = Resolve-SimLdapRoot $state $Root $Scope
    $tree = ConvertFrom-SimLdapFilter $Filter
    $results = [System.Collections.Generic.List[object]]::new()
    $memberships = Get-SimMembershipIndex $state  # once for every entry the filter is tried on
    foreach ($user in $state.users) {
        $dn = [string]$user.distinguishedName
        if (-not $where.GlobalCatalog -and (Get-SimDomainOfDn $dn) -ne $where.Domain) { continue }
        if ($where.BaseDn) {
            if ($where.Base -and -not (Test-SimText $dn $where.BaseDn)) { continue }
            if (-not $where.Base -and -not ($dn.EndsWith(',' + $where.BaseDn, [System.StringComparison]::OrdinalIgnoreCase) -or (Test-SimText $dn $where.BaseDn))) { continue }
        }
        $attributes = Get-SimLdapAttribute $state $user $memberships
        if ($where.GlobalCatalog) {
            foreach ($key in @($attributes.Keys)) { if ($script:LdapGlobalCatalog -notcontains $key) { $attributes.Remove($key) } }
            $attributes['adspath'] = [object[]]@('GC://' + (Get-SimDomainOfDn $dn) + '/' + $dn)
        }
        if (-not (Test-SimLdapFilter $tree $attributes)) { continue }
        $results.Add((New-SimSearchResult $attributes $properties))
        if ($Limit -gt 0 -and $results.Count -ge $Limit) { break }
    }
    return ,$results.ToArray()
}

function Get-SimLdapAttribute($State, $User, $Memberships) {
    # The user's directory entry as LDAP sees it: lower-case names, every value a list.
    $facts = Get-SimDirectoryFacts $State $User $Memberships
    $control = 0x200                                            # NORMAL_ACCOUNT
    if (-not $User.enabled) { $control = $control -bor 0x2 }   # ACCOUNTDISABLE
    if ($User.passwordNeverExpires) { $control = $control -bor 0x10000 }  # DONT_EXPIRE_PASSWORD
    $expiry = Get-SimPasswordExpiryFileTime $State $User
    $computed = 0
    $lockoutTime = [int64]0
    if ($User.lockedOut) {
        $computed = $computed -bor 0x10                         # UF_LOCKOUT
        $lockoutTime = [DateTime]::UtcNow.AddMinutes(-5).ToFileTimeUtc()
    }
    if ($expiry -ne [int64]::MaxValue -and $expiry -le [DateTime]::UtcNow.ToFileTimeUtc()) { $computed = $computed -bor 0x800000 }  # UF_PASSWORD_EXPIRED
    $attributes = [System.Collections.Hashtable]::new([System.StringComparer]::OrdinalIgnoreCase)
    $attributes['objectclass'] = [object[]]@('top', 'person', 'organizationalPerson', 'user')
    $attributes['objectcategory'] = [object[]]@('CN=Person,CN=Schema,CN=Configuration,' + $State.organization.distinguishedName)
    $attributes['cn'] = [object[]]@([string]$User.name)
    $attributes['name'] = [object[]]@([string]$User.name)
    $attributes['samaccountname'] = [object[]]@([string]$User.samAccountName)
    $attributes['userprincipalname'] = [object[]]@([string]$User.userPrincipalName)
    $attributes['distinguishedname'] = [object[]]@([string]$User.distinguishedName)
    if ($facts.mail) { $attributes['mail'] = [object[]]@([string]$facts.mail) }
    if ($null -ne $User.mailbox) { $attributes['proxyaddresses'] = [object[]]@($User.mailbox.emailAddresses) }
    $attributes['useraccountcontrol'] = [object[]]@([int]$control)
    $attributes['msds-user-account-control-computed'] = [object[]]@([int]$computed)
    $attributes['lockouttime'] = [object[]]@($lockoutTime)
    $attributes['pwdlastset'] = [object[]]@([int64](Get-SimADExtraProperty $State $User $facts 'pwdLastSet'))
    $attributes['msds-userpasswordexpirytimecomputed'] = [object[]]@([int64]$expiry)
    $server = $State.organization.domainController
    if ((Get-SimDomainOfDn $User.distinguishedName) -ne ([string]$State.organization.domain).ToLowerInvariant()) { $server = Get-SimDomainOfDn $User.distinguishedName }
    $attributes['adspath'] = [object[]]@('LDAP://' + $server + '/' + $User.distinguishedName)
    return $attributes
}

function New-SimSearchResult([System.Collections.IDictionary] $Attributes, [string[]] $Properties) {
    $names = [System.Collections.Generic.List[string]]::new()
    if ($Properties.Count -eq 0) {
        foreach ($key in $Attributes.Keys) { if ($script:LdapConstructed -notcontains $key) { $names.Add($key) } }
    } else {
        foreach ($name in $Properties) { $names.Add($name.ToLowerInvariant()) }
        $names.Add('adspath')  # always returned
    }
    $loaded = [System.Collections.Hashtable]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($name in $names) { if ($Attributes.ContainsKey($name)) { $loaded[$name] = $Attributes[$name] } }
    return [pscustomobject]@{ Path = [string]$Attributes['adspath'][0]; Properties = $loaded }
}

function ConvertFrom-SimLdapFilter([string] $Filter) {
    # RFC 4515 as far as imp needs it: & | ! groups, equality, presence (attr=*) and substrings (a*b);
    # values escape \ * ( ) NUL as \5c \2a \28 \29 \00. The filter is data: it is only parsed.
    $parser = @{ Filter = $Filter; Text = $Filter.Trim(); Index = 0; Depth = 0 }
    $node = Read-SimLdapFilter $parser
    if ($parser.Index -ne $parser.Text.Length) { throw [System.ArgumentException]::new(($script:LdapFilterInvalid -f $Filter)) }
    return $node
}

function Read-SimLdapFilter($Parser) {
    $text = $Parser.Text
    $invalid = [System.ArgumentException]::new(($script:LdapFilterInvalid -f $Parser.Filter))
    if ($Parser.Index -ge $text.Length -or $text[$Parser.Index] -ne [char]'(') { throw $invalid }
    $Parser.Index++
    $Parser.Depth++
    if ($Parser.Depth -gt 32 -or $Parser.Index -ge $text.Length) { throw $invalid }
    $c = $text[$Parser.Index]
    if ($c -eq [char]'&' -or $c -eq [char]'|') {
        $Parser.Index++
        $children = [System.Collections.Generic.List[object]]::new()
        while ($Parser.Index -lt $text.Length -and $text[$Parser.Index] -eq [char]'(') { $children.Add((Read-SimLdapFilter $Parser)) }
        if ($children.Count -eq 0) { throw $invalid }
        if ($c -eq [char]'&') { $kind = 'And' } else { $kind = 'Or' }
        $node = @{ Kind = $kind; Children = $children.ToArray() }
    } elseif ($c -eq [char]'!') {
        $Parser.Index++
        $node = @{ Kind = 'Not'; Operand = (Read-SimLdapFilter $Parser) }
    } else {
        # A value escapes ")" as \29, so the first ")" ends the item.
        $close = $text.IndexOf([char]')', $Parser.Index)
        if ($close -lt 0) { throw $invalid }
        $item = $text.Substring($Parser.Index, $close - $Parser.Index)
        $Parser.Index = $close
        $equals = $item.IndexOf([char]'=')
        if ($equals -le 0) { throw $invalid }
        $attribute = $item.Substring(0, $equals)
        # Approximate, ordering and extensible matches (~= >= <= :rule:=) are not simulated.
        if ($attribute -notmatch '^[A-Za-z][A-Za-z0-9-]*$') { throw $invalid }
        $value = $item.Substring($equals + 1)
        if ($value -eq '*') {
            $node = @{ Kind = 'Present'; Attribute = $attribute.ToLowerInvariant() }
        } elseif ($value.Contains('*')) {
            $parts = foreach ($part in $value.Split([char]'*')) { [regex]::Escape((ConvertFrom-SimLdapValue $part $invalid)) }
            $pattern = [regex]::new('^' + ($parts -join '.*') + '$', [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
            $node = @{ Kind = 'Substring'; Attribute = $attribute.ToLowerInvariant(); Pattern = $pattern }
        } else {
            $node = @{ Kind = 'Equal'; Attribute = $attribute.ToLowerInvariant(); Value = (ConvertFrom-SimLdapValue $value $invalid) }
        }
    }
    if ($Parser.Index -ge $text.Length -or $text[$Parser.Index] -ne [char]')') { throw $invalid }
    $Parser.Index++
    $Parser.Depth--
    return $node
}

function ConvertFrom-SimLdapValue([string] $Value, [System.Exception] $Invalid) {
    # \XX escapes are bytes of the UTF-8 value.
    $bytes = [System.Collections.Generic.List[byte]]::new()
    $i = 0
    while ($i -lt $Value.Length) {
        if ($Value[$i] -eq [char]'\') {
            if ($i + 2 -ge $Value.Length) { throw $Invalid }
            $hex = $Value.Substring($i + 1, 2)
            if ($hex -notmatch '^[0-9A-Fa-f]{2}$') { throw $Invalid }
            $bytes.Add([Convert]::ToByte($hex, 16))
            $i += 3
            continue
        }
        if ($Value[$i] -eq [char]'(' -or $Value[$i] -eq [char]')') { throw $Invalid }
        $bytes.AddRange([System.Text.Encoding]::UTF8.GetBytes([string]$Value[$i]))
        $i++
    }
    return [System.Text.Encoding]::UTF8.GetString($bytes.ToArray())
}

function Test-SimLdapFilter($Node, [System.Collections.IDictionary] $Attributes) {
    switch ($Node.Kind) {
        'And' { foreach ($child in $Node.Children) { if (-not (Test-SimLdapFilter $child $Attributes)) { return $false } }; return $true }
        'Or' { foreach ($child in $Node.Children) { if (Test-SimLdapFilter $child $Attributes) { return $true } }; return $false }
        'Not' { return -not (Test-SimLdapFilter $Node.Operand $Attributes) }
    }
    $values = $Attributes[$Node.Attribute]
    if ($null -eq $values -or $values.Count -eq 0) { return $false }
    if ($Node.Kind -eq 'Present') { return $true }
    foreach ($value in $values) {
        $text = [System.Convert]::ToString($value, $script:Invariant)
        if ($Node.Kind -eq 'Substring') {
            if ($Node.Pattern.IsMatch($text)) { return $true }
        } elseif (Test-SimText $text $Node.Value) {
            return $true
        } elseif ($Node.Attribute -eq 'objectcategory' -and (Test-SimText $text ('CN=' + $Node.Value + ',' + $text.Split([char]',', 2)[1]))) {
            # AD accepts a class name for objectCategory: (objectCategory=person) means CN=Person,CN=Schema,...
            return $true
        }
    }
    return $false
}
