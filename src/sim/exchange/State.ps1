# The state file, its lock and the call log. Every cmdlet reads the state afresh; changes are read-modify-write
# under the lock. The schema is src/sim/state.ts.

# PowerShell 6+ turns ISO date strings into DateTime while parsing JSON; 7.5+ can be told not to (-DateKind).
# Asked of the version: Get-Command's parameter metadata would cost every import a tenth of a second.
$script:FromJsonOptions = @{}
$script:RepairJsonDates = $false
$script:PowerShellVersion = $PSVersionTable.PSVersion
if ($script:PowerShellVersion.Major -gt 7 -or ($script:PowerShellVersion.Major -eq 7 -and $script:PowerShellVersion.Minor -ge 5)) {
    $script:FromJsonOptions['DateKind'] = 'String'
} elseif ($script:PowerShellVersion.Major -ge 6) {
    $script:RepairJsonDates = $true
}

function Get-SimStateDirectory {
    if ($env:IMP_SIM_STATE_DIR) { return $env:IMP_SIM_STATE_DIR }
    return $script:SimStateRoot
}

function Lock-SimState {
    # The lock is a file only one process can create; it guards every read-modify-write and log append.
    $directory = Get-SimStateDirectory
    $path = [System.IO.Path]::Combine($directory, 'state.lock')
    # Up to ~15 s: on a loaded machine a holder's read-modify-write can take a second or more.
    for ($attempt = 1; $attempt -le 750; $attempt++) {
        try {
            return [System.IO.FileStream]::new($path, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
        } catch {
            # A missing state directory is not a busy lock: report it as it is.
            if (-not [System.IO.Directory]::Exists($directory)) { throw }
            Remove-SimStaleLock $path
            Start-Sleep -Milliseconds 20
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
    return ConvertFrom-SimUtf8 (Read-SimFileBytes $Path)
}

function ConvertFrom-SimUtf8([byte[]] $Bytes) {
    # UTF-8, with or without a byte order mark.
    $reader = [System.IO.StreamReader]::new([System.IO.MemoryStream]::new($Bytes), $script:Utf8NoBom, $true)
    try { return $reader.ReadToEnd() } finally { $reader.Dispose() }
}

function Read-SimFileBytes([string] $Path) {
    # FileShare.Delete lets another process replace the file while this one reads it (matters on Windows).
    $share = [System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete
    $stream = [System.IO.FileStream]::new($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
    try {
        $memory = [System.IO.MemoryStream]::new()
        $stream.CopyTo($memory)
        return ,$memory.ToArray()
    } finally {
        $stream.Dispose()
    }
}

# The state last read with -Shared, and the SHA-256 of the file it was parsed from.
$script:SharedState = $null

function Read-SimState([switch] $Shared) {
    # -Shared is for a cmdlet that only reads the state and hands out nothing but remoting copies of it
    # (ConvertTo-SimRemoteOutput): it may get the object an earlier -Shared read in this process parsed, when the
    # file's bytes are still the same. Parsing 50,000 mailboxes takes seconds, and a verify lists them in several
    # cmdlets. Anything that changes the state, or returns state objects themselves, reads afresh.
    $path = [System.IO.Path]::Combine((Get-SimStateDirectory), 'state.json')
    if (-not $Shared) { return ConvertFrom-SimStateText (Read-SimTextFile $path) }
    $bytes = Read-SimFileBytes $path
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $hash = [System.BitConverter]::ToString($sha.ComputeHash($bytes)) } finally { $sha.Dispose() }
    if ($null -ne $script:SharedState -and $script:SharedState.Hash -eq $hash) {
        $state = $script:SharedState.State
        $script:ExchangeServer = [string]$state.organization.exchangeServer
        return $state
    }
    $state = ConvertFrom-SimStateText (ConvertFrom-SimUtf8 $bytes)
    $script:SharedState = @{ Hash = $hash; State = $state }
    return $state
}

function ConvertFrom-SimStateText([string] $Text) {
    $options = $script:FromJsonOptions
    $state = ConvertFrom-Json -InputObject $Text @options
    if ($script:RepairJsonDates) { Repair-SimJsonDate $state }
    Repair-SimStateShape $state
    $script:ExchangeServer = [string]$state.organization.exchangeServer
    return $state
}

function Write-SimState($State) {
    Repair-SimStateShape $State
    $json = ConvertTo-Json -InputObject $State -Depth 20
    $directory = Get-SimStateDirectory
    $target = [System.IO.Path]::Combine($directory, 'state.json')
    $temporary = [System.IO.Path]::Combine($directory, ('state.json.{0}.{1}.tmp' -f $PID, [guid]::NewGuid().ToString('N')))
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
        $mailbox = $user.mailbox
        if ($null -ne $mailbox -and -not (Test-SimStringArray $mailbox 'emailAddresses')) { Set-SimArrayProperty $mailbox 'emailAddresses' -AsString }
    }
    foreach ($group in $State.groups) { if (-not (Test-SimStringArray $group 'members')) { Set-SimArrayProperty $group 'members' -AsString } }
}

function Test-SimStringArray($Object, [string] $Name) {
    # Already what Set-SimArrayProperty -AsString makes: most lists in a state read back from its file are.
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property -or $property.Value -isnot [object[]]) { return $false }
    foreach ($item in $property.Value) { if ($item -isnot [string]) { return $false } }
    return $true
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
        [System.IO.File]::AppendAllText([System.IO.Path]::Combine((Get-SimStateDirectory), 'calls.jsonl'), $line, $script:Utf8NoBom)
    } finally {
        Unlock-SimState $lock
    }
}

# The state's optional "machine" settings (src/sim/state.ts SimMachine) say what the simulated machine has
# besides Exchange: the ActiveDirectory module (often missing on Exchange servers) and Windows PowerShell 5.1's
# event log cmdlets (PowerShell 7 has none). They are read once, when the module is imported, from the state it
# read; cmdlets that model a setting (elevated, adwsReachable) read the shared copy.
function Get-SimMachineSetting([string] $Name, $State) {
    if ($null -eq $State) { try { $State = Read-SimState -Shared } catch { return $true } }
    $machine = $State.PSObject.Properties['machine']
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

function Remove-SimStateItem($State, [string] $Collection, [string] $Guid) {
    $kept = [System.Collections.Generic.List[object]]::new()
    foreach ($item in $State.$Collection) { if (-not (Test-SimText $item.guid $Guid)) { $kept.Add($item) } }
    $State.$Collection = $kept.ToArray()
}

function Find-SimStateItem($State, [string] $Collection, [string] $Guid) {
    foreach ($item in $State.$Collection) { if (Test-SimText $item.guid $Guid) { return $item } }
    return $null
}

function Get-SimNameSet([object[]] $Items) {
    # Names are unique case-insensitively, as AD's CN is.
    $names = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($item in $Items) { [void]$names.Add($item.name) }
    return ,$names
}
