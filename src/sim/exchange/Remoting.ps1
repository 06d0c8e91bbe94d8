# What implicit remoting does to everything an Exchange cmdlet returns. Both ways into the Management Shell use
# it: a remote session (Import-PSSession) and the local loader (RemoteExchange.ps1, Connect-ExchangeServer)
# connect to the server's PowerShell endpoint. So objects arrive as a PSSerializer round trip left them, and
# errors as RemoteExceptions that do not stop the caller unless it asked for -ErrorAction Stop.

function ConvertTo-SimRemoteOutput([object[]] $Objects, [string] $TypeName) {
    # Deserialized.<type>: property bags without methods; enums, ADObjectIds and SmtpAddresses are the
    # strings the simulated state already holds, multi-valued properties arrive as ArrayLists.
    # Round trips go in batches: the serializer treats each element of an array as it would the element alone,
    # and one call per 1,000 objects costs a quarter of one call per object (50,000 mailboxes in the benchmark).
    $batch = [System.Collections.Generic.List[object]]::new()
    foreach ($object in $Objects) {
        if ($null -eq $object) { continue }
        if ($object.PSObject.TypeNames[0] -ne $TypeName) { $object.PSObject.TypeNames.Insert(0, $TypeName) }
        $batch.Add($object)
        if ($batch.Count -ge 1000) {
            [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($batch.ToArray(), 2))
            $batch.Clear()
        }
    }
    if ($batch.Count -gt 0) {
        [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($batch.ToArray(), 2))
    }
}

function ConvertTo-SimRemoteTime([datetime] $Time) {
    # A time read back from the wire may carry no kind at all: callers must not trust Kind (issue 9 E.4).
    return [datetime]::SpecifyKind($Time, [System.DateTimeKind]::Unspecified)
}

function Write-SimRemoteError($Cmdlet, [System.Management.Automation.ErrorRecord] $ErrorRecord, [string] $Command) {
    # Exchange's message, FullyQualifiedErrorId and CategoryInfo.Reason (the server-side exception's type
    # name) survive; the exception itself is a RemoteException, so catch [SomeExchangeType] never matches.
    # Non-terminating, as remote errors are: the caller stops only under -ErrorAction Stop.
    $record = ConvertTo-SimErrorRecord $ErrorRecord $Command
    if ($ErrorRecord.Exception -is [SimException]) {
        $remote = [System.Management.Automation.RemoteException]::new($record.Exception.Message)
        $remoteRecord = [System.Management.Automation.ErrorRecord]::new($remote, $record.FullyQualifiedErrorId, $record.CategoryInfo.Category, $record.TargetObject)
        $remoteRecord.CategoryInfo.Reason = $ErrorRecord.Exception.GetType().Name
        $remoteRecord.CategoryInfo.Activity = $Command
        $record = $remoteRecord
    }
    $Cmdlet.WriteError($record)
}
