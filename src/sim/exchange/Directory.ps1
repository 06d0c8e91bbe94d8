# The directory: users, groups and recipients, the identities Exchange accepts for them, group membership,
# and one property bag per object that filters and output objects read.

function Test-SimIsGroup($Object) {
    return $null -ne $Object.PSObject.Properties['members']
}

function Test-SimMailEnabledGroup($Group) {
    # Role groups and plain security groups have no address: they are groups, not recipients.
    return (Test-SimTextIn $Group.recipientTypeDetails $script:MailGroupTypes) -and [bool]$Group.primarySmtpAddress
}

function Test-SimDynamicGroup($Group) {
    return [string]$Group.recipientTypeDetails -eq 'DynamicDistributionGroup'
}

function Get-SimParentDistinguishedName([string] $DistinguishedName) {
    # The container (OU) of an object: its DN without the first RDN. An escaped comma does not split.
    $parts = $script:RdnSeparator.Split($DistinguishedName, 2)
    if ($parts.Count -lt 2) { return '' }
    return $parts[1]
}

function Resolve-SimOrganizationalUnit($State, [string] $Identity) {
    # An OU as Exchange's OrganizationalUnitIdParameter takes it: a DN or a canonical name
    # (contoso.com/Contoso/Rooms). The simulated directory knows the OUs its objects live in.
    $known = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($object in @($State.users) + @($State.groups)) {
        $parent = Get-SimParentDistinguishedName $object.distinguishedName
        while ($parent -and $parent -match '^(?i:OU|CN)=') {
            [void]$known.Add($parent)
            $parent = Get-SimParentDistinguishedName $parent
        }
    }
    foreach ($dn in $known) {
        $canonical = ConvertTo-SimContainerCanonicalName $State $dn
        if ((Test-SimText $dn $Identity) -or (Test-SimText $canonical $Identity.TrimEnd('/'))) {
            return [pscustomobject]@{ DistinguishedName = $dn; CanonicalName = $canonical }
        }
    }
    throw (New-SimNotFound $State $Identity)
}

# Container DN -> its canonical name, kept for the process as Text.ps1's CanonicalPaths are.
$script:ContainerNames = [System.Collections.Generic.Dictionary[string, string]]::new([System.StringComparer]::Ordinal)

function ConvertTo-SimContainerCanonicalName($State, [string] $DistinguishedName) {
    # contoso.com/Contoso/Rooms for OU=Rooms,OU=Contoso,DC=contoso,DC=com; the domain alone for DC=...
    $first = $script:RdnSeparator.Split($DistinguishedName, 2)[0]
    if ($first -match '^(?i:DC)=') { return $State.organization.domain }
    $canonical = $null
    if ($script:ContainerNames.TryGetValue($DistinguishedName, [ref]$canonical)) { return $canonical }
    $name = ($first -replace '^[^=]*=', '') -replace '\\(.)', '$1'
    $canonical = ConvertTo-SimCanonicalName $State $DistinguishedName $name
    $script:ContainerNames[$DistinguishedName] = $canonical
    return $canonical
}

function Test-SimUnderContainer([System.Collections.IDictionary] $Facts, [string] $ContainerDistinguishedName) {
    # Anywhere below the OU, sub-OUs included (a scope's RecipientRoot and an OU scope search the subtree).
    return $Facts.DistinguishedName.EndsWith(',' + $ContainerDistinguishedName, [System.StringComparison]::OrdinalIgnoreCase)
}

function Get-SimMailboxUsers($State) {
    $list = [System.Collections.Generic.List[object]]::new()
    foreach ($user in $State.users) { if ($null -ne $user.mailbox) { $list.Add($user) } }
    return ,$list.ToArray()
}

function Get-SimRecipients($State) {
    # Recipients are mail-enabled objects: mailboxes and mail-enabled groups (role groups are not).
    $list = [System.Collections.Generic.List[object]]::new()
    $list.AddRange((Get-SimMailboxUsers $State))
    foreach ($group in $State.groups) { if (Test-SimMailEnabledGroup $group) { $list.Add($group) } }
    return ,$list.ToArray()
}

