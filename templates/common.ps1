# Helpers shared by imp's templates. Plain functions over the Exchange cmdlets; no value is ever
# turned into script text. Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

function ConvertTo-ImpIsoTime($Value) {
    # Windows PowerShell 5.1 would serialise a DateTime as "\/Date(...)\/": send ISO 8601 UTC instead.
    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    ([datetime]$Value).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture)
}

function ConvertTo-ImpUtcIsoTime($Value) {
    # For values that are UTC by definition (WhenCreatedUTC). After deserialization the DateTime may
    # arrive with Kind Unspecified or Local, or as text; ToUniversalTime() would then shift it by the
    # server's UTC offset. The clock reading is kept and only declared UTC.
    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    if ($Value -is [datetime]) { $time = [datetime]::SpecifyKind($Value, [DateTimeKind]::Utc) }
    else {
        $styles = [Globalization.DateTimeStyles]::AssumeUniversal -bor [Globalization.DateTimeStyles]::AdjustToUniversal
        $time = [datetime]::Parse([string]$Value, [Globalization.CultureInfo]::InvariantCulture, $styles)
    }
    $time.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture)
}

function ConvertTo-ImpOpathValue([string]$Value) {
    # A value inside an OPATH filter is single-quoted; a quote inside it is doubled. PowerShell's
    # parser also takes the typographic single quotes as quotes, so those are doubled too.
    $quoted = $Value
    foreach ($quote in @([string][char]0x27, [string][char]0x2018, [string][char]0x2019, [string][char]0x201A, [string][char]0x201B)) {
        $quoted = $quoted.Replace($quote, $quote + $quote)
    }
    "'" + $quoted + "'"
}

# The built-in management role that puts each cmdlet imp uses into a Management Shell session
# (Exchange 2016/2019/SE). Organization Management holds all of them; "Get-ManagementRoleEntry
# *\<cmdlet>" lists the roles of your own organisation. The README's roles table repeats this list.
$ImpCmdletRoles = [ordered]@{
    'Get-Mailbox'                     = 'Mail Recipients (read: View-Only Recipients)'
    'Get-Recipient'                   = 'Mail Recipients (read: View-Only Recipients)'
    'Get-Group'                       = 'Mail Recipients (read: View-Only Recipients)'
    'Get-User'                        = 'Mail Recipients (read: View-Only Recipients)'
    'Get-DynamicDistributionGroup'    = 'Distribution Groups (read: View-Only Recipients)'
    'Get-ManagementRoleAssignment'    = 'Role Management (read: View-Only Configuration)'
    'Get-ManagementScope'             = 'Role Management (read: View-Only Configuration)'
    'New-ManagementRoleAssignment'    = 'Role Management, plus a delegating ApplicationImpersonation assignment (Organization Management holds both)'
    'Remove-ManagementRoleAssignment' = 'Role Management, plus a delegating ApplicationImpersonation assignment (Organization Management holds both)'
    'New-ManagementScope'             = 'Role Management'
    'Set-ManagementScope'             = 'Role Management'
    'Remove-ManagementScope'          = 'Role Management'
    'Get-WebServicesVirtualDirectory' = 'Exchange Virtual Directories (read: View-Only Configuration)'
}

function Get-ImpMissingCommands([string[]]$Name) {
    # A Management Shell session holds only the cmdlets the admin's roles grant. $Name: cmdlets, each
    # optionally followed by the parameters needed ("New-ManagementScope -Name"); only cmdlets are returned.
    @($Name | ForEach-Object { ([string]$_ -split ' ')[0] } | Select-Object -Unique | Where-Object { -not (Get-Command -Name $_ -ErrorAction SilentlyContinue) })
}

