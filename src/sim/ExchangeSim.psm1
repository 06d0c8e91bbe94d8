# ExchangeSim.psm1: a simulated Exchange Management Shell (plus Get-ADUser) over one JSON state file.
#
# The module is copied next to its state: state.json lives in $PSScriptRoot, or in $env:IMP_SIM_STATE_DIR
# when that is set. The schema is src/sim/state.ts. Every exported cmdlet reads the state afresh and appends
# one line to calls.jsonl, so tests can prove which cmdlets ran, with which values, from which process.
#
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7. Identities, names and filters are data only:
# nothing here evaluates them, and filters go through a real tokenizer and parser.
# Facts about real Exchange come from ../../../shared/reference/exchange.md; texts it marks UNCONFIRMED
# are kept in $script:Messages so they are easy to correct.

Set-StrictMode -Version 2.0

#region Exceptions
# CategoryInfo.Reason shows the exception's type name, so the class names are the ones Exchange and the
# ActiveDirectory module throw. SimException carries the category and target the error record needs.
class SimException : System.Exception {
    [System.Management.Automation.ErrorCategory] $Category = [System.Management.Automation.ErrorCategory]::NotSpecified
    [object] $Target = $null
    SimException([string] $message) : base($message) {}
}
class ManagementObjectNotFoundException : SimException {
    ManagementObjectNotFoundException([string] $message) : base($message) {}
}
class ManagementObjectAmbiguousException : SimException {
    ManagementObjectAmbiguousException([string] $message) : base($message) {}
}
class ADObjectAlreadyExistsException : SimException {
    ADObjectAlreadyExistsException([string] $message) : base($message) {}
}
class DataValidationException : SimException {
    DataValidationException([string] $message) : base($message) {}
}
class InvalidFilterException : SimException {
    InvalidFilterException([string] $message) : base($message) { $this.Category = 'InvalidArgument' }
}
class ManagementScopeInUseException : SimException {
    ManagementScopeInUseException([string] $message) : base($message) {}
}
class SimStateLockedException : SimException {
    SimStateLockedException([string] $message) : base($message) { $this.Category = 'ResourceBusy' }
}
class ADIdentityNotFoundException : SimException {
    ADIdentityNotFoundException([string] $message, [object] $target) : base($message) {
        $this.Category = 'ObjectNotFound'
        $this.Target = $target
    }
}
#endregion

#region Constants
$script:Messages = @{
    ObjectNotFound           = "The operation couldn't be performed because object '{0}' couldn't be found on '{1}'."
    ObjectAmbiguous          = "The operation couldn't be performed because '{0}' matches multiple entries."
    NameTooLong              = 'The length of the property is too long. The maximum length is {0} and the length of the value provided is {1}.'
    ADIdentityNotFound       = "Cannot find an object with identity: '{0}' under: '{1}'."
    # UNCONFIRMED texts (reference sections 1 and 3): Exchange's resource strings are not public.
    RoleNotFound             = 'The role "{0}" couldn''t be found.'
    ScopeNotFound            = 'The management scope "{0}" couldn''t be found.'
    AssignmentExists         = 'The role assignment "{0}" already exists.'
    ScopeExists              = 'The management scope "{0}" already exists.'
    ScopeInUse               = 'The management scope "{0}" is in use by role assignment "{1}".'
    InvalidFilter            = 'Invalid filter syntax. {0} For a description of the filter parameter syntax see the command help. "{1}" at position {2}.'
    AssignmentMethodAlone    = 'The AssignmentMethod parameter can only be used together with the RoleAssignee parameter.'
    RelativeScopeUnsupported = 'The simulated Exchange supports only the Organization recipient write scope, not "{0}".'
    # The simulator's own trouble, not an Exchange text.
    StateLocked              = 'The simulated Exchange state is locked by another process: "{0}".'
}

$script:ImpersonationRole = 'ApplicationImpersonation'
$script:MaxNameLength = 64
$script:SecurityGroupTypes = @('RoleGroup', 'MailUniversalSecurityGroup')
$script:ExchangeTaskNamespaces = @{
    Mailbox                     = 'RecipientTasks'
    Recipient                   = 'RecipientTasks'
    Group                       = 'RecipientTasks'
    DistributionGroupMember     = 'RecipientTasks'
    ManagementRoleAssignment    = 'RbacTasks'
    ManagementScope             = 'RbacTasks'
    WebServicesVirtualDirectory = 'SystemConfigurationTasks'
}
# Properties a filter may name. Title and Department exist in Exchange but not in the simulated directory,
# so they are always $null.
$script:FilterProperties = @(
    'RecipientTypeDetails', 'RecipientType', 'Alias', 'Name', 'DisplayName', 'PrimarySmtpAddress', 'EmailAddresses',
    'DistinguishedName', 'Guid', 'MemberOfGroup', 'Title', 'Department', 'SamAccountName', 'UserPrincipalName',
    'mail', 'EmailAddress', 'Enabled', 'GivenName', 'Surname'
)
$script:ADExtraProperties = @(
    'EmailAddress', 'LockedOut', 'mail', 'msDS-UserPasswordExpiryTimeComputed', 'PasswordExpired',
    'PasswordLastSet', 'PasswordNeverExpires', 'pwdLastSet'
)
# A fixed domain part keeps each simulated user's SID stable across runs.
$script:DomainSid = 'S-1-5-21-1004336348-1177238915-682003330'

