# imp schedule install|show|run|remove on Windows: a daily Task Scheduler task that runs
# "imp expiry --account ... --check-login --event-log --check-run-as --quiet --config <job folder>\imp.config.json".
# Input ($Parameters): operation (install|show|run|remove), taskName, taskPath; for install also description,
#   execute (node.exe), argument (imp's script and options, quoted for the Windows command line),
#   workingDirectory (imp's own folder for the job), startBoundary (local time WITHOUT a UTC offset),
#   user (DOMAIN\user the task runs as), eventLogName, eventSource; for run also waitSeconds.
# install: the user's Windows password arrives only as $Parameters.sealedSecret, encrypted to the one-time
# key pair $ImpSecretKey that imp had this process make just before (src/powershell/session.ts
# runWithSecret): no command line, script text, log or file ever holds it in clear.
#
# Why each step is the way it is (Microsoft's documentation for each is named in the README):
# - Elevation is checked first: creating an event source and registering a task for another user both need
#   an administrator, and a half-done install (a task whose runs can never log) is worse than none.
# - The event source is created before the task exists, with the .NET EventLog API (no New-EventLog, which
#   PowerShell 7 lacks and whose access-denied error is not an InvalidOperationException). .NET documents that
#   a new source should not be used at once: created at install, it is first used at the first run.
# - The task is registered through the Task Scheduler COM API (Schedule.Service, RegisterTaskDefinition with
#   TASK_LOGON_PASSWORD): a method call, which module logging (event 4103) does not record, unlike
#   Register-ScheduledTask's -Password parameter binding.
# - The trigger's StartBoundary is local time without an offset. New-ScheduledTaskTrigger writes one with
#   the offset of the day of installation ("synchronize across time zones"), so a 07:00 task installed in
#   winter would run at 08:00 in summer.
# - The task logs on with a password (TASK_LOGON_PASSWORD) because imp reads the service account's password
#   from Windows Credential Manager, which is per user and DPAPI-protected: an S4U task cannot decrypt it.
# Idempotent: install replaces a task of the same name (TASK_CREATE_OR_UPDATE); remove of a missing task is a no-op.
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

# Task Scheduler 2.0 constants (taskschd.h).
$TASK_CREATE_OR_UPDATE = 6
$TASK_LOGON_PASSWORD = 1
$TASK_TRIGGER_DAILY = 2
$TASK_ACTION_EXEC = 0
$TASK_RUNLEVEL_LUA = 0
$TASK_INSTANCES_IGNORE_NEW = 2
$TASK_STATE_RUNNING = 4
$SCHED_S_TASK_RUNNING = 267009
$SCHED_S_TASK_HAS_NOT_RUN = 267011

$TaskStates = @{ 0 = 'Unknown'; 1 = 'Disabled'; 2 = 'Queued'; 3 = 'Ready'; 4 = 'Running' }
$LogonTypes = @{ 0 = 'None'; 1 = 'Password'; 2 = 'S4U'; 3 = 'Interactive'; 4 = 'Group'; 5 = 'ServiceAccount'; 6 = 'InteractiveOrPassword' }
$TriggerTypes = @{ 0 = 'Event'; 1 = 'Time'; 2 = 'Daily'; 3 = 'Weekly'; 4 = 'Monthly'; 6 = 'Idle'; 7 = 'Registration'; 8 = 'Boot'; 9 = 'Logon' }

function Test-ImpElevated {
    $identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = [System.Security.Principal.WindowsPrincipal]::new($identity)
    $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)
}

function ConvertTo-ImpComTime($Value) {
    # COM gives "never" as 1899-12-30 (OLE date zero); Task Scheduler's own "never ran" is 1999-11-30.
    if ($null -eq $Value) { return $null }
    $time = [datetime]$Value
    if ($time.Year -lt 2000) { return $null }
    ConvertTo-ImpIsoTime $time
}