function Get-ImpMissingParameters([string[]]$Name) {
    # ... and each cmdlet with only the parameters their role entries grant: implicit remoting's proxy
    # declares no others. "Cmdlet -Parameter" for each one missing from a cmdlet that is there.
    $missing = New-Object System.Collections.ArrayList
    foreach ($spec in $Name) {
        $words = @(([string]$spec -split ' ') | Where-Object { $_ })
        $command = Get-Command -Name $words[0] -ErrorAction SilentlyContinue
        if ($null -eq $command) { continue }
        foreach ($word in @($words | Select-Object -Skip 1)) {
            $parameter = $word.TrimStart('-')
            if (-not $command.Parameters.ContainsKey($parameter)) {
                $entry = $words[0] + ' -' + $parameter
                if (-not $missing.Contains($entry)) { [void]$missing.Add($entry) }
            }
        }
    }
    $missing.ToArray()
}

function Get-ImpMissingCommandText([string[]]$Missing) {
    $parts = @($Missing | ForEach-Object { $_ + ' (role: ' + $ImpCmdletRoles[([string]$_ -split ' ')[0]] + ')' })
    'This Management Shell session has no ' + ($parts -join ', ') + '. The session holds only the cmdlets and parameters your management roles grant.'
}

function Stop-ImpMissing([string]$Message, [string]$Target) {
    # imp reports this as a missing permission (exit 3), before anything was changed.
    $exception = New-Object System.Management.Automation.CommandNotFoundException $Message
    $record = New-Object System.Management.Automation.ErrorRecord ($exception, 'ImpCmdletMissing', [System.Management.Automation.ErrorCategory]::PermissionDenied, $Target)
    throw $record
}

function Assert-ImpCommands([string[]]$Name) {
    $missing = @(Get-ImpMissingCommands $Name)
    if ($missing.Count -eq 0) { $missing = @(Get-ImpMissingParameters $Name) }
    if ($missing.Count -eq 0) { return }
    Stop-ImpMissing (Get-ImpMissingCommandText $missing) ($missing -join ',')
}

function Test-ImpNotFound($ErrorRecord) {
    # Through remoting the exception is a RemoteException; Exchange's type survives in the reason and the id.
    ([string]$ErrorRecord.CategoryInfo.Reason + ' ' + $ErrorRecord.Exception.GetType().Name + ' ' + [string]$ErrorRecord.FullyQualifiedErrorId) -match 'NotFound'
}

function Get-ImpCaller {
    # Who runs the Management Shell: the account of a remote session opened with a stored credential
    # (connect.ps1), else this computer's user (the local loader and Kerberos use it).
    if ($ImpCallerAccount) { return [string]$ImpCallerAccount }
    # $null where Windows identities do not exist (pwsh off Windows): the check is then left to Exchange.
    try { [string][System.Security.Principal.WindowsIdentity]::GetCurrent().Name } catch { $null }
}

function Assert-ImpCanDelegate {
    # Exchange assigns (and removes) ApplicationImpersonation only for an admin who holds a delegating
    # assignment of it, directly or through a role group: Organization Management has one. Checked before
    # anything changes. An admin imp cannot look up (no Get-User, a local account) is left to Exchange.
    if (@(Get-ImpMissingCommands @('Get-User')).Count -gt 0) { return }
    $caller = Get-ImpCaller
    if (-not $caller) { return }
    try { $me = Get-User -Identity $caller -ErrorAction Stop }
    catch {
        if (Test-ImpNotFound $_) { return }
        throw
    }
    $delegating = @(Get-ManagementRoleAssignment -RoleAssignee ([string]$me.DistinguishedName) -Role ApplicationImpersonation -Delegating $true -ErrorAction Stop | Where-Object { $_.Enabled })
    if ($delegating.Count -gt 0) { return }
    $fix = 'add ' + $caller + ' to the Organization Management role group (it holds one), or have a member of it run: New-ManagementRoleAssignment -Role ApplicationImpersonation -User ' + (ConvertTo-ImpOpathValue $caller) + ' -Delegating'
    Stop-ImpMissing ($caller + ' holds no delegating ApplicationImpersonation assignment; Exchange assigns or removes the role only for an admin who holds one. Fix: ' + $fix + '.') $caller
}

