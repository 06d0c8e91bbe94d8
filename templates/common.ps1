# Helpers shared by imp's templates. Plain functions over the Exchange cmdlets; no value is ever
# turned into script text. Runs unchanged on Windows PowerShell 5.1 and PowerShell 7.

function ConvertTo-ImpIsoTime($Value) {
    # Windows PowerShell 5.1 would serialise a DateTime as "\/Date(...)\/": send ISO 8601 UTC instead.
    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    ([datetime]$Value).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture)
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
        whenCreatedUTC            = (ConvertTo-ImpIsoTime $Assignment.WhenCreatedUTC)
    }
}

function Get-ImpImpersonationAssignments($Mailbox) {
    # -GetEffectiveUsers expands group-based assignments into one row per member, so an assignment
    # reaching the account through a security or role group is found as well as a direct one.
    # Delegating assignments only allow handing the role on, not using it.
    $rows = Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers -Delegating $false -ErrorAction Stop
    @($rows | Where-Object {
            $_.EffectiveUserName -ne 'All Group Members' -and [string]$_.EffectiveUserName -eq $Mailbox.name
        } | ForEach-Object { ConvertTo-ImpAssignment $_ })
}

function Get-ImpDirectAssignments($Mailbox) {
    $rows = Get-ManagementRoleAssignment -RoleAssignee $Mailbox.distinguishedName -Role ApplicationImpersonation -Delegating $false -ErrorAction Stop
    @($rows | Where-Object { [string]$_.RoleAssigneeType -eq 'User' } | ForEach-Object { ConvertTo-ImpAssignment $_ })
}
