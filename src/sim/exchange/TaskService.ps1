# What a Windows install step uses besides cmdlets, standing in where Windows is missing:
# - New-Object -ComObject Schedule.Service: Task Scheduler's COM API (ITaskService, ITaskFolder, ITaskDefinition,
#   IRegisteredTask), over the same state.scheduledTasks as the ScheduledTasks cmdlets. Other New-Object calls
#   go to the real cmdlet.
# - [System.Diagnostics.EventLog], [System.Security.Principal.WindowsIdentity], WindowsPrincipal and NTAccount:
#   type accelerators shadow these full names (see ExchangeSim.psm1), as [adsisearcher] is shadowed.
# Strict where Windows is: a run-as account must exist and its password must match; creating an event source
# needs an administrator (machine.elevated, default true); a registered task's password is never stored or
# logged. The simulator cannot start processes: IRegisteredTask.Run() leaves the task "has not run" unless
# machine.taskRunResult says what Windows answered (e.g. 0x8007052E for a logon failure).

# HRESULTs as the signed Int32 COM gives them.
$script:ComErrors = @{
    FileNotFound  = @(-2147024894, 'The system cannot find the file specified. (Exception from HRESULT: 0x80070002)')
    LogonFailure  = @(-2147023570, 'The user name or password is incorrect. (Exception from HRESULT: 0x8007052E)')
    NoMapping     = @(-2147023564, 'No mapping between account names and security IDs was done. (Exception from HRESULT: 0x80070534)')
    NotRegistered = @(-2147221164, 'Retrieving the COM class factory for component failed: Class not registered (Exception from HRESULT: 0x80040154 (REGDB_E_CLASSNOTREG)).')
    AccessDenied  = @(-2147024891, 'Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))')
}

function New-SimComError([string] $Name) {
    $entry = $script:ComErrors[$Name]
    return [System.Runtime.InteropServices.COMException]::new($entry[1], [int]$entry[0])
}

function Resolve-SimWindowsAccount($State, [string] $Account) {
    # DOMAIN\sam (the organisation's NetBIOS name) or a UPN; nothing else exists in this forest.
    foreach ($user in $State.users) {
        $qualified = $State.organization.netbiosName + '\' + $user.samAccountName
        if ((Test-SimText $Account $qualified) -or (Test-SimText $Account ([string]$user.userPrincipalName))) { return $user }
    }
    return $null
}

function Test-SimPassword($User, [string] $Password) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $bytes = $sha.ComputeHash($script:Utf8NoBom.GetBytes([string]$User.passwordHash.salt + $Password))
    } finally {
        $sha.Dispose()
    }
    return (-join ($bytes | ForEach-Object { $_.ToString('x2') })) -eq [string]$User.passwordHash.sha256
}

# State changes live in functions: a class method's variables are not visible to the scriptblock Update-SimState runs.
function Set-SimTaskRunResult([string] $Name, [string] $TaskPath, [int64] $Result) {
    $null = Update-SimState {
        param($state)
        $task = Find-SimScheduledTask (Get-SimStateList $state 'scheduledTasks') $Name $TaskPath
        $task.lastRunTime = ConvertTo-SimIsoText ([DateTime]::UtcNow)
        $task.lastTaskResult = $Result
    }
}

function Add-SimTaskFolder([string] $Path) {
    $null = Update-SimState {
        param($state)
        $folders = Get-SimStateList $state 'taskFolders'
        if (-not (Test-SimTextIn $Path ([string[]]$folders.ToArray()))) { $folders.Add($Path) }
        Set-SimStateList $state 'taskFolders' $folders
    }
}

function Remove-SimTaskRecord([string] $Name, [string] $TaskPath) {
    return Update-SimState {
        param($state)
        $tasks = Get-SimStateList $state 'scheduledTasks'
        $task = Find-SimScheduledTask $tasks $Name $TaskPath
        if ($null -eq $task) { return $false }
        [void]$tasks.Remove($task)
        Set-SimStateList $state 'scheduledTasks' $tasks
        return $true
    }
}

function Save-SimTaskRecord($Record) {
    $null = Update-SimState {
        param($state)
        $tasks = Get-SimStateList $state 'scheduledTasks'
        $existing = Find-SimScheduledTask $tasks $Record.taskName $Record.taskPath
        if ($null -ne $existing) { [void]$tasks.Remove($existing) }
        $tasks.Add($Record)
        Set-SimStateList $state 'scheduledTasks' $tasks
    }
}

