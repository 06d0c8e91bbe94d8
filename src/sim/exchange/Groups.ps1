# Get-Group and Get-DistributionGroupMember.

function ConvertTo-SimGroupOutput($State, $Group) {
    $memberNames = [System.Collections.Generic.List[string]]::new()
    foreach ($memberDn in $Group.members) {
        $member = Find-SimByDistinguishedName $State $memberDn
        if ($null -eq $member) { $memberNames.Add($memberDn) } else { $memberNames.Add($member.name) }
    }
    return [pscustomobject]@{
        Name                 = $Group.name
        DisplayName          = $Group.name
        SamAccountName       = $Group.samAccountName
        DistinguishedName    = $Group.distinguishedName
        Identity             = ConvertTo-SimCanonicalName $State $Group.distinguishedName $Group.name
        Guid                 = [guid]$Group.guid
        RecipientTypeDetails = $Group.recipientTypeDetails
        WindowsEmailAddress  = $Group.primarySmtpAddress
        Members              = $memberNames.ToArray()
    }
}

function Get-Group {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Identity,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        if ($PSBoundParameters.ContainsKey('Identity')) {
            $selected = @(Resolve-SimIdentity $state $state.groups $Identity)
        } else {
            $selected = Select-SimResultSize $state.groups $ResultSize
        }
        $output = foreach ($group in $selected) { ConvertTo-SimGroupOutput $state $group }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}

function Get-DistributionGroupMember {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Identity,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState
        $mailGroups = @($state.groups | Where-Object { Test-SimMailEnabledGroup $_ })
        $group = Resolve-SimIdentity $state $mailGroups $Identity
        # Direct members that are recipients; users without a mailbox are not.
        $members = [System.Collections.Generic.List[object]]::new()
        $recipients = Get-SimRecipients $state
        foreach ($memberDn in $group.members) {
            foreach ($recipient in $recipients) {
                if (Test-SimText $recipient.distinguishedName $memberDn) { $members.Add($recipient) }
            }
        }
        $output = foreach ($member in (Select-SimResultSize $members.ToArray() $ResultSize)) { ConvertTo-SimRecipientOutput $state $member }
    } catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-SimErrorRecord $_ $MyInvocation.MyCommand.Name))
    }
    $output
}