$script:Utf8NoBom = [System.Text.UTF8Encoding]::new($false)
$script:Invariant = [System.Globalization.CultureInfo]::InvariantCulture
$script:ExchangeServer = 'EX01'
# PowerShell 6+ turns ISO date strings into DateTime while parsing JSON; 7.5+ can be told not to.
$script:FromJsonOptions = @{}
$script:RepairJsonDates = $false
if ((Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')) {
    $script:FromJsonOptions['DateKind'] = 'String'
} elseif ($PSVersionTable.PSVersion.Major -ge 6) {
    $script:RepairJsonDates = $true
}
#endregion

#region State file, lock and call log
function Get-SimStateDirectory {
    if ($env:IMP_SIM_STATE_DIR) { return $env:IMP_SIM_STATE_DIR }
    return $PSScriptRoot
}

function Lock-SimState {
    # The lock is a file only one process can create; it guards every read-modify-write and log append.
    $directory = Get-SimStateDirectory
    $path = Join-Path $directory 'state.lock'
    for ($attempt = 1; $attempt -le 50; $attempt++) {
        try {
            return [System.IO.FileStream]::new($path, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
        } catch {
            # A missing state directory is not a busy lock: report it as it is.
            if (-not [System.IO.Directory]::Exists($directory)) { throw }
            Remove-SimStaleLock $path
            Start-Sleep -Milliseconds 10
        }
    }
    throw [SimStateLockedException]::new(($script:Messages.StateLocked -f $path))
}

function Remove-SimStaleLock([string] $Path) {
    # A process killed while holding the lock must not wedge every later call; a live holder needs milliseconds.
    try {
        $info = [System.IO.FileInfo]::new($Path)
        if ($info.Exists -and $info.LastWriteTimeUtc -lt [DateTime]::UtcNow.AddSeconds(-30)) { $info.Delete() }
    } catch {
        Write-Debug "Stale lock check failed: $($_.Exception.Message)"
    }
}

function Unlock-SimState([System.IO.FileStream] $Lock) {
    $path = $Lock.Name
    $Lock.Dispose()
    [System.IO.File]::Delete($path)
}

function Read-SimTextFile([string] $Path) {
    # FileShare.Delete lets another process replace the file while this one reads it (matters on Windows).
    $share = [System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete
    $stream = [System.IO.FileStream]::new($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
    try {
        $reader = [System.IO.StreamReader]::new($stream, $script:Utf8NoBom, $true)
        return $reader.ReadToEnd()
    } finally {
        $stream.Dispose()
    }
}

function Read-SimState {
    $text = Read-SimTextFile (Join-Path (Get-SimStateDirectory) 'state.json')
    $options = $script:FromJsonOptions
    $state = ConvertFrom-Json -InputObject $text @options
    if ($script:RepairJsonDates) { Repair-SimJsonDate $state }
    Repair-SimStateShape $state
    $script:ExchangeServer = [string]$state.organization.exchangeServer
    return $state
}

function Write-SimState($State) {
    Repair-SimStateShape $State
    $json = ConvertTo-Json -InputObject $State -Depth 20
    $directory = Get-SimStateDirectory
    $target = Join-Path $directory 'state.json'
    $temporary = Join-Path $directory ('state.json.{0}.{1}.tmp' -f $PID, [guid]::NewGuid().ToString('N'))
    [System.IO.File]::WriteAllText($temporary, $json, $script:Utf8NoBom)
    try {
        Move-SimFileIntoPlace $temporary $target
    } finally {
        if ([System.IO.File]::Exists($temporary)) { [System.IO.File]::Delete($temporary) }
    }
}

function Move-SimFileIntoPlace([string] $Source, [string] $Target) {
    for ($attempt = 1; ; $attempt++) {
        try {
            if ([System.IO.File]::Exists($Target)) {
                # PowerShell passes $null to a .NET string parameter as "", which Replace rejects.
                [System.IO.File]::Replace($Source, $Target, [System.Management.Automation.Language.NullString]::Value)
            } else {
                [System.IO.File]::Move($Source, $Target)
            }
            return
        } catch {
            # On Windows a reader that did not share Delete can hold the target for a moment.
            if ($attempt -ge 20) { throw }
            Start-Sleep -Milliseconds 10
        }
    }
}

function Repair-SimStateShape($State) {
    # Pipelines and ConvertFrom-Json may leave a 0- or 1-element list as $null or a scalar; the file keeps JSON arrays.
    foreach ($name in 'users', 'groups', 'assignments', 'scopes', 'webServicesVirtualDirectories') {
        Set-SimArrayProperty $State $name
    }
    foreach ($user in $State.users) {
        if ($null -ne $user.mailbox) { Set-SimArrayProperty $user.mailbox 'emailAddresses' -AsString }
    }
    foreach ($group in $State.groups) { Set-SimArrayProperty $group 'members' -AsString }
}

function Set-SimArrayProperty($Object, [string] $Name, [switch] $AsString) {
    $items = [System.Collections.Generic.List[object]]::new()
    $property = $Object.PSObject.Properties[$Name]
    if ($null -ne $property) {
        foreach ($item in $property.Value) {
            if ($null -eq $item) { continue }
            if ($AsString) { $items.Add([string]$item) } else { $items.Add($item) }
        }
    }
    # Assigned straight from ToArray(), never through a pipeline: on 5.1 a PSObject-wrapped array
    # serializes as {"value":[...],"Count":n}.
    if ($null -eq $property) {
        Add-Member -InputObject $Object -MemberType NoteProperty -Name $Name -Value $items.ToArray()
    } else {
        $Object.$Name = $items.ToArray()
    }
}

function Repair-SimJsonDate($Node) {
    if ($Node -is [System.Management.Automation.PSCustomObject]) {
        foreach ($property in $Node.PSObject.Properties) {
            if ($property.Value -is [datetime]) { $property.Value = ConvertTo-SimIsoText $property.Value }
            else { Repair-SimJsonDate $property.Value }
        }
    } elseif ($Node -is [System.Array]) {
        for ($i = 0; $i -lt $Node.Length; $i++) {
            if ($Node[$i] -is [datetime]) { $Node[$i] = ConvertTo-SimIsoText $Node[$i] }
            else { Repair-SimJsonDate $Node[$i] }
        }
    }
}

function Write-SimCallLog([string] $Command, [System.Collections.IDictionary] $BoundParameters) {
    $parameters = [ordered]@{}
    foreach ($key in $BoundParameters.Keys) {
        $value = $BoundParameters[$key]
        if ($value -is [System.Management.Automation.SwitchParameter]) { $parameters[$key] = $value.IsPresent }
        elseif ($null -eq $value -or $value -is [string] -or $value -is [bool]) { $parameters[$key] = $value }
        elseif ($value -is [System.Collections.IEnumerable]) { $parameters[$key] = [string[]]$value }
        else { $parameters[$key] = [string]$value }
    }
    $entry = [ordered]@{
        time       = [DateTime]::UtcNow.ToString('o', $script:Invariant)
        pid        = $PID
        cmdlet     = $Command
        parameters = $parameters
    }
    $line = (ConvertTo-Json -InputObject $entry -Depth 5 -Compress) + "`n"
    # Appends from several processes are serialized by the same lock as state changes.
    $lock = Lock-SimState
    try {
        [System.IO.File]::AppendAllText((Join-Path (Get-SimStateDirectory) 'calls.jsonl'), $line, $script:Utf8NoBom)
    } finally {
        Unlock-SimState $lock
    }
}
#endregion

#region Errors
function ConvertTo-SimErrorRecord([System.Management.Automation.ErrorRecord] $ErrorRecord, [string] $Command) {
    $exception = $ErrorRecord.Exception
    if (-not ($exception -is [SimException])) { return $ErrorRecord }
    $verb, $noun = $Command.Split('-', 2)
    $typeName = $exception.GetType().Name
    if ($noun -eq 'ADUser') {
        $errorId = 'ActiveDirectoryCmdlet:Microsoft.ActiveDirectory.Management.{0},Microsoft.ActiveDirectory.Management.Commands.{1}{2}' -f $typeName, $verb, $noun
    } else {
        # The shape of a remote Exchange error id; the hex code is an internal hash Exchange does not document.
        $timeStamp = [DateTime]::UtcNow.ToString('M/d/yyyy h:mm:ss tt', $script:Invariant)
        $errorId = '[Server={0},RequestId={1},TimeStamp={2}] [FailureCategory=Cmdlet-{3}] E3DE7D95,Microsoft.Exchange.Management.{4}.{5}{6}' -f `
            $script:ExchangeServer, [guid]::NewGuid(), $timeStamp, $typeName, $script:ExchangeTaskNamespaces[$noun], $verb, $noun
    }
    return [System.Management.Automation.ErrorRecord]::new($exception, $errorId, $exception.Category, $exception.Target)
}

function New-SimNotFound($State, [string] $Identity) {
    return [ManagementObjectNotFoundException]::new(($script:Messages.ObjectNotFound -f $Identity, $State.organization.domainController))
}

function Assert-SimNameLength([string] $Name) {
    if ($Name.Length -gt $script:MaxNameLength) {
        throw [DataValidationException]::new(($script:Messages.NameTooLong -f $script:MaxNameLength, $Name.Length))
    }
}
#endregion

#region Small helpers
function Test-SimText([string] $Left, [string] $Right) {
    return [string]::Equals($Left, $Right, [System.StringComparison]::OrdinalIgnoreCase)
}

function Test-SimTextIn([string] $Value, [string[]] $List) {
    foreach ($item in $List) { if (Test-SimText $Value $item) { return $true } }
    return $false
}

function ConvertTo-SimIsoText([datetime] $Time) {
    # The same shape as JavaScript's toISOString(), which writes the seeded state.
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", $script:Invariant)
}

function ConvertTo-SimUtcDate([string] $Text) {
    return [DateTimeOffset]::Parse($Text, $script:Invariant).UtcDateTime
}

function Get-SimDerivedGuid([string] $Guid, [string] $Purpose) {
    # Stable per object: Exchange has a separate ExchangeGuid that the state does not store.
    # SHA-256 rather than MD5, which FIPS-enforcing Windows refuses.
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $hash = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes("$Purpose/$Guid"))
        return [guid]::new([byte[]]$hash[0..15])
    } finally {
        $sha.Dispose()
    }
}

function Select-SimResultSize([object[]] $Items, [string] $ResultSize) {
    if (-not $ResultSize -or (Test-SimText $ResultSize 'Unlimited')) { return ,$Items }
    $limit = [int]$ResultSize
    if ($Items.Count -le $limit) { return ,$Items }
    if ($limit -eq 0) { return ,@() }
    return ,$Items[0..($limit - 1)]
}

function ConvertTo-SimCanonicalName($State, [string] $DistinguishedName, [string] $Name) {
    # contoso.com/Contoso/Users/Booking Service: the DN read backwards. The object's own name is taken
    # as a whole, so commas or slashes in it cannot break the parse.
    $prefix = 'CN=' + $Name + ','
    if ($DistinguishedName.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) {
        $parent = $DistinguishedName.Substring($prefix.Length)
    } else {
        $parent = [regex]::new('(?<!\\),').Split($DistinguishedName, 2)[-1]
    }
    $domainParts = [System.Collections.Generic.List[string]]::new()
    $pathParts = [System.Collections.Generic.List[string]]::new()
    foreach ($rdn in [regex]::Split($parent, '(?<!\\),')) {
        $value = ($rdn -replace '^[^=]*=', '') -replace '\\(.)', '$1'
        if ($rdn.StartsWith('DC=', [System.StringComparison]::OrdinalIgnoreCase)) { $domainParts.Add($value) }
        else { $pathParts.Insert(0, $value) }
    }
    $parts = [System.Collections.Generic.List[string]]::new()
    $parts.Add(($domainParts -join '.'))
    $parts.AddRange($pathParts)
    $parts.Add($Name.Replace('/', '\/'))
    return ($parts -join '/')
}
#endregion

#region Directory: users, groups, recipients and identities
function Test-SimIsGroup($Object) {
    return $null -ne $Object.PSObject.Properties['members']
}

function Test-SimMailEnabledGroup($Group) {
    return ($Group.recipientTypeDetails -ne 'RoleGroup') -and [bool]$Group.primarySmtpAddress
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
    foreach ($user in $State.users) { if (Test-SimText $user.distinguishedName $DistinguishedName) { return $user } }
    foreach ($group in $State.groups) { if (Test-SimText $group.distinguishedName $DistinguishedName) { return $group } }
    return $null
}

function Get-SimDirectoryKeys($State, $Object) {
    # Every string Exchange accepts as the identity of a user, mailbox or group.
    $keys = [System.Collections.Generic.List[string]]::new()
    $keys.Add($Object.name)
    $keys.Add($Object.samAccountName)
    $keys.Add($State.organization.netbiosName + '\' + $Object.samAccountName)
    $keys.Add($Object.distinguishedName)
    $keys.Add($Object.guid)
    $keys.Add((ConvertTo-SimCanonicalName $State $Object.distinguishedName $Object.name))
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
    $wanted = @($Identity)
    $parsedGuid = [guid]::Empty
    if ([guid]::TryParse($Identity, [ref]$parsedGuid)) { $wanted += $parsedGuid.ToString() }
    foreach ($item in $Items) {
        if ($Kind -eq 'Directory') { $keys = Get-SimDirectoryKeys $State $item }
        else { $keys = Get-SimNamedKeys $State $item $Kind }
        foreach ($key in $keys) {
            if (Test-SimTextIn $key $wanted) { $found.Add($item); break }
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

function Get-SimGroupsOf($State, [string] $MemberDistinguishedName, [switch] $Recurse, [switch] $SecurityOnly) {
    # Groups that list the member; with -Recurse also the groups containing those groups (cycles are safe).
    $result = [System.Collections.Generic.List[object]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    $pending = [System.Collections.Generic.Queue[string]]::new()
    $pending.Enqueue($MemberDistinguishedName)
    while ($pending.Count -gt 0) {
        $current = $pending.Dequeue()
        foreach ($group in $State.groups) {
            if ($SecurityOnly -and -not (Test-SimTextIn $group.recipientTypeDetails $script:SecurityGroupTypes)) { continue }
            if (-not (Test-SimTextIn $current $group.members)) { continue }
            if (-not $seen.Add($group.distinguishedName)) { continue }
            $result.Add($group)
            if ($Recurse) { $pending.Enqueue($group.distinguishedName) }
        }
    }
    return ,$result.ToArray()
}

function Get-SimGroupMemberUsers($State, $Group) {
    # Users in the group or in any group nested inside it, each once.
    $result = [System.Collections.Generic.List[object]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    [void]$seen.Add($Group.distinguishedName)
    $pending = [System.Collections.Generic.Queue[object]]::new()
    $pending.Enqueue($Group)
    while ($pending.Count -gt 0) {
        foreach ($memberDn in $pending.Dequeue().members) {
            if (-not $seen.Add($memberDn)) { continue }
            $member = Find-SimByDistinguishedName $State $memberDn
            if ($null -eq $member) { continue }
            if (Test-SimIsGroup $member) { $pending.Enqueue($member) } else { $result.Add($member) }
        }
    }
    return ,$result.ToArray()
}

function Get-SimDirectoryFacts($State, $Object) {
    # One property bag per user or group, named as Exchange and the AD module name them. Filters are
    # evaluated against it and the output objects are read from it.
    $isGroup = Test-SimIsGroup $Object
    $memberOf = [System.Collections.Generic.List[string]]::new()
    foreach ($group in (Get-SimGroupsOf $State $Object.distinguishedName)) { $memberOf.Add($group.distinguishedName) }
    $facts = @{
        Name              = $Object.name
        SamAccountName    = $Object.samAccountName
        DistinguishedName = $Object.distinguishedName
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
        if ($type -eq 'RoleGroup') { $facts.RecipientType = 'Group' } else { $facts.RecipientType = $type }
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
#endregion

#region OPATH filters
# Grammar: or := and (-or and)* ; and := unary (-and unary)* ; unary := (-not | !) unary | primary ;
# primary := '(' or ')' | Property (-eq|-ne|-like|-notlike) Value. Values are quoted strings (a doubled
# quote escapes it), bare words, or $null/$true/$false. The filter text is never executed.
# The same grammar as the EWS side's src/sim/recipient-filter.ts, so both halves of the simulator agree.
# Typographic quotes count as quotes, as they do for PowerShell: U+2018-U+201B like ' and U+201C-U+201E like ".
$script:SingleQuotes = "'" + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B
$script:DoubleQuotes = '"' + [char]0x201C + [char]0x201D + [char]0x201E
$script:FilterWordStops = '()!' + $script:SingleQuotes + $script:DoubleQuotes
function Stop-SimFilter([string] $Filter, [string] $Detail, [int] $Position) {
    throw [InvalidFilterException]::new(($script:Messages.InvalidFilter -f $Detail, $Filter, $Position))
}

function Get-SimFilterTokens([string] $Filter) {
    $tokens = [System.Collections.Generic.List[object]]::new()
    $i = 0
    while ($i -lt $Filter.Length) {
        $c = $Filter[$i]
        if ([char]::IsWhiteSpace($c)) { $i++; continue }
        $start = $i
        if ($c -eq [char]'(' -or $c -eq [char]')') {
            $tokens.Add(@{ Type = [string]$c; Value = [string]$c; Position = $start }); $i++; continue
        }
        if ($c -eq [char]'!') {
            $tokens.Add(@{ Type = 'not'; Value = '!'; Position = $start }); $i++; continue
        }
        $quotes = $null
        if ($script:SingleQuotes.IndexOf($c) -ge 0) { $quotes = $script:SingleQuotes }
        elseif ($script:DoubleQuotes.IndexOf($c) -ge 0) { $quotes = $script:DoubleQuotes }
        if ($null -ne $quotes) {
            $quoted = Read-SimFilterQuoted $Filter $start $quotes
            $tokens.Add(@{ Type = 'Value'; Value = $quoted.Value; Position = $start })
            $i = $quoted.Next
            continue
        }
        # A word runs to the next space, parenthesis, "!" or quote.
        while ($i -lt $Filter.Length -and -not [char]::IsWhiteSpace($Filter[$i]) -and $script:FilterWordStops.IndexOf($Filter[$i]) -lt 0) { $i++ }
        $word = $Filter.Substring($start, $i - $start)
        if ($c -eq [char]'-') {
            $operator = $word.Substring(1).ToLowerInvariant()
            if ($operator -in 'eq', 'ne', 'like', 'notlike') { $tokens.Add(@{ Type = 'Comparison'; Value = $operator; Position = $start }) }
            elseif ($operator -in 'and', 'or', 'not') { $tokens.Add(@{ Type = $operator; Value = $operator; Position = $start }) }
            else { Stop-SimFilter $Filter ('"{0}" is not a supported operator.' -f $word) $start }
        } elseif ($c -eq [char]'$') {
            switch ($word.ToLowerInvariant()) {
                '$null' { $tokens.Add(@{ Type = 'Value'; Value = $null; Position = $start }) }
                '$true' { $tokens.Add(@{ Type = 'Value'; Value = 'True'; Position = $start }) }
                '$false' { $tokens.Add(@{ Type = 'Value'; Value = 'False'; Position = $start }) }
                default { Stop-SimFilter $Filter 'Variables are not allowed in a filter.' $start }
            }
        } else {
            $tokens.Add(@{ Type = 'Word'; Value = $word; Position = $start })
        }
    }
    return ,$tokens.ToArray()
}

function Read-SimFilterQuoted([string] $Filter, [int] $Start, [string] $Quotes) {
    # A doubled quote is a literal quote; inside double quotes a backtick also escapes the next character.
    $text = [System.Text.StringBuilder]::new()
    $double = $Quotes[0] -eq [char]'"'
    $i = $Start + 1
    while ($i -lt $Filter.Length) {
        $ch = $Filter[$i]
        if ($Quotes.IndexOf($ch) -ge 0) {
            if ($i + 1 -lt $Filter.Length -and $Quotes.IndexOf($Filter[$i + 1]) -ge 0) { [void]$text.Append($ch); $i += 2; continue }
            return @{ Value = $text.ToString(); Next = $i + 1 }
        }
        if ($double -and $ch -eq [char]'`' -and $i + 1 -lt $Filter.Length) { [void]$text.Append($Filter[$i + 1]); $i += 2; continue }
        [void]$text.Append($ch)
        $i++
    }
    Stop-SimFilter $Filter 'A quoted value is not closed.' $Start
}

function ConvertFrom-SimFilter([string] $Filter) {
    $parser = @{ Filter = $Filter; Tokens = (Get-SimFilterTokens $Filter); Index = 0; Depth = 0 }
    if ($parser.Tokens.Count -eq 0) { Stop-SimFilter $Filter 'The filter is empty.' 0 }
    $tree = Read-SimFilterOr $parser
    if ($parser.Index -lt $parser.Tokens.Count) {
        $token = $parser.Tokens[$parser.Index]
        Stop-SimFilter $Filter ('Unexpected "{0}".' -f $token.Value) $token.Position
    }
    return $tree
}

function Get-SimFilterToken($Parser, [string] $Type) {
    # The current token when it has the given type (any type when none is given), else $null.
    if ($Parser.Index -ge $Parser.Tokens.Count) { return $null }
    $token = $Parser.Tokens[$Parser.Index]
    if ($Type -and $token.Type -ne $Type) { return $null }
    return $token
}

function Read-SimFilterOr($Parser) {
    $left = Read-SimFilterAnd $Parser
    while ($null -ne (Get-SimFilterToken $Parser 'or')) {
        $Parser.Index++
        $left = @{ Kind = 'Or'; Left = $left; Right = (Read-SimFilterAnd $Parser) }
    }
    return $left
}

function Read-SimFilterAnd($Parser) {
    $left = Read-SimFilterUnary $Parser
    while ($null -ne (Get-SimFilterToken $Parser 'and')) {
        $Parser.Index++
        $left = @{ Kind = 'And'; Left = $left; Right = (Read-SimFilterUnary $Parser) }
    }
    return $left
}

function Read-SimFilterUnary($Parser) {
    if ($null -eq (Get-SimFilterToken $Parser 'not')) { return Read-SimFilterPrimary $Parser }
    $Parser.Index++
    Enter-SimFilterNesting $Parser
    $operand = Read-SimFilterUnary $Parser
    $Parser.Depth--
    return @{ Kind = 'Not'; Operand = $operand }
}

function Enter-SimFilterNesting($Parser) {
    # A hostile filter of thousands of parentheses must fail as bad syntax, not as a call-depth overflow.
    $Parser.Depth++
    if ($Parser.Depth -gt 32) { Stop-SimFilter $Parser.Filter 'The filter is nested too deeply.' (Get-SimFilterPosition $Parser) }
}

function Get-SimFilterPosition($Parser) {
    if ($Parser.Index -lt $Parser.Tokens.Count) { return $Parser.Tokens[$Parser.Index].Position }
    return $Parser.Filter.Length
}

function Read-SimFilterPrimary($Parser) {
    $filter = $Parser.Filter
    $token = Get-SimFilterToken $Parser
    if ($null -eq $token) { Stop-SimFilter $filter 'The filter ends too early.' $filter.Length }
    if ($token.Type -eq '(') {
        $Parser.Index++
        Enter-SimFilterNesting $Parser
        $inner = Read-SimFilterOr $Parser
        if ($null -eq (Get-SimFilterToken $Parser ')')) { Stop-SimFilter $filter 'A ")" is missing.' (Get-SimFilterPosition $Parser) }
        $Parser.Index++
        $Parser.Depth--
        return $inner
    }
    if ($token.Type -ne 'Word') { Stop-SimFilter $filter ('Expected a property name, found "{0}".' -f $token.Value) $token.Position }
    $property = $null
    foreach ($known in $script:FilterProperties) { if (Test-SimText $known $token.Value) { $property = $known } }
    if ($null -eq $property) { Stop-SimFilter $filter ('"{0}" is not a recognized filterable property.' -f $token.Value) $token.Position }
    $Parser.Index++

    $operator = Get-SimFilterToken $Parser 'Comparison'
    if ($null -eq $operator) { Stop-SimFilter $filter ('Expected -eq, -ne, -like or -notlike after "{0}".' -f $token.Value) (Get-SimFilterPosition $Parser) }
    $Parser.Index++

    $value = Get-SimFilterToken $Parser
    if ($null -eq $value -or ($value.Type -ne 'Value' -and $value.Type -ne 'Word')) {
        Stop-SimFilter $filter ('Expected a value after "-{0}".' -f $operator.Value) (Get-SimFilterPosition $Parser)
    }
    $Parser.Index++

    $node = @{ Kind = 'Compare'; Property = $property; Operator = $operator.Value; Value = $value.Value; Pattern = $null }
    if ($node.Operator -like '*like' -and $null -ne $node.Value) {
        $node.Pattern = [System.Management.Automation.WildcardPattern]::new($node.Value, [System.Management.Automation.WildcardOptions]::IgnoreCase)
        # Compile now, so a bad pattern such as '[a' is a filter error when the filter is given.
        try { [void]$node.Pattern.IsMatch('') } catch { Stop-SimFilter $filter ('"{0}" is not a valid wildcard pattern.' -f $node.Value) $value.Position }
    }
    return $node
}

function Test-SimFilter($Node, [System.Collections.IDictionary] $Facts) {
    switch ($Node.Kind) {
        'Or' { return (Test-SimFilter $Node.Left $Facts) -or (Test-SimFilter $Node.Right $Facts) }
        'And' { return (Test-SimFilter $Node.Left $Facts) -and (Test-SimFilter $Node.Right $Facts) }
        'Not' { return -not (Test-SimFilter $Node.Operand $Facts) }
    }
    # A multi-valued property matches when any value does; proxy addresses match with or without prefix.
    $values = [System.Collections.Generic.List[string]]::new()
    foreach ($value in $Facts[$Node.Property]) {
        if ($null -eq $value) { continue }
        $values.Add([string]$value)
        if ($Node.Property -eq 'EmailAddresses') { $values.Add(([string]$value -replace '^[^:]*:', '')) }
    }
    if ($null -ne $Node.Pattern) {
        $hit = $false
        foreach ($value in $values) { if ($Node.Pattern.IsMatch($value)) { $hit = $true; break } }
    } elseif ($null -eq $Node.Value) {
        $hit = $values.Count -eq 0
    } else {
        $hit = Test-SimTextIn $Node.Value $values.ToArray()
    }
    if ($Node.Operator -eq 'ne' -or $Node.Operator -eq 'notlike') { return -not $hit }
    return $hit
}
#endregion

#region Output objects
function ConvertTo-SimMailboxOutput($State, $User) {
    $facts = Get-SimDirectoryFacts $State $User
    return [pscustomobject]@{
        Name                 = $facts.Name
        Alias                = $facts.Alias
        DisplayName          = $facts.DisplayName
        RecipientType        = $facts.RecipientType
        RecipientTypeDetails = $facts.RecipientTypeDetails
        PrimarySmtpAddress   = $facts.PrimarySmtpAddress
        EmailAddresses       = [string[]]$facts.EmailAddresses
        UserPrincipalName    = $facts.UserPrincipalName
        SamAccountName       = $facts.SamAccountName
        DistinguishedName    = $facts.DistinguishedName
        Identity             = $facts.Identity
        Guid                 = [guid]$facts.Guid
        ExchangeGuid         = Get-SimDerivedGuid $facts.Guid 'ExchangeGuid'
        IsMailboxEnabled     = $true
        AccountDisabled      = -not $facts.Enabled
        ServerName           = $State.organization.exchangeServer.ToLowerInvariant()
        Database             = 'DB01'
    }
}

function ConvertTo-SimRecipientOutput($State, $Object) {
    $facts = Get-SimDirectoryFacts $State $Object
    return [pscustomobject]@{
        Name                 = $facts.Name
        Alias                = $facts.Alias
        RecipientType        = $facts.RecipientType
        RecipientTypeDetails = $facts.RecipientTypeDetails
        PrimarySmtpAddress   = $facts.PrimarySmtpAddress
        EmailAddresses       = [string[]]$facts.EmailAddresses
        DistinguishedName    = $facts.DistinguishedName
        Identity             = $facts.Identity
        Guid                 = [guid]$facts.Guid
    }
}

function ConvertTo-SimGroupOutput($State, $Group) {
    $memberNames = [System.Collections.Generic.List[string]]::new()
    foreach ($memberDn in $Group.members) {
        $member = Find-SimByDistinguishedName $State $memberDn
        if ($null -eq $member) { $memberNames.Add($memberDn) } else { $memberNames.Add($member.name) }
    }
    return [pscustomobject]@{
        Name                 = $Group.name
        DisplayName          = $Group.name
        SamAccountName       = $Group.samAccountName
        DistinguishedName    = $Group.distinguishedName
        Identity             = ConvertTo-SimCanonicalName $State $Group.distinguishedName $Group.name
        Guid                 = [guid]$Group.guid
        RecipientTypeDetails = $Group.recipientTypeDetails
        WindowsEmailAddress  = $Group.primarySmtpAddress
        Members              = $memberNames.ToArray()
    }
}

function Get-SimRbacDistinguishedName($State, [string] $Container, [string] $Name) {
    return 'CN={0},CN={1},CN=RBAC,CN={2},CN=Microsoft Exchange,CN=Services,CN=Configuration,{3}' -f `
        $Name, $Container, $State.organization.name, $State.organization.distinguishedName
}

function ConvertTo-SimAssignmentOutput($State, $Assignment, [string] $AssignmentMethod, $EffectiveUserName, [string] $AssignmentChain) {
    $assignee = Find-SimByDistinguishedName $State $Assignment.roleAssignee
    if ($null -eq $assignee) { $assigneeCanonical = $Assignment.roleAssignee }
    else { $assigneeCanonical = ConvertTo-SimCanonicalName $State $assignee.distinguishedName $assignee.name }
    if ($null -eq $EffectiveUserName) { $EffectiveUserName = $Assignment.roleAssigneeName }
    $created = ConvertTo-SimUtcDate $Assignment.whenCreatedUTC
    return [pscustomobject]@{
        RunspaceId                   = [System.Management.Automation.Runspaces.Runspace]::DefaultRunspace.InstanceId
        User                         = $assigneeCanonical
        AssignmentMethod             = $AssignmentMethod
        Identity                     = $Assignment.name
        EffectiveUserName            = $EffectiveUserName
        AssignmentChain              = $AssignmentChain
        RoleAssigneeType             = $Assignment.roleAssigneeType
        RoleAssignee                 = $assigneeCanonical
        Role                         = $Assignment.role
        RoleAssignmentDelegationType = $Assignment.roleAssignmentDelegationType
        CustomRecipientWriteScope    = $Assignment.customRecipientWriteScope
        CustomConfigWriteScope       = $null
        RecipientReadScope           = 'Organization'
        ConfigReadScope              = 'None'
        RecipientWriteScope          = $Assignment.recipientWriteScope
        ConfigWriteScope             = 'None'
        Enabled                      = [bool]$Assignment.enabled
        RoleAssigneeName             = $Assignment.roleAssigneeName
        IsValid                      = $true
        ExchangeVersion              = '0.11 (14.0.550.0)'
        Name                         = $Assignment.name
        DistinguishedName            = Get-SimRbacDistinguishedName $State 'Role Assignments' $Assignment.name
        Guid                         = [guid]$Assignment.guid
        WhenCreated                  = $created.ToLocalTime()
        WhenCreatedUTC               = $created
        WhenChanged                  = $created.ToLocalTime()
        WhenChangedUTC               = $created
        ObjectState                  = 'Unchanged'
    }
}

function ConvertTo-SimScopeOutput($State, $Scope) {
    return [pscustomobject]@{
        Name                 = $Scope.name
        ScopeRestrictionType = 'RecipientScope'
        Exclusive            = [bool]$Scope.exclusive
        RecipientRoot        = $Scope.recipientRoot
        RecipientFilter      = $Scope.recipientFilter
        ServerFilter         = $null
        DatabaseFilter       = $null
        Identity             = $Scope.name
        Guid                 = [guid]$Scope.guid
        WhenCreatedUTC       = ConvertTo-SimUtcDate $Scope.whenCreatedUTC
        DistinguishedName    = Get-SimRbacDistinguishedName $State 'Scopes' $Scope.name
    }
}

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

function Get-SimPasswordExpiryFileTime($State, $User) {
    # msDS-UserPasswordExpiryTimeComputed, rules of MS-ADTS in order (reference section 4).
    if ($User.passwordNeverExpires) { return [int64]::MaxValue }
    if (-not $User.passwordLastSet) { return [int64]0 }
    $maxAgeDays = [double]$State.organization.maxPasswordAgeDays
    if ($maxAgeDays -le 0) { return [int64]::MaxValue }
    return (ConvertTo-SimUtcDate $User.passwordLastSet).AddDays($maxAgeDays).ToFileTimeUtc()
}

function ConvertTo-SimADUserOutput($State, $User, [string[]] $Properties) {
    $facts = Get-SimDirectoryFacts $State $User
    $output = [ordered]@{
        DistinguishedName = $facts.DistinguishedName
        Enabled           = $facts.Enabled
        GivenName         = $facts.GivenName
        Name              = $facts.Name
        ObjectClass       = 'user'
        ObjectGUID        = [guid]$facts.Guid
        SamAccountName    = $facts.SamAccountName
        SID               = Get-SimSid $User.guid
        Surname           = $facts.Surname
        UserPrincipalName = $facts.UserPrincipalName
    }
    $all = Test-SimTextIn '*' $Properties
    foreach ($name in $script:ADExtraProperties) {
        if (-not ($all -or (Test-SimTextIn $name $Properties))) { continue }
        $output[$name] = Get-SimADExtraProperty $State $User $facts $name
    }
    return New-Object -TypeName PSObject -Property $output
}

function Get-SimADExtraProperty($State, $User, $Facts, [string] $Name) {
    switch ($Name) {
        'EmailAddress' { return $Facts.mail }
        'mail' { return $Facts.mail }
        'LockedOut' { return [bool]$User.lockedOut }
        'PasswordNeverExpires' { return [bool]$User.passwordNeverExpires }
        'PasswordLastSet' {
            if (-not $User.passwordLastSet) { return $null }
            return (ConvertTo-SimUtcDate $User.passwordLastSet).ToLocalTime()
        }
        'pwdLastSet' {
            if (-not $User.passwordLastSet) { return [int64]0 }
            return (ConvertTo-SimUtcDate $User.passwordLastSet).ToFileTimeUtc()
        }
        'msDS-UserPasswordExpiryTimeComputed' { return Get-SimPasswordExpiryFileTime $State $User }
        'PasswordExpired' {
            $expiry = Get-SimPasswordExpiryFileTime $State $User
            return ($expiry -ne [int64]::MaxValue) -and ($expiry -le [DateTime]::UtcNow.ToFileTimeUtc())
        }
    }
}

function Get-SimSid([string] $Guid) {
    $relativeId = 1000 + ([BitConverter]::ToUInt32(([guid]$Guid).ToByteArray(), 0) % 1000000)
    return '{0}-{1}' -f $script:DomainSid, $relativeId
}
#endregion

#region Role assignments and scopes
function Find-SimScopeByName($State, [string] $Name) {
    foreach ($scope in $State.scopes) { if (Test-SimText $scope.name $Name) { return $scope } }
    return $null
}

function Resolve-SimScope($State, [string] $Identity) {
    return Resolve-SimIdentity $State $State.scopes $Identity 'Scope' ($script:Messages.ScopeNotFound -f $Identity)
}

function Assert-SimRole([string] $Role) {
    if (-not (Test-SimText $Role $script:ImpersonationRole)) {
        throw [ManagementObjectNotFoundException]::new(($script:Messages.RoleNotFound -f $Role))
    }
}

function Resolve-SimRoleAssignee($State, [string] $Identity) {
    # A role assignee is any AD user (a mailbox is not required) or a role group / security group.
    $users = Find-SimByIdentity $State $State.users $Identity
    if ($users.Count -eq 1) { return $users[0] }
    if ($users.Count -gt 1) { throw [ManagementObjectAmbiguousException]::new(($script:Messages.ObjectAmbiguous -f $Identity)) }
    return Resolve-SimIdentity $State (Get-SimSecurityGroups $State) $Identity
}

function Get-SimGroupAssignmentMethod($Group) {
    if ($Group.recipientTypeDetails -eq 'RoleGroup') { return 'RoleGroup' }
    return 'SecurityGroup'
}

function Get-SimNameSet([object[]] $Items) {
    # Names are unique case-insensitively, as AD's CN is.
    $names = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($item in $Items) { [void]$names.Add($item.name) }
    return ,$names
}

function Get-SimUniqueAssignmentName($State, [string] $Base) {
    # Exchange's auto-name (UNCONFIRMED pattern): <Role>-<Assignee>[-Delegating], made unique with -2, -3, ...
    $taken = Get-SimNameSet $State.assignments
    for ($n = 1; ; $n++) {
        if ($n -eq 1) { $suffix = '' } else { $suffix = '-' + $n }
        $candidate = $Base
        if ($candidate.Length + $suffix.Length -gt $script:MaxNameLength) { $candidate = $candidate.Substring(0, $script:MaxNameLength - $suffix.Length) }
        $candidate += $suffix
        if (-not $taken.Contains($candidate)) { return $candidate }
    }
}

function Test-SimUnderRoot([System.Collections.IDictionary] $Facts, [string] $Root) {
    # A RecipientRoot is an OU given as a DN or a canonical name.
    if ($Facts.DistinguishedName.EndsWith(',' + $Root, [System.StringComparison]::OrdinalIgnoreCase)) { return $true }
    return $Facts.Identity.StartsWith($Root.TrimEnd('/') + '/', [System.StringComparison]::OrdinalIgnoreCase)
}

function Test-SimAssignmentCovers($State, $Assignment, [System.Collections.IDictionary] $Facts) {
    # Delegating assignments let their holder hand the role out; they give no access to recipients.
    if ($Assignment.roleAssignmentDelegationType -ne 'Regular') { return $false }
    if ($Assignment.recipientWriteScope -eq 'Organization') { return $true }
    $scope = Find-SimScopeByName $State $Assignment.customRecipientWriteScope
    if ($null -eq $scope) { return $false }
    if ($scope.recipientRoot -and -not (Test-SimUnderRoot $Facts $scope.recipientRoot)) { return $false }
    return Test-SimFilter (ConvertFrom-SimFilter $scope.recipientFilter) $Facts
}

function Get-SimAssignmentRows($State, [System.Collections.IDictionary] $Bound) {
    # Rows are (assignment, how it reaches the assignee). Without -RoleAssignee every assignment is Direct.
    $candidates = $State.assignments
    if ($Bound.ContainsKey('Identity') -and $Bound['Identity']) {
        $candidates = @(Resolve-SimIdentity $State $State.assignments $Bound['Identity'] 'Assignment')
    }
    $rows = [System.Collections.Generic.List[object]]::new()
    if ($Bound.ContainsKey('RoleAssignee')) {
        $principal = Resolve-SimRoleAssignee $State $Bound['RoleAssignee']
        $viaGroups = @{}  # by distinguished name; PowerShell hashtables ignore case
        foreach ($group in (Get-SimGroupsOf $State $principal.distinguishedName -Recurse -SecurityOnly)) {
            $viaGroups[$group.distinguishedName] = $group
        }
        foreach ($assignment in $candidates) {
            if (Test-SimText $assignment.roleAssignee $principal.distinguishedName) {
                $rows.Add(@{ Assignment = $assignment; Method = 'Direct' })
            } elseif ($viaGroups.ContainsKey([string]$assignment.roleAssignee)) {
                $rows.Add(@{ Assignment = $assignment; Method = (Get-SimGroupAssignmentMethod $viaGroups[[string]$assignment.roleAssignee]) })
            }
        }
    } else {
        foreach ($assignment in $candidates) { $rows.Add(@{ Assignment = $assignment; Method = 'Direct' }) }
    }
    return ,$rows.ToArray()
}

function Test-SimAssignmentRow($State, $Row, [System.Collections.IDictionary] $Bound, $Scope, $RecipientFacts) {
    $assignment = $Row.Assignment
    if ($Bound.ContainsKey('Role') -and -not (Test-SimText $assignment.role $Bound['Role'])) { return $false }
    if ($Bound.ContainsKey('AssignmentMethod') -and -not (Test-SimTextIn $Row.Method $Bound['AssignmentMethod'])) { return $false }
    if ($Bound.ContainsKey('Enabled') -and [bool]$assignment.enabled -ne $Bound['Enabled']) { return $false }
    if ($Bound.ContainsKey('Delegating') -and ($assignment.roleAssignmentDelegationType -ne 'Regular') -ne $Bound['Delegating']) { return $false }
    if ($Bound.ContainsKey('RoleAssigneeType') -and -not (Test-SimText $assignment.roleAssigneeType $Bound['RoleAssigneeType'])) { return $false }
    if ($null -ne $Scope -and -not (Test-SimText $assignment.customRecipientWriteScope $Scope.name)) { return $false }
    if ($null -ne $RecipientFacts -and -not (Test-SimAssignmentCovers $State $assignment $RecipientFacts)) { return $false }
    return $true
}

function ConvertTo-SimEffectiveRows($State, $Row) {
    # -GetEffectiveUsers: a group assignment becomes an "All Group Members" row plus one row per member user.
    $assignment = $Row.Assignment
    $output = [System.Collections.Generic.List[object]]::new()
    $group = $null
    if ($assignment.roleAssigneeType -ne 'User') { $group = Find-SimByDistinguishedName $State $assignment.roleAssignee }
    if ($null -eq $group -or -not (Test-SimIsGroup $group)) {
        $output.Add((ConvertTo-SimAssignmentOutput $State $assignment $Row.Method $assignment.roleAssigneeName ''))
        return ,$output.ToArray()
    }
    $output.Add((ConvertTo-SimAssignmentOutput $State $assignment $Row.Method 'All Group Members' ''))
    $memberMethod = Get-SimGroupAssignmentMethod $group
    foreach ($user in (Get-SimGroupMemberUsers $State $group)) {
        $output.Add((ConvertTo-SimAssignmentOutput $State $assignment $memberMethod $user.name $group.name))
    }
    return ,$output.ToArray()
}

function New-SimAssignmentRecord($State, [System.Collections.IDictionary] $Bound, [string] $ParameterSet) {
    Assert-SimRole $Bound['Role']
    if ($ParameterSet -eq 'User') {
        $assignee = Resolve-SimIdentity $State $State.users $Bound['User']
        $assigneeType = 'User'
    } else {
        $assignee = Resolve-SimIdentity $State (Get-SimSecurityGroups $State) $Bound['SecurityGroup']
        if ($assignee.recipientTypeDetails -eq 'RoleGroup') { $assigneeType = 'RoleGroup' } else { $assigneeType = 'SecurityGroup' }
    }

    $writeScope = 'Organization'
    $scopeName = $null
    if ($Bound.ContainsKey('CustomRecipientWriteScope')) {
        $scopeName = (Resolve-SimScope $State $Bound['CustomRecipientWriteScope']).name
        $writeScope = 'CustomRecipientScope'
    } elseif ($Bound.ContainsKey('RecipientRelativeWriteScope') -and $Bound['RecipientRelativeWriteScope'] -ne 'Organization') {
        throw [DataValidationException]::new(($script:Messages.RelativeScopeUnsupported -f $Bound['RecipientRelativeWriteScope']))
    }

    if ($Bound['Delegating']) { $delegation = 'Delegating' } else { $delegation = 'Regular' }
    if ($Bound.ContainsKey('Name')) {
        $name = [string]$Bound['Name']
        Assert-SimNameLength $name
        if ((Get-SimNameSet $State.assignments).Contains($name)) {
            throw [ADObjectAlreadyExistsException]::new(($script:Messages.AssignmentExists -f $name))
        }
    } else {
        $base = $script:ImpersonationRole + '-' + $assignee.name
        if ($delegation -eq 'Delegating') { $base += '-Delegating' }
        $name = Get-SimUniqueAssignmentName $State $base
    }

    return [pscustomobject]@{
        guid                         = [guid]::NewGuid().ToString()
        name                         = $name
        role                         = $script:ImpersonationRole
        roleAssignee                 = $assignee.distinguishedName
        roleAssigneeName             = $assignee.name
        roleAssigneeType             = $assigneeType
        roleAssignmentDelegationType = $delegation
        customRecipientWriteScope    = $scopeName
        recipientWriteScope          = $writeScope
        enabled                      = $true
        whenCreatedUTC               = ConvertTo-SimIsoText ([DateTime]::UtcNow)
    }
}

function Remove-SimStateItem($State, [string] $Collection, [string] $Guid) {
    $kept = [System.Collections.Generic.List[object]]::new()
    foreach ($item in $State.$Collection) { if (-not (Test-SimText $item.guid $Guid)) { $kept.Add($item) } }
    $State.$Collection = $kept.ToArray()
}

function Find-SimStateItem($State, [string] $Collection, [string] $Guid) {
    foreach ($item in $State.$Collection) { if (Test-SimText $item.guid $Guid) { return $item } }
    return $null
}

function Find-SimScopeAssignment($State, $Scope) {
    foreach ($assignment in $State.assignments) {
        if (Test-SimText $assignment.customRecipientWriteScope $Scope.name) { return $assignment }
    }
    return $null
}
#endregion

#region Cmdlets: recipients
function Get-Mailbox {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [string[]] $RecipientTypeDetails,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $mailboxes = [System.Collections.Generic.List[object]]::new()
        foreach ($user in (Get-SimMailboxUsers $state)) {
            if ($RecipientTypeDetails -and -not (Test-SimTextIn $user.mailbox.recipientTypeDetails $RecipientTypeDetails)) { continue }
            $mailboxes.Add($user)
        }
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $mailboxes.ToArray() $Identity)
        } else {
            $selected = Select-SimResultSize $mailboxes.ToArray() $ResultSize
        }
        $output = foreach ($user in $selected) { ConvertTo-SimMailboxOutput $state $user }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Get-Recipient {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'RecipientPreviewFilter')] [string] $RecipientPreviewFilter,
        [string[]] $RecipientTypeDetails,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $filter = $null
        if ($PSBoundParameters.ContainsKey('RecipientPreviewFilter')) { $filter = ConvertFrom-SimFilter $RecipientPreviewFilter }
        $recipients = [System.Collections.Generic.List[object]]::new()
        foreach ($recipient in (Get-SimRecipients $state)) {
            $facts = Get-SimDirectoryFacts $state $recipient
            if ($RecipientTypeDetails -and -not (Test-SimTextIn $facts.RecipientTypeDetails $RecipientTypeDetails)) { continue }
            if ($null -ne $filter -and -not (Test-SimFilter $filter $facts)) { continue }
            $recipients.Add($recipient)
        }
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $recipients.ToArray() $Identity)
        } else {
            $selected = Select-SimResultSize $recipients.ToArray() $ResultSize
        }
        $output = foreach ($recipient in $selected) { ConvertTo-SimRecipientOutput $state $recipient }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Get-Group {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $state.groups $Identity)
        } else {
            $selected = Select-SimResultSize $state.groups $ResultSize
        }
        $output = foreach ($group in $selected) { ConvertTo-SimGroupOutput $state $group }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Get-DistributionGroupMember {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Identity,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $mailGroups = @($state.groups | Where-Object { Test-SimMailEnabledGroup $_ })
        $group = Resolve-SimIdentity $state $mailGroups $Identity
        # Direct members that are recipients; users without a mailbox are not.
        $members = [System.Collections.Generic.List[object]]::new()
        $recipients = Get-SimRecipients $state
        foreach ($memberDn in $group.members) {
            foreach ($recipient in $recipients) {
                if (Test-SimText $recipient.distinguishedName $memberDn) { $members.Add($recipient) }
            }
        }
        $output = foreach ($member in (Select-SimResultSize $members.ToArray() $ResultSize)) { ConvertTo-SimRecipientOutput $state $member }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}
#endregion

#region Cmdlets: role assignments
function New-ManagementRoleAssignment {
    [CmdletBinding(DefaultParameterSetName = 'User', SupportsShouldProcess = $true)]
    param(
        [Parameter(Position = 0)] [string] $Name,
        [Parameter(Mandatory = $true)] [string] $Role,
        [Parameter(Mandatory = $true, ParameterSetName = 'User')] [string] $User,
        [Parameter(Mandatory = $true, ParameterSetName = 'SecurityGroup')] [string] $SecurityGroup,
        [string] $CustomRecipientWriteScope,
        [switch] $Delegating,
        [ValidateSet('None', 'Organization', 'MyGAL', 'Self', 'MyDistributionGroups')] [string] $RecipientRelativeWriteScope,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        # Validated once before the lock (errors and -WhatIf need no lock), and again under it.
        $record = New-SimAssignmentRecord (Read-SimState) $PSBoundParameters $PSCmdlet.ParameterSetName
        if (-not $PSCmdlet.ShouldProcess(('Creating management role assignment "{0}".' -f $record.name), $record.name, 'New-ManagementRoleAssignment')) { return }
        $lock = Lock-SimState
        try {
            $state = Read-SimState
            $record = New-SimAssignmentRecord $state $PSBoundParameters $PSCmdlet.ParameterSetName
            $state.assignments = $state.assignments + $record
            Write-SimState $state
        } finally {
            Unlock-SimState $lock
        }
        $output = ConvertTo-SimAssignmentOutput $state $record 'Direct' $null ''
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    # Written after the lock is released: a downstream cmdlet in the same pipeline needs the lock too.
    $output
}

function Get-ManagementRoleAssignment {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(ParameterSetName = 'RoleAssignee')] [string] $RoleAssignee,
        [Parameter(ParameterSetName = 'RoleAssignee')] [string] $Role,
        [Parameter(ParameterSetName = 'RoleAssignee')]
        [ValidateSet('Direct', 'SecurityGroup', 'RoleGroup', 'RoleAssignmentPolicy')] [string[]] $AssignmentMethod,
        [bool] $Enabled,
        [bool] $Delegating,
        [switch] $GetEffectiveUsers,
        [string] $WritableRecipient,
        [string] $CustomRecipientWriteScope,
        [ValidateSet('User', 'SecurityGroup', 'RoleAssignmentPolicy', 'MailboxPlan', 'ForeignSecurityPrincipal', 'RoleGroup', 'LinkedRoleGroup', 'Computer', 'PartnerLinkedRoleGroup')]
        [string] $RoleAssigneeType,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        if ($PSBoundParameters.ContainsKey('AssignmentMethod') -and -not $PSBoundParameters.ContainsKey('RoleAssignee')) {
            throw [DataValidationException]::new($script:Messages.AssignmentMethodAlone)
        }
        if ($PSBoundParameters.ContainsKey('Role')) { Assert-SimRole $Role }
        $scope = $null
        if ($PSBoundParameters.ContainsKey('CustomRecipientWriteScope')) { $scope = Resolve-SimScope $state $CustomRecipientWriteScope }
        $recipientFacts = $null
        if ($PSBoundParameters.ContainsKey('WritableRecipient')) {
            $recipientFacts = Get-SimDirectoryFacts $state (Resolve-SimIdentity $state (Get-SimRecipients $state) $WritableRecipient)
        }
        $output = [System.Collections.Generic.List[object]]::new()
        foreach ($row in (Get-SimAssignmentRows $state $PSBoundParameters)) {
            if (-not (Test-SimAssignmentRow $state $row $PSBoundParameters $scope $recipientFacts)) { continue }
            if ($GetEffectiveUsers) {
                $output.AddRange((ConvertTo-SimEffectiveRows $state $row))
            } else {
                $output.Add((ConvertTo-SimAssignmentOutput $state $row.Assignment $row.Method $null ''))
            }
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output.ToArray()
}

function Remove-ManagementRoleAssignment {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [string] $Identity,
        [switch] $Force,
        [string] $DomainController
    )
    process {
        try {
            Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
            $state = Read-SimState
            $assignment = Resolve-SimIdentity $state $state.assignments $Identity 'Assignment'
        } catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
        }
        # Exchange's -Force skips the prompt; -WhatIf and an explicit -Confirm still apply.
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }
        # The prompt comes before the lock: nobody waits on it. In a -NonInteractive session without
        # -Confirm:$false it fails, as real Exchange does.
        if (-not $PSCmdlet.ShouldProcess(('Removing management role assignment "{0}".' -f $assignment.name), $assignment.name, 'Remove-ManagementRoleAssignment')) { return }
        try {
            $lock = Lock-SimState
            try {
                $state = Read-SimState
                if ($null -eq (Find-SimStateItem $state 'assignments' $assignment.guid)) { throw (New-SimNotFound $state $Identity) }
                Remove-SimStateItem $state 'assignments' $assignment.guid
                Write-SimState $state
            } finally {
                Unlock-SimState $lock
            }
        } catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
        }
    }
}
#endregion

#region Cmdlets: management scopes
function New-ManagementScope {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Name,
        [Parameter(Mandatory = $true)] [string] $RecipientRestrictionFilter,
        [string] $RecipientRoot,
        [switch] $Exclusive,
        [switch] $Force,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimNameLength $Name
        [void](ConvertFrom-SimFilter $RecipientRestrictionFilter)
        Assert-SimScopeNameFree (Read-SimState) $Name
        if (-not $PSCmdlet.ShouldProcess(('Creating management scope "{0}".' -f $Name), $Name, 'New-ManagementScope')) { return }
        $root = $null
        if ($RecipientRoot) { $root = $RecipientRoot }
        $scope = [pscustomobject]@{
            guid            = [guid]::NewGuid().ToString()
            name            = $Name
            recipientFilter = $RecipientRestrictionFilter
            recipientRoot   = $root
            exclusive       = [bool]$Exclusive
            whenCreatedUTC  = ConvertTo-SimIsoText ([DateTime]::UtcNow)
        }
        $lock = Lock-SimState
        try {
            $state = Read-SimState
            Assert-SimScopeNameFree $state $Name
            $state.scopes = $state.scopes + $scope
            Write-SimState $state
        } finally {
            Unlock-SimState $lock
        }
        $output = ConvertTo-SimScopeOutput $state $scope
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Assert-SimScopeNameFree($State, [string] $Name) {
    if ((Get-SimNameSet $State.scopes).Contains($Name)) { throw [ADObjectAlreadyExistsException]::new(($script:Messages.ScopeExists -f $Name)) }
}

function Get-ManagementScope {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [bool] $Exclusive,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        if ($PSBoundParameters.ContainsKey('Identity')) { $selected = @(Resolve-SimScope $state $Identity) }
        else { $selected = $state.scopes }
        $output = foreach ($scope in $selected) {
            if ($PSBoundParameters.ContainsKey('Exclusive') -and [bool]$scope.exclusive -ne $Exclusive) { continue }
            ConvertTo-SimScopeOutput $state $scope
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Remove-ManagementScope {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [string] $Identity,
        [switch] $Force,
        [string] $DomainController
    )
    process {
        try {
            Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
            $state = Read-SimState
            $scope = Resolve-SimScope $state $Identity
            Assert-SimScopeUnused $state $scope
        } catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
        }
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }
        if (-not $PSCmdlet.ShouldProcess(('Removing management scope "{0}".' -f $scope.name), $scope.name, 'Remove-ManagementScope')) { return }
        try {
            $lock = Lock-SimState
            try {
                $state = Read-SimState
                $current = Find-SimStateItem $state 'scopes' $scope.guid
                if ($null -eq $current) { throw [ManagementObjectNotFoundException]::new(($script:Messages.ScopeNotFound -f $Identity)) }
                Assert-SimScopeUnused $state $current
                Remove-SimStateItem $state 'scopes' $scope.guid
                Write-SimState $state
            } finally {
                Unlock-SimState $lock
            }
        } catch {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
        }
    }
}

function Assert-SimScopeUnused($State, $Scope) {
    $assignment = Find-SimScopeAssignment $State $Scope
    if ($null -ne $assignment) { throw [ManagementScopeInUseException]::new(($script:Messages.ScopeInUse -f $Scope.name, $assignment.name)) }
}
#endregion

#region Cmdlets: EWS virtual directory
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
#endregion

#region Cmdlets: Active Directory
function Get-ADUser {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Identity', ValueFromPipeline = $true)] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'Filter')] [string] $Filter,
        [string[]] $Properties,
        [string] $Server
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            $found = Find-SimADUser $state $Identity
            if ($null -eq $found) {
                throw [ADIdentityNotFoundException]::new(($script:Messages.ADIdentityNotFound -f $Identity, $state.organization.distinguishedName), $Identity)
            }
            $selected = @($found)
        } elseif ($Filter.Trim() -eq '*') {
            $selected = $state.users
        } else {
            $tree = ConvertFrom-SimFilter $Filter
            $selected = @($state.users | Where-Object { Test-SimFilter $tree (Get-SimDirectoryFacts $state $_) })
        }
        $output = foreach ($user in $selected) { ConvertTo-SimADUserOutput $state $user $Properties }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Find-SimADUser($State, [string] $Identity) {
    # The AD module matches sAMAccountName, DN, GUID and SID; UPN is allowed too for convenience.
    $parsedGuid = [guid]::Empty
    $isGuid = [guid]::TryParse($Identity, [ref]$parsedGuid)
    foreach ($user in $State.users) {
        $keys = @($user.samAccountName, $user.distinguishedName, $user.userPrincipalName, (Get-SimSid $user.guid))
        if ((Test-SimTextIn $Identity $keys) -or ($isGuid -and (Test-SimText $parsedGuid.ToString() $user.guid))) { return $user }
    }
    return $null
}
#endregion

Export-ModuleMember -Function @(
    'Get-Mailbox', 'Get-Recipient', 'Get-Group', 'Get-DistributionGroupMember',
    'New-ManagementRoleAssignment', 'Get-ManagementRoleAssignment', 'Remove-ManagementRoleAssignment',
    'New-ManagementScope', 'Get-ManagementScope', 'Remove-ManagementScope',
    'Get-WebServicesVirtualDirectory', 'Set-WebServicesVirtualDirectory'
)
# Get-ADUser is exported at the end, only where the simulated machine has the ActiveDirectory module.

#region Machine: what is installed where imp's PowerShell runs
# The state's optional "machine" settings (src/sim/state.ts SimMachine) say what the simulated machine has
# besides Exchange: the ActiveDirectory module (often missing on Exchange servers) and Windows PowerShell 5.1's
# event log cmdlets (PowerShell 7 has none). They are read once, when the module is imported.
function Get-SimMachineSetting([string] $Name) {
    try { $state = Read-SimState } catch { return $true }
    $machine = $state.PSObject.Properties['machine']
    if ($null -eq $machine -or $null -eq $machine.Value) { return $true }
    $setting = $machine.Value.PSObject.Properties[$Name]
    if ($null -eq $setting -or $null -eq $setting.Value) { return $true }
    return [bool]$setting.Value
}

function Get-SimStateList($State, [string] $Name) {
    # Lists added after the first state version (scheduledTasks, eventLog, eventSources) may be missing.
    $list = [System.Collections.Generic.List[object]]::new()
    $property = $State.PSObject.Properties[$Name]
    if ($null -ne $property) {
        foreach ($item in $property.Value) { if ($null -ne $item) { $list.Add($item) } }
    }
    return ,$list
}

function Set-SimStateList($State, [string] $Name, [System.Collections.Generic.List[object]] $List) {
    # Assigned from ToArray(), never through a pipeline (see Set-SimArrayProperty).
    if ($null -eq $State.PSObject.Properties[$Name]) {
        Add-Member -InputObject $State -MemberType NoteProperty -Name $Name -Value $List.ToArray()
    } else {
        $State.$Name = $List.ToArray()
    }
}

function Update-SimState([scriptblock] $Change) {
    # Read-modify-write under the state lock; $Change receives the fresh state and returns its own result.
    $lock = Lock-SimState
    try {
        $state = Read-SimState
        $result = & $Change $state
        Write-SimState $state
    } finally {
        Unlock-SimState $lock
    }
    return $result
}

function New-SimCimObject([string] $ClassName, [System.Collections.IDictionary] $Properties) {
    # Task Scheduler cmdlets return CIM instances; callers tell them apart by CimClass.CimClassName.
    $object = [pscustomobject]$Properties
    Add-Member -InputObject $object -MemberType NoteProperty -Name CimClass -Value ([pscustomobject]@{ CimClassName = $ClassName })
    return $object
}
#endregion

#region LDAP: [adsisearcher] where the ActiveDirectory module is missing
# With machine.activeDirectoryModule = false the module exports no Get-ADUser and points the [adsisearcher]
# type accelerator at SimDirectorySearcher, so templates run the same LDAP code they would run on an Exchange
# server without RSAT: Filter, PropertiesToLoad, FindOne()/FindAll(), and results whose Properties are
# collections keyed by lower-case attribute name, as System.DirectoryServices.SearchResult has them.
class SimDirectorySearcher {
    [string] $Filter = '(objectClass=*)'
    [System.Collections.Specialized.StringCollection] $PropertiesToLoad = [System.Collections.Specialized.StringCollection]::new()
    [object] $SearchRoot = $null
    [int] $PageSize = 0
    [int] $SizeLimit = 0
    SimDirectorySearcher() {}
    SimDirectorySearcher([string] $filter) { $this.Filter = $filter }
    [object] FindOne() {
        $found = Find-SimLdapEntry 'FindOne' $this.Filter $this.PropertiesToLoad 1
        if ($found.Count -eq 0) { return $null }
        return $found[0]
    }
    [object[]] FindAll() {
        return Find-SimLdapEntry 'FindAll' $this.Filter $this.PropertiesToLoad $this.SizeLimit
    }
    [void] Dispose() {}
}

$script:LdapFilterInvalid = 'The {0} search filter is invalid.'
# Constructed attributes are returned only when asked for by name, never with "all attributes".
$script:LdapConstructed = @('msds-userpasswordexpirytimecomputed', 'msds-user-account-control-computed')

function Find-SimLdapEntry([string] $Method, [string] $Filter, [System.Collections.Specialized.StringCollection] $PropertiesToLoad, [int] $Limit) {
    $properties = [string[]]@($PropertiesToLoad)
    Write-SimCallLog ('DirectorySearcher.' + $Method) ([ordered]@{ Filter = $Filter; PropertiesToLoad = $properties })
    $state = Read-SimState
    $tree = ConvertFrom-SimLdapFilter $Filter
    $results = [System.Collections.Generic.List[object]]::new()
    foreach ($user in $state.users) {
        $attributes = Get-SimLdapAttribute $state $user
        if (-not (Test-SimLdapFilter $tree $attributes)) { continue }
        $results.Add((New-SimSearchResult $attributes $properties))
        if ($Limit -gt 0 -and $results.Count -ge $Limit) { break }
    }
    return ,$results.ToArray()
}

function Get-SimLdapAttribute($State, $User) {
    # The user's directory entry as LDAP sees it: lower-case names, every value a list.
    $facts = Get-SimDirectoryFacts $State $User
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
    $attributes['adspath'] = [object[]]@('LDAP://' + $State.organization.domainController + '/' + $User.distinguishedName)
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
#endregion

#region Windows event log (Windows PowerShell 5.1: New-EventLog, Write-EventLog)
# UNCONFIRMED texts: the wording of Windows PowerShell 5.1's EventlogResources as widely quoted.
$script:EventLogMessages = @{
    SourceExists    = 'The "{0}" source is already registered on the "{1}" computer.'
    SourceNotFound  = 'The source name "{0}" does not exist on computer "{1}".'
}

function New-SimEventLogError([string] $Message, [string] $Id, [string] $Command) {
    return [System.Management.Automation.ErrorRecord]::new(
        [System.InvalidOperationException]::new($Message), ($Id + ',Microsoft.PowerShell.Commands.' + $Command), 'InvalidOperation', $null)
}

function New-EventLog {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $LogName,
        [Parameter(Mandatory = $true, Position = 1)] [string[]] $Source,
        [string[]] $ComputerName,
        [string] $CategoryResourceFile,
        [string] $MessageResourceFile,
        [string] $ParameterResourceFile
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    $existing = Update-SimState {
        param($state)
        $sources = Get-SimStateList $state 'eventSources'
        $taken = [System.Collections.Generic.List[string]]::new()
        foreach ($name in $Source) {
            if (@($sources | Where-Object { Test-SimText $_.source $name }).Count -gt 0) { $taken.Add($name); continue }
            $sources.Add([pscustomobject]@{ source = $name; logName = $LogName; registeredAt = (ConvertTo-SimIsoText ([DateTime]::UtcNow)) })
        }
        Set-SimStateList $state 'eventSources' $sources
        return ,$taken.ToArray()
    }
    # Non-terminating, as in Windows PowerShell: the other sources are still registered.
    foreach ($name in $existing) {
        $PSCmdlet.WriteError((New-SimEventLogError ($script:EventLogMessages.SourceExists -f $name, 'localhost') 'SourceExistInComp' 'NewEventLogCommand'))
    }
}

function Write-EventLog {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $LogName,
        [Parameter(Mandatory = $true, Position = 1)] [string] $Source,
        [Parameter(Mandatory = $true, Position = 2)] [ValidateRange(0, 65535)] [int] $EventId,
        [Parameter(Position = 3)] [ValidateSet('Error', 'Information', 'FailureAudit', 'SuccessAudit', 'Warning')] [string] $EntryType = 'Information',
        [Parameter(Mandatory = $true, Position = 4)] [string] $Message,
        [int16] $Category = 1,
        [byte[]] $RawData,
        [string[]] $ComputerName
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    $written = Update-SimState {
        param($state)
        $sources = Get-SimStateList $state 'eventSources'
        $registered = @($sources | Where-Object { Test-SimText $_.source $Source })
        if ($registered.Count -eq 0) { return $false }
        $entries = Get-SimStateList $state 'eventLog'
        $entries.Add([pscustomobject]@{
                logName       = $LogName
                source        = $Source
                eventId       = $EventId
                entryType     = $EntryType
                category      = [int]$Category
                message       = $Message
                timeGenerated = (ConvertTo-SimIsoText ([DateTime]::UtcNow))
            })
        Set-SimStateList $state 'eventLog' $entries
        return $true
    }
    if (-not $written) {
        $PSCmdlet.WriteError((New-SimEventLogError ($script:EventLogMessages.SourceNotFound -f $Source, 'localhost') 'SourceNotFound' 'WriteEventLogCommand'))
    }
}
#endregion

#region Task Scheduler (the ScheduledTasks module)
# Objects are CIM instances in Windows (MSFT_ScheduledTask, MSFT_TaskExecAction, ...); here they are property
# bags with the same property names and a CimClass.CimClassName. A task's password is never stored or logged:
# only whether one was given (passwordGiven).
class CimException : SimException {
    CimException([string] $message, [System.Management.Automation.ErrorCategory] $category) : base($message) { $this.Category = $category }
}

$script:TaskMessages = @{
    # Task Scheduler's own texts for HRESULT 0x800700B7 and 0x8007052E; the not-found text is CIM cmdletization's.
    Exists          = 'Cannot create a file when that file already exists.'
    LogonFailure    = 'The user name or password is incorrect.'
    NotFound        = "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '{0}'.  Verify the value of the property and retry."
    BadPath         = 'The specified path is invalid.'
}
# Get-ScheduledTaskInfo for a task that never ran: SCHED_S_TASK_HAS_NOT_RUN and 30 November 1999.
$script:TaskHasNotRun = 267011
$script:TaskNeverRunTime = [datetime]::new(1999, 11, 30, 0, 0, 0, [System.DateTimeKind]::Local)
$script:ServiceAccounts = @('SYSTEM', 'NT AUTHORITY\SYSTEM', 'LOCAL SERVICE', 'NT AUTHORITY\LOCAL SERVICE', 'NETWORK SERVICE', 'NT AUTHORITY\NETWORK SERVICE')

function Get-SimCurrentUser {
    if ($env:USERDOMAIN -and $env:USERNAME) { return $env:USERDOMAIN + '\' + $env:USERNAME }
    return [System.Environment]::UserName
}

function New-ScheduledTaskAction {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Execute,
        [Parameter(Position = 1)] [string] $Argument,
        [Parameter(Position = 2)] [string] $WorkingDirectory,
        [string] $Id
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    New-SimCimObject 'MSFT_TaskExecAction' ([ordered]@{ Id = $Id; Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory })
}

function New-ScheduledTaskTrigger {
    [CmdletBinding(DefaultParameterSetName = 'Once')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'Daily')] [switch] $Daily,
        [Parameter(Mandatory = $true, ParameterSetName = 'Once')] [switch] $Once,
        [Parameter(Mandatory = $true, ParameterSetName = 'AtLogOn')] [switch] $AtLogOn,
        [Parameter(Mandatory = $true, ParameterSetName = 'AtStartup')] [switch] $AtStartup,
        [Parameter(Mandatory = $true, ParameterSetName = 'Daily')]
        [Parameter(Mandatory = $true, ParameterSetName = 'Once')] [datetime] $At,
        [Parameter(ParameterSetName = 'Daily')] [ValidateRange(1, 365)] [int] $DaysInterval = 1,
        [Parameter(ParameterSetName = 'AtLogOn')] [string] $User,
        [timespan] $RandomDelay = [timespan]::Zero
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    $properties = [ordered]@{ Enabled = $true; StartBoundary = $null; EndBoundary = $null; RandomDelay = $null }
    # UNCONFIRMED: StartBoundary as local time without an offset, as the Task Scheduler UI shows it.
    if ($PSBoundParameters.ContainsKey('At')) { $properties.StartBoundary = $At.ToString('yyyy-MM-ddTHH:mm:ss', $script:Invariant) }
    if ($PSBoundParameters.ContainsKey('RandomDelay')) { $properties.RandomDelay = [System.Xml.XmlConvert]::ToString($RandomDelay) }
    switch ($PSCmdlet.ParameterSetName) {
        'Daily' { $properties.DaysInterval = $DaysInterval; $class = 'MSFT_TaskDailyTrigger' }
        'Once' { $class = 'MSFT_TaskTimeTrigger' }
        'AtLogOn' { $properties.UserId = $User; $class = 'MSFT_TaskLogonTrigger' }
        'AtStartup' { $class = 'MSFT_TaskBootTrigger' }
    }
    New-SimCimObject $class $properties
}

function New-ScheduledTaskPrincipal {
    [CmdletBinding(DefaultParameterSetName = 'User')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'User')] [string] $UserId,
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Group')] [string] $GroupId,
        [Parameter(ParameterSetName = 'User')]
        [ValidateSet('None', 'Password', 'S4U', 'Interactive', 'Group', 'ServiceAccount', 'InteractiveOrPassword')] [string] $LogonType = 'Interactive',
        [ValidateSet('Limited', 'Highest')] [string] $RunLevel = 'Limited',
        [string] $Id = 'Author',
        [string] $ProcessTokenSidType,
        [string[]] $RequiredPrivilege
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    if ($PSCmdlet.ParameterSetName -eq 'Group') { $LogonType = 'Group' }
    New-SimCimObject 'MSFT_TaskPrincipal2' ([ordered]@{ Id = $Id; UserId = $UserId; GroupId = $GroupId; LogonType = $LogonType; RunLevel = $RunLevel })
}

function New-ScheduledTaskSettingsSet {
    [CmdletBinding()]
    param(
        [switch] $AllowStartIfOnBatteries,
        [switch] $DontStopIfGoingOnBatteries,
        [switch] $DontStopOnIdleEnd,
        [switch] $Hidden,
        [switch] $RunOnlyIfNetworkAvailable,
        [switch] $StartWhenAvailable,
        [switch] $WakeToRun,
        [switch] $Disable,
        [timespan] $ExecutionTimeLimit = [timespan]::FromHours(72),
        [ValidateSet('Parallel', 'Queue', 'IgnoreNew')] [string] $MultipleInstances = 'IgnoreNew',
        [int] $RestartCount = 0,
        [timespan] $RestartInterval = [timespan]::Zero,
        [ValidateRange(0, 10)] [int] $Priority = 7,
        [ValidateSet('At', 'V1', 'Vista', 'Win7', 'Win8')] [string] $Compatibility = 'Win8'
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    $restartText = $null
    if ($PSBoundParameters.ContainsKey('RestartInterval')) { $restartText = [System.Xml.XmlConvert]::ToString($RestartInterval) }
    New-SimCimObject 'MSFT_TaskSettings3' ([ordered]@{
            AllowDemandStart           = $true
            DisallowStartIfOnBatteries = -not $AllowStartIfOnBatteries
            StopIfGoingOnBatteries     = -not $DontStopIfGoingOnBatteries
            Hidden                     = [bool]$Hidden
            RunOnlyIfNetworkAvailable  = [bool]$RunOnlyIfNetworkAvailable
            StartWhenAvailable         = [bool]$StartWhenAvailable
            WakeToRun                  = [bool]$WakeToRun
            Enabled                    = -not $Disable
            ExecutionTimeLimit         = [System.Xml.XmlConvert]::ToString($ExecutionTimeLimit)
            MultipleInstances          = $MultipleInstances
            RestartCount               = $RestartCount
            RestartInterval            = $restartText
            Priority                   = $Priority
            Compatibility              = $Compatibility
        })
}

function Register-ScheduledTask {
    [CmdletBinding(DefaultParameterSetName = 'User')]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $TaskName,
        [Parameter(Position = 1)] [string] $TaskPath = '\',
        [Parameter(Mandatory = $true, Position = 2)] [object[]] $Action,
        [Parameter(Position = 3)] [object[]] $Trigger,
        [Parameter(Position = 4)] [object] $Settings,
        [Parameter(Position = 5, ParameterSetName = 'User')] [string] $User,
        [Parameter(Position = 6, ParameterSetName = 'User')] [string] $Password,
        [Parameter(Position = 7, ParameterSetName = 'User')] [ValidateSet('Limited', 'Highest')] [string] $RunLevel = 'Limited',
        [Parameter(Mandatory = $true, ParameterSetName = 'Principal')] [object] $Principal,
        [string] $Description,
        [switch] $Force
    )
    try {
        # The password is never written anywhere, the call log included: only that one was given.
        $logged = [ordered]@{}
        foreach ($key in $PSBoundParameters.Keys) { if ($key -ne 'Password') { $logged[$key] = $PSBoundParameters[$key] } }
        $passwordGiven = $PSBoundParameters.ContainsKey('Password') -and [bool]$Password
        if ($passwordGiven) { $logged['Password'] = '(given, not recorded)' }
        Write-SimCallLog $MyInvocation.MyCommand.Name $logged
        if (-not $TaskPath.StartsWith('\') -or -not $TaskPath.EndsWith('\')) { throw [CimException]::new($script:TaskMessages.BadPath, 'InvalidArgument') }

        if ($PSCmdlet.ParameterSetName -eq 'Principal') {
            # A principal cannot carry a password: logon type Password needs -User and -Password instead.
            if ([string]$Principal.LogonType -eq 'Password') { throw [CimException]::new($script:TaskMessages.LogonFailure, 'AuthenticationError') }
            $principalRecord = [pscustomobject]@{ userId = [string]$Principal.UserId; logonType = [string]$Principal.LogonType; runLevel = [string]$Principal.RunLevel }
        } else {
            if (-not $User) { $User = Get-SimCurrentUser }
            if ($passwordGiven) { $logonType = 'Password' }
            elseif (Test-SimTextIn $User $script:ServiceAccounts) { $logonType = 'ServiceAccount' }
            else { $logonType = 'Interactive' }
            $principalRecord = [pscustomobject]@{ userId = $User; logonType = $logonType; runLevel = $RunLevel }
        }

        $actions = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $Action) { $actions.Add([pscustomobject]@{ execute = [string]$item.Execute; arguments = [string]$item.Arguments; workingDirectory = [string]$item.WorkingDirectory }) }
        $triggers = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $Trigger) {
            $type = ([string]$item.CimClass.CimClassName) -replace '^MSFT_Task', '' -replace 'Trigger$', ''
            $interval = $null
            if ($null -ne $item.PSObject.Properties['DaysInterval']) { $interval = $item.DaysInterval }
            $triggers.Add([pscustomobject]@{ type = $type; startBoundary = $item.StartBoundary; daysInterval = $interval; enabled = [bool]$item.Enabled })
        }
        $settingsRecord = $null
        if ($null -ne $Settings) {
            $settingsRecord = [ordered]@{}
            foreach ($property in $Settings.PSObject.Properties) { if ($property.Name -ne 'CimClass') { $settingsRecord[$property.Name] = $property.Value } }
            $settingsRecord = [pscustomobject]$settingsRecord
        }
        $task = [pscustomobject]@{
            taskName       = $TaskName
            taskPath       = $TaskPath
            description    = $Description
            author         = Get-SimCurrentUser
            registeredAt   = ConvertTo-SimIsoText ([DateTime]::UtcNow)
            state          = 'Ready'
            actions        = $actions.ToArray()
            triggers       = $triggers.ToArray()
            principal      = $principalRecord
            settings       = $settingsRecord
            passwordGiven  = $passwordGiven
            lastRunTime    = $null
            lastTaskResult = $script:TaskHasNotRun
        }
        $null = Update-SimState {
            param($state)
            $tasks = Get-SimStateList $state 'scheduledTasks'
            $existing = Find-SimScheduledTask $tasks $TaskName $TaskPath
            if ($null -ne $existing) {
                if (-not $Force) { throw [CimException]::new($script:TaskMessages.Exists, 'ResourceExists') }
                [void]$tasks.Remove($existing)
            }
            $tasks.Add($task)
            Set-SimStateList $state 'scheduledTasks' $tasks
        }
        $output = ConvertTo-SimScheduledTaskOutput $task
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Find-SimScheduledTask($Tasks, [string] $TaskName, [string] $TaskPath) {
    foreach ($task in $Tasks) {
        if ((Test-SimText $task.taskName $TaskName) -and (Test-SimText $task.taskPath $TaskPath)) { return $task }
    }
    return $null
}

function Select-SimScheduledTask([string[]] $TaskName, [string[]] $TaskPath) {
    # Names and paths take wildcards, as the CIM cmdletization queries do.
    $selected = [System.Collections.Generic.List[object]]::new()
    foreach ($task in (Get-SimStateList (Read-SimState) 'scheduledTasks')) {
        $nameHit = ($null -eq $TaskName -or $TaskName.Count -eq 0)
        foreach ($pattern in $TaskName) { if ($task.taskName -like $pattern) { $nameHit = $true } }
        $pathHit = ($null -eq $TaskPath -or $TaskPath.Count -eq 0)
        foreach ($pattern in $TaskPath) { if ($task.taskPath -like $pattern) { $pathHit = $true } }
        if ($nameHit -and $pathHit) { $selected.Add($task) }
    }
    return ,$selected
}

function New-SimTaskNotFoundError([string] $TaskName, [string] $Command) {
    $exception = [CimException]::new(($script:TaskMessages.NotFound -f $TaskName), 'ObjectNotFound')
    return [System.Management.Automation.ErrorRecord]::new($exception, ('CmdletizationQuery_NotFound_TaskName,' + $Command), 'ObjectNotFound', $TaskName)
}

function Get-SimTaskTime($Value) {
    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    return (ConvertTo-SimUtcDate ([string]$Value)).ToLocalTime()
}

function Get-SimNextRunTime($Task) {
    # The next daily start after now, in local time (what Task Scheduler shows).
    if ($Task.state -eq 'Disabled') { return $null }
    $next = $null
    $now = [DateTime]::Now
    foreach ($trigger in $Task.triggers) {
        if (-not $trigger.enabled -or -not $trigger.startBoundary) { continue }
        $start = [datetime]::Parse([string]$trigger.startBoundary, $script:Invariant)
        if ($trigger.type -eq 'Daily') {
            $candidate = $now.Date.Add($start.TimeOfDay)
            if ($candidate -le $now) { $candidate = $candidate.AddDays(1) }
            if ($candidate -lt $start) { $candidate = $start }
        } elseif ($start -gt $now) {
            $candidate = $start
        } else {
            continue
        }
        if ($null -eq $next -or $candidate -lt $next) { $next = $candidate }
    }
    return $next
}

function ConvertTo-SimScheduledTaskOutput($Task) {
    $actions = foreach ($action in $Task.actions) {
        New-SimCimObject 'MSFT_TaskExecAction' ([ordered]@{ Id = $null; Execute = $action.execute; Arguments = $action.arguments; WorkingDirectory = $action.workingDirectory })
    }
    $triggers = foreach ($trigger in $Task.triggers) {
        $properties = [ordered]@{ Enabled = [bool]$trigger.enabled; StartBoundary = $trigger.startBoundary; EndBoundary = $null }
        if ($null -ne $trigger.daysInterval) { $properties.DaysInterval = $trigger.daysInterval }
        New-SimCimObject ('MSFT_Task' + $trigger.type + 'Trigger') $properties
    }
    $principal = New-SimCimObject 'MSFT_TaskPrincipal2' ([ordered]@{
            Id = 'Author'; UserId = $Task.principal.userId; GroupId = $null; LogonType = $Task.principal.logonType; RunLevel = $Task.principal.runLevel
        })
    return New-SimCimObject 'MSFT_ScheduledTask' ([ordered]@{
            TaskName    = $Task.taskName
            TaskPath    = $Task.taskPath
            URI         = $Task.taskPath + $Task.taskName
            State       = $Task.state
            Description = $Task.description
            Author      = $Task.author
            Date        = $Task.registeredAt
            Actions     = @($actions)
            Triggers    = @($triggers)
            Principal   = $principal
            Settings    = $Task.settings
        })
}

function Get-ScheduledTask {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string[]] $TaskName,
        [Parameter(Position = 1)] [string[]] $TaskPath
    )
    Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
    $selected = Select-SimScheduledTask $TaskName $TaskPath
    if ($selected.Count -eq 0 -and $PSBoundParameters.ContainsKey('TaskName')) {
        foreach ($name in $TaskName) { $PSCmdlet.WriteError((New-SimTaskNotFoundError $name 'Get-ScheduledTask')) }
        return
    }
    foreach ($task in $selected) { ConvertTo-SimScheduledTaskOutput $task }
}

function Get-ScheduledTaskInfo {
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'ByName')] [string] $TaskName,
        [Parameter(Position = 1, ParameterSetName = 'ByName')] [string] $TaskPath = '\',
        [Parameter(Mandatory = $true, ValueFromPipeline = $true, ParameterSetName = 'ByObject')] [object] $InputObject
    )
    process {
        Write-SimCallLog $MyInvocation.MyCommand.Name ([ordered]@{ TaskName = $TaskName; TaskPath = $TaskPath })
        if ($PSCmdlet.ParameterSetName -eq 'ByObject') { $TaskName = [string]$InputObject.TaskName; $TaskPath = [string]$InputObject.TaskPath }
        $task = Find-SimScheduledTask (Get-SimStateList (Read-SimState) 'scheduledTasks') $TaskName $TaskPath
        if ($null -eq $task) {
            $PSCmdlet.WriteError((New-SimTaskNotFoundError $TaskName 'Get-ScheduledTaskInfo'))
            return
        }
        $lastRun = Get-SimTaskTime $task.lastRunTime
        if ($null -eq $lastRun) { $lastRun = $script:TaskNeverRunTime }
        New-SimCimObject 'MSFT_TaskDynamicInfo' ([ordered]@{
                LastRunTime        = $lastRun
                LastTaskResult     = [uint32]$task.lastTaskResult
                NextRunTime        = Get-SimNextRunTime $task
                NumberOfMissedRuns = 0
                TaskName           = $task.taskName
                TaskPath           = $task.taskPath
            })
    }
}

function Unregister-ScheduledTask {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'ByName')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'ByName')] [string[]] $TaskName,
        [Parameter(Position = 1, ParameterSetName = 'ByName')] [string[]] $TaskPath,
        [Parameter(Mandatory = $true, ValueFromPipeline = $true, ParameterSetName = 'ByObject')] [object] $InputObject,
        [switch] $PassThru
    )
    process {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        if ($PSCmdlet.ParameterSetName -eq 'ByObject') { $TaskName = @([string]$InputObject.TaskName); $TaskPath = @([string]$InputObject.TaskPath) }
        $selected = Select-SimScheduledTask $TaskName $TaskPath
        if ($selected.Count -eq 0) {
            foreach ($name in $TaskName) { $PSCmdlet.WriteError((New-SimTaskNotFoundError $name 'Unregister-ScheduledTask')) }
            return
        }
        foreach ($task in $selected) {
            # In a -NonInteractive session without -Confirm:$false the prompt fails, as in Windows.
            if (-not $PSCmdlet.ShouldProcess($task.taskPath + $task.taskName, 'Unregister-ScheduledTask')) { continue }
            $null = Update-SimState {
                param($state)
                $tasks = Get-SimStateList $state 'scheduledTasks'
                $current = Find-SimScheduledTask $tasks $task.taskName $task.taskPath
                if ($null -ne $current) { [void]$tasks.Remove($current) }
                Set-SimStateList $state 'scheduledTasks' $tasks
            }
            if ($PassThru) { ConvertTo-SimScheduledTaskOutput $task }
        }
    }
}
#endregion

#region What this simulated machine exports besides Exchange
Export-ModuleMember -Function @(
    'New-ScheduledTaskAction', 'New-ScheduledTaskTrigger', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet',
    'Register-ScheduledTask', 'Get-ScheduledTask', 'Get-ScheduledTaskInfo', 'Unregister-ScheduledTask'
)
if (Get-SimMachineSetting 'eventLogCmdlets') { Export-ModuleMember -Function @('New-EventLog', 'Write-EventLog') }
if (Get-SimMachineSetting 'activeDirectoryModule') {
    Export-ModuleMember -Function @('Get-ADUser')
} else {
    # No ActiveDirectory module: LDAP through [adsisearcher] stands in, until the module is removed.
    $script:TypeAccelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
    $script:OriginalAdsiSearcher = $script:TypeAccelerators::Get['adsisearcher']
    [void]$script:TypeAccelerators::Remove('adsisearcher')
    $script:TypeAccelerators::Add('adsisearcher', [SimDirectorySearcher])
    $ExecutionContext.SessionState.Module.OnRemove = {
        [void]$script:TypeAccelerators::Remove('adsisearcher')
        if ($null -ne $script:OriginalAdsiSearcher) { $script:TypeAccelerators::Add('adsisearcher', $script:OriginalAdsiSearcher) }
    }
}
#endregion