function Add-SimEventSource([string] $Source, [string] $LogName) {
    $null = Update-SimState {
        param($state)
        $sources = Get-SimStateList $state 'eventSources'
        $sources.Add([pscustomobject]@{ source = $Source; logName = $LogName; registeredAt = (ConvertTo-SimIsoText ([DateTime]::UtcNow)) })
        Set-SimStateList $state 'eventSources' $sources
    }
}

class SimComCollection : System.Collections.IEnumerable {
    [System.Collections.Generic.List[object]] $Items = [System.Collections.Generic.List[object]]::new()
    [int] $Type
    SimComCollection([int] $type) { $this.Type = $type }
    [int] get_Count() { return $this.Items.Count }
    [System.Collections.IEnumerator] GetEnumerator() { return $this.Items.GetEnumerator() }
    [object] Create([int] $kind) {
        if ($this.Type -eq 0) {
            # ITriggerCollection.Create(TASK_TRIGGER_TYPE2)
            $item = [pscustomobject]@{ Type = $kind; StartBoundary = ''; DaysInterval = 1; Enabled = $true }
        } else {
            # IActionCollection.Create(TASK_ACTION_EXEC = 0)
            if ($kind -ne 0) { throw [System.ArgumentException]::new('Only exec actions are simulated.') }
            $item = [pscustomobject]@{ Type = 0; Path = ''; Arguments = ''; WorkingDirectory = '' }
        }
        $this.Items.Add($item)
        return $item
    }
}

class SimTaskDefinition {
    $RegistrationInfo = [pscustomobject]@{ Description = ''; Author = '' }
    $Principal = [pscustomobject]@{ UserId = ''; LogonType = 3; RunLevel = 0 }
    $Settings = [pscustomobject]@{
        StartWhenAvailable = $false; MultipleInstances = 2; ExecutionTimeLimit = 'PT72H'; DisallowStartIfOnBatteries = $true
        StopIfGoingOnBatteries = $true; Enabled = $true
    }
    [SimComCollection] $Triggers = [SimComCollection]::new(0)
    [SimComCollection] $Actions = [SimComCollection]::new(1)
}

class SimRegisteredTask {
    [string] $Name
    [string] $Path
    [int] $State
    [datetime] $LastRunTime
    [int] $LastTaskResult
    $NextRunTime
    [SimTaskDefinition] $Definition
    hidden [string] $Folder

    [object] Run($parameters) {
        Write-SimCallLog 'IRegisteredTask.Run' ([ordered]@{ Path = $this.Path })
        $result = $null
        $machine = (Read-SimState).PSObject.Properties['machine']
        if ($null -ne $machine -and $null -ne $machine.Value -and $null -ne $machine.Value.PSObject.Properties['taskRunResult']) { $result = $machine.Value.taskRunResult }
        if ($null -ne $result) { Set-SimTaskRunResult $this.Name $this.Folder ([int64]$result) }
        return $null
    }
}

class SimTaskFolder {
    [string] $Path
    [string] $Name