function Get-SimSecurityGroups($State) {
    $list = [System.Collections.Generic.List[object]]::new()
    foreach ($group in $State.groups) {
        if (Test-SimTextIn $group.recipientTypeDetails $script:SecurityGroupTypes) { $list.Add($group) }
    }
    return ,$list.ToArray()
}

function Find-SimByDistinguishedName($State, [string] $DistinguishedName) {
    # Compared inline, not through Test-SimText: this scans the whole directory, and a call per object
    # costs more than the comparison.
    $ignoreCase = [System.StringComparison]::OrdinalIgnoreCase
    foreach ($user in $State.users) { if ([string]::Equals([string]$user.distinguishedName, $DistinguishedName, $ignoreCase)) { return $user } }
    foreach ($group in $State.groups) { if ([string]::Equals([string]$group.distinguishedName, $DistinguishedName, $ignoreCase)) { return $group } }
    return $null
}

function Get-SimDirectoryKeys($State, $Object, [bool] $WithPaths = $true) {
    # Every string Exchange accepts as the identity of a user, mailbox or group. The two path forms
    # (DOMAIN\sam and the canonical name) always hold a "\" or a "/": without $WithPaths they are left out,
    # for a caller that knows the identity it looks for has neither.
    $keys = [System.Collections.Generic.List[string]]::new()
    $keys.Add($Object.name)
    $keys.Add($Object.samAccountName)
    $keys.Add($Object.distinguishedName)
    $keys.Add($Object.guid)
    if ($WithPaths) {
        $keys.Add($State.organization.netbiosName + '\' + $Object.samAccountName)
        $keys.Add((ConvertTo-SimCanonicalName $State $Object.distinguishedName $Object.name))
    }
    if (Test-SimIsGroup $Object) {
        if ($Object.primarySmtpAddress) { $keys.Add($Object.primarySmtpAddress); $keys.Add('smtp:' + $Object.primarySmtpAddress) }
    } else {
        $keys.Add($Object.userPrincipalName)
        if ($null -ne $Object.mailbox) {
            $keys.Add($Object.mailbox.alias)
            $keys.Add($Object.mailbox.displayName)
            $keys.Add($Object.mailbox.primarySmtpAddress)
            foreach ($proxy in $Object.mailbox.emailAddresses) {
                $keys.Add($proxy)
                $keys.Add(($proxy -replace '^[^:]*:', ''))
            }
        }
    }
    return ,$keys.ToArray()
}

function Get-SimNamedKeys($State, $Object, [string] $Kind) {
    # Role assignments, scopes and virtual directories are named by name, guid or distinguished name.
    switch ($Kind) {
        'Assignment' { return ,@($Object.name, $Object.guid, (Get-SimRbacDistinguishedName $State 'Role Assignments' $Object.name)) }
        'Scope' { return ,@($Object.name, $Object.guid, (Get-SimRbacDistinguishedName $State 'Scopes' $Object.name)) }
        'VirtualDirectory' { return ,@(($Object.server + '\' + $Object.name), $Object.name) }
    }
}

function Find-SimByIdentity($State, [object[]] $Items, [string] $Identity, [string] $Kind = 'Directory') {
    $found = [System.Collections.Generic.List[object]]::new()
    if (-not $Identity) { return ,$found.ToArray() }
    # One set lookup per key: this runs over every object in the directory (50,000 in the benchmark).
    $wanted = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    [void]$wanted.Add($Identity)
    $parsedGuid = [guid]::Empty
    if ([guid]::TryParse($Identity, [ref]$parsedGuid)) { [void]$wanted.Add($parsedGuid.ToString()) }
    $withPaths = $Identity.Contains('\') -or $Identity.Contains('/')
    foreach ($item in $Items) {
        if ($Kind -eq 'Directory') { $keys = Get-SimDirectoryKeys $State $item $withPaths }
        else { $keys = Get-SimNamedKeys $State $item $Kind }
        foreach ($key in $keys) {
            if ($null -ne $key -and $wanted.Contains($key)) { $found.Add($item); break }
        }
    }
    return ,$found.ToArray()
}

function Resolve-SimIdentity($State, [object[]] $Items, [string] $Identity, [string] $Kind = 'Directory', [string] $NotFoundMessage) {
    $found = Find-SimByIdentity $State $Items $Identity $Kind
    if ($found.Count -eq 0) {
        if ($NotFoundMessage) { throw [ManagementObjectNotFoundException]::new($NotFoundMessage) }
        throw (New-SimNotFound $State $Identity)
    }
    if ($found.Count -gt 1) { throw [ManagementObjectAmbiguousException]::new(($script:Messages.ObjectAmbiguous -f $Identity)) }
    return $found[0]
}

function Select-SimByIdentity($State, [object[]] $Items, [System.Collections.IDictionary] $Bound) {
    # The Get- cmdlets' common selection: -Identity names exactly one (or fails as Exchange does); without it,
    # the first -ResultSize items.
    if ($Bound.ContainsKey('Identity')) { return ,@(Resolve-SimIdentity $State $Items $Bound['Identity']) }
    return Select-SimResultSize $Items $Bound['ResultSize']
}

function Get-SimMembershipIndex($State) {
    # Member DN -> the groups that list it, in state order: built once by a cmdlet that asks for the groups
    # of every object it lists, instead of scanning every group's members for each object.
    $index = [System.Collections.Generic.Dictionary[string, System.Collections.Generic.List[object]]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($group in $State.groups) {
        foreach ($member in $group.members) {
            $groups = $null
            if (-not $index.TryGetValue($member, [ref]$groups)) {
                $groups = [System.Collections.Generic.List[object]]::new()
                $index[$member] = $groups
            }
            $groups.Add($group)
        }
    }
    return ,$index
}

function Get-SimGroupsOf($State, [string] $MemberDistinguishedName, [switch] $Recurse, [switch] $SecurityOnly, $Memberships) {
    # Groups that list the member; with -Recurse also the groups containing those groups (cycles are safe).
    # $Memberships (Get-SimMembershipIndex of the same state) saves the scan.
    $result = [System.Collections.Generic.List[object]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    $pending = [System.Collections.Generic.Queue[string]]::new()
    $pending.Enqueue($MemberDistinguishedName)
    if ($null -eq $Memberships) { $Memberships = Get-SimMembershipIndex $State }
    while ($pending.Count -gt 0) {
        $current = $pending.Dequeue()
        $listing = $null
        if (-not $Memberships.TryGetValue($current, [ref]$listing)) { continue }
        foreach ($group in $listing) {
            if ($SecurityOnly -and -not (Test-SimTextIn $group.recipientTypeDetails $script:SecurityGroupTypes)) { continue }
            if (-not $seen.Add($group.distinguishedName)) { continue }
            $result.Add($group)
            if ($Recurse) { $pending.Enqueue($group.distinguishedName) }
        }
    }
    return ,$result.ToArray()
}

function Get-SimDynamicGroupMembers($State, $Group) {
    # What Exchange computes for a dynamic group: the recipients its filter selects under its container.
    $tree = ConvertFrom-SimFilter $Group.recipientFilter
    $memberships = Get-SimMembershipIndex $State
    $result = [System.Collections.Generic.List[object]]::new()
    foreach ($recipient in (Get-SimRecipients $State)) {
        if (Test-SimDynamicGroup $recipient) { continue }
        $facts = Get-SimDirectoryFacts $State $recipient $memberships
        if ($Group.recipientContainer -and -not (Test-SimUnderContainer $facts $Group.recipientContainer)) { continue }
        if (Test-SimFilter $tree $facts) { $result.Add($recipient) }
    }
    return ,$result.ToArray()
}

function Get-SimGroupMemberUsers($State, $Group) {
    # Users in the group or in any group nested inside it, each once (cycles are safe).
    $result = [System.Collections.Generic.List[object]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    [void]$seen.Add($Group.distinguishedName)
    $pending = [System.Collections.Generic.Queue[object]]::new()
    $pending.Enqueue($Group)
    while ($pending.Count -gt 0) {
        $current = $pending.Dequeue()
        $memberDns = $current.members
        if (Test-SimDynamicGroup $current) { $memberDns = @(Get-SimDynamicGroupMembers $State $current | ForEach-Object { $_.distinguishedName }) }
        foreach ($memberDn in $memberDns) {
            if (-not $seen.Add($memberDn)) { continue }
            $member = Find-SimByDistinguishedName $State $memberDn
            if ($null -eq $member) { continue }
            if (Test-SimIsGroup $member) { $pending.Enqueue($member) } else { $result.Add($member) }
        }
    }
    return ,$result.ToArray()
}

function Get-SimDirectoryFacts($State, $Object, $Memberships) {
    # One property bag per user or group, named as Exchange and the AD module name them. Filters are
    # evaluated against it and the output objects are read from it. A cmdlet that lists many objects
    # passes $Memberships (Get-SimMembershipIndex), built once for all of them.
    $isGroup = Test-SimIsGroup $Object
    if ($null -eq $Memberships) { $Memberships = Get-SimMembershipIndex $State }
    # The groups that list it directly, each once (Get-SimGroupsOf without -Recurse, inlined: this runs per object).
    $memberOf = [System.Collections.Generic.List[string]]::new()
    $listing = $null
    if ($Memberships.TryGetValue([string]$Object.distinguishedName, [ref]$listing)) {
        $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($group in $listing) { if ($seen.Add($group.distinguishedName)) { $memberOf.Add($group.distinguishedName) } }
    }
    $facts = @{
        Name              = $Object.name
        SamAccountName    = $Object.samAccountName
        DistinguishedName = $Object.distinguishedName
        OrganizationalUnit = ConvertTo-SimContainerCanonicalName $State (Get-SimParentDistinguishedName $Object.distinguishedName)
        Identity          = ConvertTo-SimCanonicalName $State $Object.distinguishedName $Object.name
        Guid              = $Object.guid
        MemberOfGroup     = $memberOf.ToArray()
        Title             = $null
        Department        = $null
    }
    if ($isGroup) {
        $type = [string]$Object.recipientTypeDetails
        # Only a mail-enabled group has an alias.
        if ($Object.primarySmtpAddress) { $facts.Alias = $Object.samAccountName } else { $facts.Alias = $null }
        $facts.DisplayName = $Object.name
        $facts.RecipientTypeDetails = $type
        # A group that is not mail-enabled is RecipientType Group; a mail-enabled one is its own type.
        if (Test-SimMailEnabledGroup $Object) { $facts.RecipientType = $type } else { $facts.RecipientType = 'Group' }
        $facts.PrimarySmtpAddress = $Object.primarySmtpAddress
        if ($Object.primarySmtpAddress) { $facts.EmailAddresses = @('SMTP:' + $Object.primarySmtpAddress) } else { $facts.EmailAddresses = @() }
        $facts.UserPrincipalName = $null
        $facts.Enabled = $true
        $facts.GivenName = $null
        $facts.Surname = $null
    } else {
        $facts.UserPrincipalName = $Object.userPrincipalName
        $facts.Enabled = [bool]$Object.enabled
        $nameParts = ([string]$Object.name).Split([char]' ', 2)
        if ($nameParts.Count -eq 2) { $facts.GivenName = $nameParts[0]; $facts.Surname = $nameParts[1] }
        else { $facts.GivenName = $null; $facts.Surname = $null }
        $mailbox = $Object.mailbox
        if ($null -ne $mailbox) {
            $facts.Alias = $mailbox.alias
            $facts.DisplayName = $mailbox.displayName
            $facts.RecipientType = 'UserMailbox'
            $facts.RecipientTypeDetails = $mailbox.recipientTypeDetails
            $facts.PrimarySmtpAddress = $mailbox.primarySmtpAddress
            $facts.EmailAddresses = @($mailbox.emailAddresses)
        } else {
            $facts.Alias = $null
            $facts.DisplayName = $Object.name
            $facts.RecipientType = 'User'
            $facts.RecipientTypeDetails = 'User'
            $facts.PrimarySmtpAddress = $null
            $facts.EmailAddresses = @()
        }
    }
    $facts.mail = $facts.PrimarySmtpAddress
    $facts.EmailAddress = $facts.PrimarySmtpAddress
    return $facts
}
