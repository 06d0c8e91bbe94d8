# imp schedule install|show|remove on Windows: a daily Task Scheduler task that runs
# "imp expiry --account ... --check-login --event-log --quiet".
# Input ($Parameters): operation (install|show|remove), taskName, taskPath; for install also description,
#   execute (node.exe), argument (imp's script and the expiry options, quoted for the Windows command line),
#   workingDirectory, at (HH:mm, local time), user (DOMAIN\user the task runs as), eventLogName, eventSource.
# install: the user's Windows password arrives only as $Parameters.sealedSecret, encrypted to the one-time
# key pair $ImpSecretKey that imp had this process make just before (src/powershell/session.ts
# runWithSecret): no command line, script text, log or file ever holds it in clear.
# The task logs on with that password (logon type Password) because imp reads the service account's
# password from Windows Credential Manager, which is per user and DPAPI-protected: the task must run as the
# user who stored it, with a real logon; an S4U task cannot decrypt it. Register-ScheduledTask takes the
# password as -User/-Password; a principal object with LogonType Password cannot carry one.
# Idempotent: install replaces a task of the same name and path (-Force); remove of a missing task is a no-op.
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

function ConvertTo-ImpScheduledTask($Task, $Info) {
    $actions = @($Task.Actions | ForEach-Object {
            [pscustomobject]@{ execute = [string]$_.Execute; arguments = [string]$_.Arguments; workingDirectory = [string]$_.WorkingDirectory }
        })
    $triggers = @($Task.Triggers | ForEach-Object {
            [pscustomobject]@{
                type          = ([string]$_.CimClass.CimClassName) -replace '^MSFT_Task', '' -replace 'Trigger$', ''
                startBoundary = [string]$_.StartBoundary
                enabled       = [bool]$_.Enabled
            }
        })
    $task = [ordered]@{
        taskName       = [string]$Task.TaskName
        taskPath       = [string]$Task.TaskPath
        state          = [string]$Task.State
        description    = [string]$Task.Description
        actions        = $actions
        triggers       = $triggers
        userId         = [string]$Task.Principal.UserId
        logonType      = [string]$Task.Principal.LogonType
        runLevel       = [string]$Task.Principal.RunLevel
        lastRunTime    = $null
        lastTaskResult = $null
        nextRunTime    = $null
    }
    if ($null -ne $Info) {
        # A task that never ran reports 267011 (SCHED_S_TASK_HAS_NOT_RUN) and a last run in 1999.
        $task.lastTaskResult = [int64]$Info.LastTaskResult
        if ($task.lastTaskResult -ne 267011) { $task.lastRunTime = ConvertTo-ImpIsoTime $Info.LastRunTime }
        $task.nextRunTime = ConvertTo-ImpIsoTime $Info.NextRunTime
    }
    [pscustomobject]$task
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
        $bytes.AddRange([byte[]]$ImpSecretKey.Decrypt([Convert]::FromBase64String($block), $true))
    }
    $ImpSecretKey.Dispose()
    Remove-Variable -Name ImpSecretKey -Scope Global -ErrorAction SilentlyContinue
    $plain = $bytes.ToArray()
    $text = (New-Object System.Text.UTF8Encoding $false).GetString($plain)
    [Array]::Clear($plain, 0, $plain.Length)
    $text
}

function Get-ImpTask {
    $task = Get-ScheduledTask -TaskName ([string]$Parameters.taskName) -TaskPath ([string]$Parameters.taskPath) -ErrorAction SilentlyContinue
    if ($null -eq $task) { return $null }
    @($task)[0]
}

$result = [ordered]@{ operation = [string]$Parameters.operation; task = $null; existed = $false; eventSource = $null }
$existing = Get-ImpTask
$result.existed = $null -ne $existing

if ($Parameters.operation -eq 'show') {
    if ($existing) {
        $info = Get-ScheduledTaskInfo -TaskName $existing.TaskName -TaskPath $existing.TaskPath -ErrorAction SilentlyContinue
        $result.task = ConvertTo-ImpScheduledTask $existing $info
    }
    return [pscustomobject]$result
}

if ($Parameters.operation -eq 'remove') {
    if ($existing) {
        $result.task = ConvertTo-ImpScheduledTask $existing $null
        Unregister-ScheduledTask -TaskName $existing.TaskName -TaskPath $existing.TaskPath -Confirm:$false -ErrorAction Stop
    }
    return [pscustomobject]$result
}

if ($Parameters.operation -ne 'install') { throw ('Unknown schedule operation: ' + [string]$Parameters.operation) }

$action = New-ScheduledTaskAction -Execute ([string]$Parameters.execute) -Argument ([string]$Parameters.argument) -WorkingDirectory ([string]$Parameters.workingDirectory)
$at = [datetime]::ParseExact([string]$Parameters.at, 'HH:mm', [Globalization.CultureInfo]::InvariantCulture)
$trigger = New-ScheduledTaskTrigger -Daily -At $at
# Catch up when the machine was off at the set time; never two checks at once; stop a hung check.
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Minutes 30)
$registration = @{
    TaskName    = [string]$Parameters.taskName
    TaskPath    = [string]$Parameters.taskPath
    Action      = $action
    Trigger     = $trigger
    Settings    = $settings
    User        = [string]$Parameters.user
    # Register-ScheduledTask takes the password as a plain string; it lives only in this hashtable.
    Password    = (Get-ImpSealedSecret)
    RunLevel    = 'Limited'
    Description = [string]$Parameters.description
    Force       = $true
}
try {
    $task = Register-ScheduledTask @registration -ErrorAction Stop
}
finally {
    $registration.Remove('Password')
}

# The scheduled runs write to the event log as a user who may not register a source: register it now.
if (Get-Command -Name New-EventLog -ErrorAction SilentlyContinue) {
    try {
        New-EventLog -LogName ([string]$Parameters.eventLogName) -Source ([string]$Parameters.eventSource) -ErrorAction Stop
        $result.eventSource = 'registered'
    }
    catch [System.InvalidOperationException] {
        $result.eventSource = 'exists'
    }
}
else {
    $result.eventSource = 'unavailable'
}

$info = Get-ScheduledTaskInfo -TaskName $task.TaskName -TaskPath $task.TaskPath -ErrorAction SilentlyContinue
$result.task = ConvertTo-ImpScheduledTask $task $info
[pscustomobject]$result