    SimTaskFolder([string] $path) {
        $this.Path = $path
        $this.Name = ($path -split '\\')[-1]
        if ($path -eq '\') { $this.Name = '\' }
    }

    hidden [string] TaskPath() {
        if ($this.Path -eq '\') { return '\' }
        return $this.Path + '\'
    }

    [object] CreateFolder([string] $name, $sddl) {
        $full = $this.TaskPath() + $name
        Write-SimCallLog 'ITaskFolder.CreateFolder' ([ordered]@{ Path = $full })
        Add-SimTaskFolder $full
        return [SimTaskFolder]::new($full)
    }

    [object] GetTask([string] $name) {
        $task = Find-SimScheduledTask (Get-SimStateList (Read-SimState) 'scheduledTasks') $name $this.TaskPath()
        if ($null -eq $task) { throw (New-SimComError 'FileNotFound') }
        return (ConvertTo-SimRegisteredTask $task)
    }

    [void] DeleteTask([string] $name, [int] $flags) {
        Write-SimCallLog 'ITaskFolder.DeleteTask' ([ordered]@{ Path = $this.TaskPath() + $name })
        if (-not (Remove-SimTaskRecord $name $this.TaskPath())) { throw (New-SimComError 'FileNotFound') }
    }

    [object] RegisterTaskDefinition([string] $name, [SimTaskDefinition] $definition, [int] $flags, [string] $userId, $password, [int] $logonType, $sddl) {
        # The password is never written anywhere, the call log included: only that one was given.
        $given = $null -ne $password -and [string]$password -ne ''
        Write-SimCallLog 'ITaskFolder.RegisterTaskDefinition' ([ordered]@{
                Path = $this.TaskPath() + $name; Flags = $flags; UserId = $userId; LogonType = $logonType
                Password = $(if ($given) { '(given, not recorded)' } else { $null })
            })
        if (-not (Get-SimMachineSetting 'elevated')) { throw (New-SimComError 'AccessDenied') }
        $state = Read-SimState
        $user = Resolve-SimWindowsAccount $state $userId
        if ($null -eq $user) { throw (New-SimComError 'NoMapping') }
        # TASK_LOGON_PASSWORD: Task Scheduler checks the password when the task is registered.
        if ($logonType -eq 1 -and (-not $given -or -not (Test-SimPassword $user ([string]$password)))) { throw (New-SimComError 'LogonFailure') }
        $logonNames = @{ 0 = 'None'; 1 = 'Password'; 2 = 'S4U'; 3 = 'Interactive'; 5 = 'ServiceAccount' }
        $typeNames = @{ 1 = 'Time'; 2 = 'Daily'; 8 = 'Boot'; 9 = 'Logon' }
        $record = [pscustomobject]@{
            taskName       = $name
            taskPath       = $this.TaskPath()
            description    = [string]$definition.RegistrationInfo.Description
            author         = Get-SimCurrentUser
            registeredAt   = ConvertTo-SimIsoText ([DateTime]::UtcNow)
            state          = 'Ready'
            actions        = @($definition.Actions.Items | ForEach-Object { [pscustomobject]@{ execute = [string]$_.Path; arguments = [string]$_.Arguments; workingDirectory = [string]$_.WorkingDirectory } })
            triggers       = @($definition.Triggers.Items | ForEach-Object { [pscustomobject]@{ type = $typeNames[[int]$_.Type]; startBoundary = [string]$_.StartBoundary; daysInterval = [int]$_.DaysInterval; enabled = [bool]$_.Enabled } })
            principal      = [pscustomobject]@{ userId = $userId; logonType = $logonNames[$logonType]; runLevel = $(if ([int]$definition.Principal.RunLevel -eq 0) { 'Limited' } else { 'Highest' }) }
            settings       = $definition.Settings
            passwordGiven  = $given
            lastRunTime    = $null
            lastTaskResult = $script:TaskHasNotRun
        }
        Save-SimTaskRecord $record
        return (ConvertTo-SimRegisteredTask $record)
    }
}

class SimTaskService {
    [bool] $Connected = $false
    [void] Connect() { $this.Connected = $true }
    [object] NewTask([int] $flags) { return [SimTaskDefinition]::new() }
    [object] GetFolder([string] $path) {
        if (-not $this.Connected) { throw [System.InvalidOperationException]::new('Connect to the Task Scheduler service first.') }
        if ($path -eq '\' -or $path -eq '') { return [SimTaskFolder]::new('\') }
        $state = Read-SimState
        $known = [string[]](Get-SimStateList $state 'taskFolders')
        foreach ($task in (Get-SimStateList $state 'scheduledTasks')) { $known += ([string]$task.taskPath).TrimEnd('\') }
        if (-not (Test-SimTextIn $path.TrimEnd('\') $known)) { throw (New-SimComError 'FileNotFound') }
        return [SimTaskFolder]::new($path.TrimEnd('\'))
    }
}

function ConvertTo-SimRegisteredTask($Task) {
    $definition = [SimTaskDefinition]::new()
    $definition.RegistrationInfo.Description = [string]$Task.description
    $definition.Principal.UserId = [string]$Task.principal.userId
    $definition.Principal.LogonType = @{ 'None' = 0; 'Password' = 1; 'S4U' = 2; 'Interactive' = 3; 'ServiceAccount' = 5 }[[string]$Task.principal.logonType]
    $definition.Principal.RunLevel = $(if ($Task.principal.runLevel -eq 'Highest') { 1 } else { 0 })
    foreach ($trigger in $Task.triggers) {
        $item = $definition.Triggers.Create(@{ 'Time' = 1; 'Daily' = 2; 'Boot' = 8; 'Logon' = 9 }[[string]$trigger.type])
        $item.StartBoundary = [string]$trigger.startBoundary
        $item.Enabled = [bool]$trigger.enabled
        if ($null -ne $trigger.daysInterval) { $item.DaysInterval = [int]$trigger.daysInterval }
    }
    foreach ($action in $Task.actions) {
        $item = $definition.Actions.Create(0)
        $item.Path = $action.execute; $item.Arguments = $action.arguments; $item.WorkingDirectory = $action.workingDirectory
    }
    $registered = [SimRegisteredTask]::new()
    $registered.Name = $Task.taskName
    $registered.Path = $Task.taskPath + $Task.taskName
    $registered.Folder = $Task.taskPath
    $registered.State = @{ 'Disabled' = 1; 'Ready' = 3; 'Running' = 4 }[[string]$Task.state]
    # COM's "never": OLE date zero.
    $registered.LastRunTime = [datetime]::new(1899, 12, 30)
    if ($Task.lastRunTime) { $registered.LastRunTime = Get-SimTaskTime $Task.lastRunTime }
    # COM's LastTaskResult is a signed Int32: 0x8007052E arrives negative.
    $code = [int64]$Task.lastTaskResult
    if ($code -gt [int]::MaxValue) { $code -= 4294967296L }
    $registered.LastTaskResult = [int]$code
    $registered.NextRunTime = Get-SimNextRunTime $Task
    $registered.Definition = $definition
    return $registered
}

function New-Object {
    [CmdletBinding(DefaultParameterSetName = 'Net')]
    param(
        [Parameter(ParameterSetName = 'Net', Mandatory = $true, Position = 0)] [string] $TypeName,
        [Parameter(ParameterSetName = 'Net', Position = 1)] [Alias('Args')] [object[]] $ArgumentList,
        [Parameter(ParameterSetName = 'Com', Mandatory = $true, Position = 0)] [string] $ComObject,
        [Parameter(ParameterSetName = 'Com')] [switch] $Strict,
        [System.Collections.IDictionary] $Property
    )
    if ($PSCmdlet.ParameterSetName -eq 'Net') { return Microsoft.PowerShell.Utility\New-Object @PSBoundParameters }
    Write-SimCallLog 'New-Object' $PSBoundParameters
    if ($ComObject -ne 'Schedule.Service') { $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new((New-SimComError 'NotRegistered'), 'NoCOMClassIdentified,Microsoft.PowerShell.Commands.NewObjectCommand', 'ResourceUnavailable', $ComObject)) }
    return [SimTaskService]::new()
}

# Windows identity: who runs this PowerShell, and whether it is elevated (machine.elevated, default true).
class SimWindowsIdentity {
    [string] $Name
    static [object] GetCurrent() { return [SimWindowsIdentity]@{ Name = (Get-SimCurrentUser) } }
}

class SimWindowsPrincipal {
    [object] $Identity
    SimWindowsPrincipal($identity) { $this.Identity = $identity }
    [bool] IsInRole($role) { return [string]$role -eq 'Administrator' -and (Get-SimMachineSetting 'elevated') }
}

class SimNTAccount {
    [string] $Value
    SimNTAccount([string] $name) { $this.Value = $name }
    [object] Translate([type] $target) {
        $user = Resolve-SimWindowsAccount (Read-SimState) $this.Value
        if ($null -eq $user) { throw [System.Security.Principal.IdentityNotMappedException]::new('Some or all identity references could not be translated.') }
        return [pscustomobject]@{ Value = (Get-SimSid $user.guid) }
    }
}

# [System.Diagnostics.EventLog]'s static members that an install step and a run use, over state.eventSources/eventLog.
class SimEventLog {
    static [bool] SourceExists([string] $source) {
        return @((Get-SimStateList (Read-SimState) 'eventSources') | Where-Object { Test-SimText $_.source $source }).Count -gt 0
    }
    static [string] LogNameFromSourceName([string] $source, [string] $machine) {
        $found = @((Get-SimStateList (Read-SimState) 'eventSources') | Where-Object { Test-SimText $_.source $source })
        if ($found.Count -eq 0) { return '' }
        return [string]$found[0].logName
    }
    static [void] CreateEventSource([string] $source, [string] $logName) {
        Write-SimCallLog 'EventLog.CreateEventSource' ([ordered]@{ Source = $source; LogName = $logName })
        # Registering a source writes HKLM: an administrator only.
        if (-not (Get-SimMachineSetting 'elevated')) { throw [System.Security.SecurityException]::new('Requested registry access is not allowed.') }
        if ([SimEventLog]::SourceExists($source)) { throw [System.ArgumentException]::new('Source ' + $source + ' already exists on the local computer.') }
        Add-SimEventSource $source $logName
    }
}