function ConvertTo-ImpTaskView($Task) {
    $definition = $Task.Definition
    $actions = @(foreach ($action in $definition.Actions) {
            [pscustomobject]@{ execute = [string]$action.Path; arguments = [string]$action.Arguments; workingDirectory = [string]$action.WorkingDirectory }
        })
    $triggers = @(foreach ($trigger in $definition.Triggers) {
            [pscustomobject]@{ type = [string]$TriggerTypes[[int]$trigger.Type]; startBoundary = [string]$trigger.StartBoundary; enabled = [bool]$trigger.Enabled }
        })
    $path = [string]$Task.Path
    $lastResult = [int64]$Task.LastTaskResult
    $view = [ordered]@{
        taskName       = [string]$Task.Name
        taskPath       = $path.Substring(0, $path.Length - ([string]$Task.Name).Length)
        state          = [string]$TaskStates[[int]$Task.State]
        description    = [string]$definition.RegistrationInfo.Description
        actions        = $actions
        triggers       = $triggers
        userId         = [string]$definition.Principal.UserId
        logonType      = [string]$LogonTypes[[int]$definition.Principal.LogonType]
        runLevel       = $(if ([int]$definition.Principal.RunLevel -eq $TASK_RUNLEVEL_LUA) { 'Limited' } else { 'Highest' })
        lastRunTime    = $null
        lastTaskResult = $lastResult
        nextRunTime    = ConvertTo-ImpComTime $Task.NextRunTime
    }
    if ($lastResult -ne $SCHED_S_TASK_HAS_NOT_RUN) { $view.lastRunTime = ConvertTo-ImpComTime $Task.LastRunTime }
    [pscustomobject]$view
}

function Get-ImpSealedSecret {
    # Decrypted only here, and the key is destroyed: the same password cannot be unsealed twice.
    if (-not $ImpSecretKey -and -not $Parameters.sealedSecret) {
        # Run by hand (imp script schedule): ask the admin, hidden, as Get-Credential would.
        $secure = Read-Host -AsSecureString -Prompt ('Windows password of ' + [string]$Parameters.user + ' (the task logs on as this user to read its Credential Manager)')
        return [System.Net.NetworkCredential]::new('', $secure).Password
    }
    if (-not $ImpSecretKey -or -not $Parameters.sealedSecret) { throw "imp did not hand over the task user's password." }
    $bytes = New-Object System.Collections.Generic.List[byte]
    foreach ($block in ([string]$Parameters.sealedSecret).Split([char]',')) {
        $bytes.AddRange([byte[]]$ImpSecretKey.Decrypt([Convert]::FromBase64String($block), [System.Security.Cryptography.RSAEncryptionPadding]::OaepSHA1))
    }
    $ImpSecretKey.Dispose()
    Remove-Variable -Name ImpSecretKey -Scope Global -ErrorAction SilentlyContinue
    $plain = $bytes.ToArray()
    $text = (New-Object System.Text.UTF8Encoding $false).GetString($plain)
    [Array]::Clear($plain, 0, $plain.Length)
    $text
}

