# Objects are CIM instances in Windows (MSFT_ScheduledTask, MSFT_TaskExecAction, ...); here they are property
# bags with the same property names and a CimClass.CimClassName. A task's password is never stored or logged:
# only whether one was given (passwordGiven).

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
    # state.admin.account: the lab's admin is this computer's user too (Windows logon and Exchange caller).
    $account = Get-SimAdminProperty (Get-SimAdmin) 'account'
    if ($account) { return [string]$account }
    if ($env:USERDOMAIN -and $env:USERNAME) { return $env:USERDOMAIN + '\' + $env:USERNAME }
    return [System.Environment]::UserName
}

function New-SimCimObject([string] $ClassName, [System.Collections.IDictionary] $Properties) {
    # Task Scheduler cmdlets return CIM instances; callers tell them apart by CimClass.CimClassName.
    $object = [pscustomobject]$Properties
    Add-Member -InputObject $object -MemberType NoteProperty -Name CimClass -Value ([pscustomobject]@{ CimClassName = $ClassName })
    return $object
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