function Get-ImpEwsVirtualDirectories {
    # The EWS virtual directories, for their URLs and Basic authentication (verify; expiry --check-login
    # without --ews-url). -ADPropertiesOnly avoids slow IIS metabase reads. Without the cmdlet (the
    # admin's roles do not grant it) vdirError says so and the caller carries on.
    $missing = @(Get-ImpMissingCommands @('Get-WebServicesVirtualDirectory'))
    if ($missing.Count -gt 0) { return [pscustomobject]@{ vdirs = @(); vdirError = (Get-ImpMissingCommandText $missing) } }
    $vdirs = @(Get-WebServicesVirtualDirectory -ADPropertiesOnly -ErrorAction Stop | ForEach-Object {
            [pscustomobject]@{
                server              = [string]$_.Server
                identity            = [string]$_.Identity
                internalUrl         = $(if ($_.InternalUrl) { [string]$_.InternalUrl } else { $null })
                externalUrl         = $(if ($_.ExternalUrl) { [string]$_.ExternalUrl } else { $null })
                basicAuthentication = [bool]$_.BasicAuthentication
            }
        })
    [pscustomobject]@{ vdirs = $vdirs; vdirError = $null }
}

function Get-ImpMailbox([string]$Address) {
    # Exchange's own not-found error (ManagementObjectNotFoundException) is left to surface as is.
    $mailbox = Get-Mailbox -Identity $Address -ErrorAction Stop
    $primary = [string]$mailbox.PrimarySmtpAddress
    [pscustomobject]@{
        name               = [string]$mailbox.Name
        alias              = [string]$mailbox.Alias
        distinguishedName  = [string]$mailbox.DistinguishedName
        primarySmtpAddress = $primary
        isPrimary          = ($primary -eq $Address)
        recipientTypeDetails = [string]$mailbox.RecipientTypeDetails
        accountDisabled    = [bool]$mailbox.AccountDisabled
        emailAddresses     = @($mailbox.EmailAddresses | ForEach-Object { [string]$_ })
    }
}

function ConvertTo-ImpAssignment($Assignment) {
    $chain = $null
    if ($Assignment.AssignmentChain) { $chain = [string]$Assignment.AssignmentChain }
    elseif ([string]$Assignment.AssignmentMethod -ne 'Direct' -and [string]$Assignment.RoleAssigneeType -ne 'User') {
        # Through -RoleAssignee, a row that reaches the account through a group names that group.
        $chain = [string]$Assignment.RoleAssigneeName
    }
    [pscustomobject]@{
        name                      = [string]$Assignment.Name
        role                      = [string]$Assignment.Role
        roleAssigneeName          = [string]$Assignment.RoleAssigneeName
        roleAssigneeType          = [string]$Assignment.RoleAssigneeType
        assignmentMethod          = [string]$Assignment.AssignmentMethod
        effectiveUserName         = [string]$Assignment.EffectiveUserName
        assignmentChain           = $chain
        enabled                   = [bool]$Assignment.Enabled
        customRecipientWriteScope = $(if ($Assignment.CustomRecipientWriteScope) { [string]$Assignment.CustomRecipientWriteScope } else { $null })
        recipientWriteScope       = [string]$Assignment.RecipientWriteScope
        whenCreatedUTC            = (ConvertTo-ImpUtcIsoTime $Assignment.WhenCreatedUTC)
    }
}

function Get-ImpImpersonationAssignments($Mailbox) {
    # By the account's distinguished name, never its display name (names are unique only within an OU).
    # -RoleAssignee returns direct assignments and those through (nested) security and role groups.
    # Delegating assignments only allow handing the role on, not using it.
    $rows = Get-ManagementRoleAssignment -RoleAssignee $Mailbox.distinguishedName -Role ApplicationImpersonation -Delegating $false -ErrorAction Stop
    @($rows | ForEach-Object { ConvertTo-ImpAssignment $_ })
}

