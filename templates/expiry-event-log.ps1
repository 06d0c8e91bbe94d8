# imp expiry --event-log: write one check result to the Windows Application log under imp's own source.
# Input ($Parameters): logName, source, eventId, entryType (Information|Warning|Error), message.
# Runs in a PowerShell process of its own that never connects to Exchange, so a failed connection, a run-as
# user without Exchange rights or a wrong option still leaves its event (1003 UNKNOWN).
# [System.Diagnostics.EventLog]::WriteEntry works in Windows PowerShell 5.1 and in PowerShell 7 (which has
# no Write-EventLog). The source is never created here: .NET documents that a new source should not be used
# at once, and creating one needs an administrator. "imp schedule install" creates it, elevated.
# Off Windows the API throws PlatformNotSupportedException: the record still comes back, so what would be
# written can be checked on any OS.
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

$record = [ordered]@{
    logName   = [string]$Parameters.logName
    source    = [string]$Parameters.source
    eventId   = [int]$Parameters.eventId
    entryType = [string]$Parameters.entryType
    message   = [string]$Parameters.message
}
$result = [ordered]@{ record = [pscustomobject]$record; written = $false; reason = $null }

# Windows PowerShell 5.1 (Desktop) has no $IsWindows; PowerShell 7 sets it.
$onWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or ($IsWindows -eq $true)
if (-not $onWindows) {
    $result.reason = 'this is not Windows: there is no event log to write to'
    return [pscustomobject]$result
}

try {
    # SourceExists searches every log; a user who may not read the Security log gets a SecurityException
    # when the source is missing, so that exception also means "not registered".
    $registeredLog = $null
    if ([System.Diagnostics.EventLog]::SourceExists($record.source)) {
        $registeredLog = [System.Diagnostics.EventLog]::LogNameFromSourceName($record.source, '.')
    }
}
catch [System.Security.SecurityException] {
    $registeredLog = $null
}
if (-not $registeredLog) {
    $result.reason = 'the event source "' + $record.source + '" is not registered (an administrator registers it: imp schedule install, or New-EventLog -LogName ' + $record.logName + ' -Source ' + $record.source + ')'
    return [pscustomobject]$result
}
if ($registeredLog -ne $record.logName) {
    $result.reason = 'the event source "' + $record.source + '" belongs to the ' + $registeredLog + ' log, not ' + $record.logName
    return [pscustomobject]$result
}

try {
    $type = [System.Diagnostics.EventLogEntryType]$record.entryType
    [System.Diagnostics.EventLog]::WriteEntry($record.source, $record.message, $type, $record.eventId)
    $result.written = $true
}
catch {
    $result.reason = [string]$_.Exception.Message
}
[pscustomobject]$result
