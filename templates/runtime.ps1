# imp runtime: loaded once into imp's PowerShell session; not an admin script.
# Every template runs through Invoke-ImpTemplate: the template text and its parameters both arrive
# base64-encoded (parameters as JSON), so no value is ever spliced into script text. The result goes
# back as one base64 JSON envelope on a marker line, so stray output and console code pages
# (Windows PowerShell 5.1 uses the OEM code page) cannot corrupt it; its long lists go ahead of it in
# pieces, on marker lines of their own.
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'High'
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }

function ConvertFrom-ImpBase64([string]$Text) {
    (New-Object System.Text.UTF8Encoding $false).GetString([Convert]::FromBase64String($Text))
}

# A list in the result longer than this goes ahead of the envelope in pieces of this many items, one line
# each: verify's 50,000 mailboxes as one line were 15 MB that imp had to hold, decode and parse at once.
$ImpPieceSize = 1000

function Write-ImpLine([string]$Marker, $Value) {
    $json = ConvertTo-Json -InputObject $Value -Depth 12 -Compress
    $bytes = (New-Object System.Text.UTF8Encoding $false).GetBytes($json)
    # A line of its own even after Write-Host -NoNewline (Exchange's loader banner, for one).
    [Console]::Out.WriteLine([Environment]::NewLine + $Marker + [Convert]::ToBase64String($bytes))
}

function Write-ImpEnvelope($Envelope) {
    $result = $Envelope.result
    if ($result -is [System.Management.Automation.PSCustomObject]) {
        # The long lists go first, as <<imp-piece>> lines; the envelope says how many items each had.
        $whole = [ordered]@{}
        $counts = [ordered]@{}
        foreach ($property in $result.PSObject.Properties) {
            $value = $property.Value
            if ($value -is [System.Collections.IList] -and $value.Count -gt $ImpPieceSize) {
                $items = @($value)
                for ($start = 0; $start -lt $items.Count; $start += $ImpPieceSize) {
                    $end = [Math]::Min($start + $ImpPieceSize, $items.Count) - 1
                    Write-ImpLine '<<imp-piece>>' ([ordered]@{ name = $property.Name; items = @($items[$start..$end]) })
                }
                $whole[$property.Name] = @()
                $counts[$property.Name] = $items.Count
            }
            else { $whole[$property.Name] = $value }
        }
        if ($counts.Count -gt 0) {
            $Envelope.result = [pscustomobject]$whole
            $Envelope.pieces = $counts
        }
    }
    Write-ImpLine '<<imp-result>>' $Envelope
}

function Get-ImpErrorDetail($ErrorRecord) {
    $reason = $null
    if ($ErrorRecord.CategoryInfo) { $reason = [string]$ErrorRecord.CategoryInfo.Reason }
    $command = $null
    if ($ErrorRecord.InvocationInfo -and $ErrorRecord.InvocationInfo.MyCommand) { $command = [string]$ErrorRecord.InvocationInfo.MyCommand.Name }
    [ordered]@{
        message               = [string]$ErrorRecord.Exception.Message
        category              = [string]$ErrorRecord.CategoryInfo.Category
        reason                = $reason
        exceptionType         = $ErrorRecord.Exception.GetType().FullName
        fullyQualifiedErrorId = [string]$ErrorRecord.FullyQualifiedErrorId
        command               = $command
        targetObject          = [string]$ErrorRecord.TargetObject
    }
}

# Dot-source this function (". Invoke-ImpTemplate ... -Global") for the connection step, whose
# imported cmdlets must outlive the call.
function Invoke-ImpTemplate([string]$Script, [string]$ParameterJson, [switch]$Global) {
    $Parameters = ConvertFrom-Json (ConvertFrom-ImpBase64 $ParameterJson)
    $templateBlock = [ScriptBlock]::Create((ConvertFrom-ImpBase64 $Script))
    $warnings = New-Object System.Collections.ArrayList
    $outputs = New-Object System.Collections.ArrayList
    try {
        if ($Global) {
            . $templateBlock 3>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.WarningRecord]) { [void]$warnings.Add($_.Message) } else { [void]$outputs.Add($_) }
            }
        } else {
            & $templateBlock 3>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.WarningRecord]) { [void]$warnings.Add($_.Message) } else { [void]$outputs.Add($_) }
            }
        }
        $result = $null
        if ($outputs.Count -gt 0) { $result = $outputs[$outputs.Count - 1] }
        Write-ImpEnvelope ([ordered]@{ ok = $true; result = $result; warnings = @($warnings); pid = $PID })
    } catch {
        Write-ImpEnvelope ([ordered]@{ ok = $false; error = (Get-ImpErrorDetail $_); warnings = @($warnings); pid = $PID })
    }
}
