# Error records shaped as Exchange and the ActiveDirectory module write them.

function ConvertTo-SimErrorRecord([System.Management.Automation.ErrorRecord] $ErrorRecord, [string] $Command) {
    $exception = $ErrorRecord.Exception
    if (-not ($exception -is [SimException])) { return $ErrorRecord }
    $verb, $noun = $Command.Split('-', 2)
    $typeName = $exception.GetType().Name
    if ($noun -like 'AD*') {
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

$script:CommonParameterNames = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorVariable',
    'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'WhatIf', 'Confirm', 'UseTransaction')

function Assert-SimModelledOnly([System.Collections.IDictionary] $Bound, [string[]] $Modelled) {
    # For a cmdlet with many real parameters of which the simulator models a few: every other one is refused.
    Assert-SimModelled $Bound @($Bound.Keys | Where-Object { $script:CommonParameterNames -notcontains $_ -and $Modelled -notcontains $_ })
}

function Assert-SimModelled([System.Collections.IDictionary] $Bound, [string[]] $Names) {
    # Real parameters of the cmdlet that the simulator does not model: refused by name, never ignored.
    foreach ($name in $Names) {
        if ($Bound.ContainsKey($name)) { throw [NotSimulatedException]::new(($script:Messages.NotSimulated -f $name)) }
    }
}