function Get-ImpDirectAssignments($Mailbox) {
    @(Get-ImpImpersonationAssignments $Mailbox | Where-Object { $_.assignmentMethod -eq 'Direct' -and $_.roleAssigneeType -eq 'User' })
}

function Get-ImpFilterTokens([string]$Filter) {
    # Words, parentheses and quoted values of an OPATH filter; quotes ' " and the typographic ones,
    # a doubled quote standing for itself. $null when the text does not tokenize.
    $tokens = New-Object System.Collections.ArrayList
    $singles = [string][char]0x27 + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B
    $doubles = [string][char]0x22 + [char]0x201C + [char]0x201D + [char]0x201E
    $i = 0
    while ($i -lt $Filter.Length) {
        $c = $Filter[$i]
        if ([char]::IsWhiteSpace($c)) { $i++; continue }
        if ($c -eq '(' -or $c -eq ')') { [void]$tokens.Add(@{ kind = [string]$c; text = [string]$c }); $i++; continue }
        $quotes = $null
        if ($singles.IndexOf($c) -ge 0) { $quotes = $singles } elseif ($doubles.IndexOf($c) -ge 0) { $quotes = $doubles }
        if ($quotes) {
            $text = New-Object System.Text.StringBuilder
            $i++
            $closed = $false
            while ($i -lt $Filter.Length) {
                if ($quotes.IndexOf($Filter[$i]) -ge 0) {
                    if ($i + 1 -lt $Filter.Length -and $quotes.IndexOf($Filter[$i + 1]) -ge 0) { [void]$text.Append($Filter[$i]); $i += 2; continue }
                    $closed = $true; $i++; break
                }
                [void]$text.Append($Filter[$i]); $i++
            }
            if (-not $closed) { return $null }
            [void]$tokens.Add(@{ kind = 'value'; text = $text.ToString() })
            continue
        }
        $start = $i
        while ($i -lt $Filter.Length -and -not [char]::IsWhiteSpace($Filter[$i]) -and $Filter[$i] -ne '(' -and $Filter[$i] -ne ')') { $i++ }
        [void]$tokens.Add(@{ kind = 'word'; text = $Filter.Substring($start, $i - $start) })
    }
    , $tokens.ToArray()
}

function Get-ImpFilterTerms([string]$Filter) {
    # The meaning of a filter that is a plain disjunction of "Property -eq Value" terms (the only kind
    # imp writes) as a sorted list of "property=value"; $null for anything else. Exchange stores a scope
    # filter after parsing it, so parentheses, quoting and case may differ from what imp wrote.
    $tokens = Get-ImpFilterTokens $Filter
    if ($null -eq $tokens) { return $null }
    $terms = New-Object System.Collections.Generic.SortedSet[string] ([StringComparer]::OrdinalIgnoreCase)
    $words = @($tokens | Where-Object { $_.kind -ne '(' -and $_.kind -ne ')' })
    $i = 0
    while ($i -lt $words.Count) {
        if ($i + 2 -ge $words.Count -or $words[$i].kind -ne 'word' -or $words[$i + 1].text -ne '-eq') { return $null }
        if ($words[$i + 2].kind -eq 'word' -and $words[$i + 2].text.StartsWith('-')) { return $null }
        [void]$terms.Add($words[$i].text + '=' + $words[$i + 2].text)
        $i += 3
        if ($i -lt $words.Count) {
            if ($words[$i].text -ne '-or') { return $null }
            $i++
            if ($i -ge $words.Count) { return $null }
        }
    }
    , @($terms)
}

function Test-ImpSameFilter([string]$Left, [string]$Right) {
    if ($Left -eq $Right) { return $true }
    $a = Get-ImpFilterTerms $Left
    $b = Get-ImpFilterTerms $Right
    if ($null -eq $a -or $null -eq $b -or $a.Count -eq 0) { return $false }
    (($a -join "`n") -eq ($b -join "`n"))
}