function Get-ImpTaskFolder($Service, [switch]$Create) {
    $path = ([string]$Parameters.taskPath).TrimEnd('\')
    try {
        return $Service.GetFolder($path)
    }
    catch {
        # 0x80070002: no such folder.
        if (-not $Create) { return $null }
        return $Service.GetFolder('\').CreateFolder($path.TrimStart('\'), $null)
    }
}

function Get-ImpRegisteredTask($Folder) {
    if ($null -eq $Folder) { return $null }
    try { return $Folder.GetTask([string]$Parameters.taskName) } catch { return $null }
}

function Register-ImpEventSource {
    # Returns registered | exists; throws when the name belongs to another log (an event would go there).
    $source = [string]$Parameters.eventSource
    $logName = [string]$Parameters.eventLogName
    if ([System.Diagnostics.EventLog]::SourceExists($source)) {
        $owner = [System.Diagnostics.EventLog]::LogNameFromSourceName($source, '.')
        if ($owner -ne $logName) { throw ('The event source "' + $source + '" is registered to the ' + $owner + ' log, not ' + $logName + '.') }
        return 'exists'
    }
    [System.Diagnostics.EventLog]::CreateEventSource($source, $logName)
    'registered'
}

function Resolve-ImpAccount([string]$User) {
    # The run-as user must exist; its SID is what Task Scheduler stores.
    try {
        [string][System.Security.Principal.NTAccount]::new($User).Translate([System.Security.Principal.SecurityIdentifier]).Value
    }
    catch {
        $null
    }
}

$result = [ordered]@{ operation = [string]$Parameters.operation; task = $null; existed = $false; eventSource = $null; refused = $null; userSid = $null }
$service = New-Object -ComObject 'Schedule.Service'
$service.Connect()

if ($Parameters.operation -eq 'install') {
    if (-not (Test-ImpElevated)) {
        $result.refused = 'not-elevated'
        return [pscustomobject]$result
    }
    $result.userSid = Resolve-ImpAccount ([string]$Parameters.user)
    if (-not $result.userSid) {
        $result.refused = 'unknown-user'
        return [pscustomobject]$result
    }
    $result.eventSource = Register-ImpEventSource
}

$folder = Get-ImpTaskFolder $service -Create:($Parameters.operation -eq 'install')
$existing = Get-ImpRegisteredTask $folder
$result.existed = $null -ne $existing

if ($Parameters.operation -eq 'show') {
    if ($existing) { $result.task = ConvertTo-ImpTaskView $existing }
    return [pscustomobject]$result
}

if ($Parameters.operation -eq 'remove') {
    if ($existing) {
        $result.task = ConvertTo-ImpTaskView $existing
        $folder.DeleteTask([string]$Parameters.taskName, 0)
    }
    return [pscustomobject]$result
}

if ($Parameters.operation -eq 'run') {
    # The test run goes through Task Scheduler, so it proves the logon (password, "Log on as a batch job")
    # as well as imp's own check. Run() returns at once; the result is read when the instance has ended.
    if (-not $existing) { return [pscustomobject]$result }
    [void]$existing.Run($null)
    $deadline = [datetime]::UtcNow.AddSeconds([int]$Parameters.waitSeconds)
    do {
        Start-Sleep -Milliseconds 500
        $task = Get-ImpRegisteredTask $folder
    } while ($task -and ([int]$task.State -eq $TASK_STATE_RUNNING -or [int64]$task.LastTaskResult -eq $SCHED_S_TASK_RUNNING) -and [datetime]::UtcNow -lt $deadline)
    if ($task) { $result.task = ConvertTo-ImpTaskView $task }
    return [pscustomobject]$result
}

if ($Parameters.operation -ne 'install') { throw ('Unknown schedule operation: ' + [string]$Parameters.operation) }

$definition = $service.NewTask(0)
$definition.RegistrationInfo.Description = [string]$Parameters.description
$definition.Principal.LogonType = $TASK_LOGON_PASSWORD
$definition.Principal.RunLevel = $TASK_RUNLEVEL_LUA
# Catch up when the machine was off at the set time; never two checks at once; stop a hung check.
$definition.Settings.StartWhenAvailable = $true
$definition.Settings.MultipleInstances = $TASK_INSTANCES_IGNORE_NEW
$definition.Settings.ExecutionTimeLimit = 'PT30M'
$definition.Settings.DisallowStartIfOnBatteries = $false
$definition.Settings.StopIfGoingOnBatteries = $false
$trigger = $definition.Triggers.Create($TASK_TRIGGER_DAILY)
# PowerShell 7's ConvertFrom-Json turns the ISO text into a DateTime: format it back, still without an offset.
$start = $Parameters.startBoundary
if ($start -is [datetime]) { $start = $start.ToString('yyyy-MM-ddTHH:mm:ss', [Globalization.CultureInfo]::InvariantCulture) }
$trigger.StartBoundary = [string]$start
$trigger.DaysInterval = 1
$action = $definition.Actions.Create($TASK_ACTION_EXEC)
$action.Path = [string]$Parameters.execute
$action.Arguments = [string]$Parameters.argument
$action.WorkingDirectory = [string]$Parameters.workingDirectory

$password = Get-ImpSealedSecret
try {
    $task = $folder.RegisterTaskDefinition([string]$Parameters.taskName, $definition, $TASK_CREATE_OR_UPDATE, [string]$Parameters.user, $password, $TASK_LOGON_PASSWORD, $null)
}
finally {
    $password = $null
}
$result.task = ConvertTo-ImpTaskView $task
[pscustomobject]$result
