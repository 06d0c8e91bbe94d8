# Windows PowerShell 5.1's New-EventLog and Write-EventLog.

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
