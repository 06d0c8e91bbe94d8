# imp expiry --event-log: write the check's result to a Windows event log under imp's own source.
# Input ($Parameters): logName, source, eventId, entryType (Information|Warning|Error), message.
# New-EventLog and Write-EventLog exist in Windows PowerShell 5.1, not in PowerShell 7 nor off Windows:
# without them the result says so and nothing is written. "imp schedule install" registers the source
# (that needs an administrator); a source that is still missing is registered here, which works only
# when this run is elevated.
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

$result = [ordered]@{ written = $false; available = $true; sourceCreated = $false }
if (-not (Get-Command -Name Write-EventLog -ErrorAction SilentlyContinue)) {
    $result.available = $false
    return [pscustomobject]$result
}

$entry = @{
    LogName   = [string]$Parameters.logName
    Source    = [string]$Parameters.source
    EventId   = [int]$Parameters.eventId
    EntryType = [string]$Parameters.entryType
    Message   = [string]$Parameters.message
    Category  = [int16]0
}
try {
    Write-EventLog @entry -ErrorAction Stop
}
catch [System.InvalidOperationException] {
    # The source is not registered ("The source name ... does not exist"): register it, then write.
    New-EventLog -LogName $entry.LogName -Source $entry.Source -ErrorAction Stop
    $result.sourceCreated = $true
    Write-EventLog @entry -ErrorAction Stop
}
$result.written = $true
[pscustomobject]$result
