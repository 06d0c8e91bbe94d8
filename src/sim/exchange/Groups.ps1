# Get-Group, Get-DistributionGroupMember and Get-DynamicDistributionGroup, as Exchange serves them:
# Get-Group finds every security and distribution group (mail-enabled or not, role groups too) but no dynamic
# group; Get-DistributionGroupMember serves only mail-enabled groups and lists direct members that are
# recipients, nested groups as themselves (not expanded); a dynamic group has no member list at all.

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
        RecipientType        = (Get-SimDirectoryFacts $State $Group).RecipientType
        RecipientTypeDetails = $Group.recipientTypeDetails
        WindowsEmailAddress  = $Group.primarySmtpAddress
        Members              = $memberNames.ToArray()
    }
}

function Get-Group {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'AnrSet')] [string] $Anr,
        [pscredential] $Credential,
        [string] $Filter,
        [switch] $IgnoreDefaultScope,
        [string] $OrganizationalUnit,
        [switch] $ReadFromDomainController,
        [string[]] $RecipientTypeDetails,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $SortBy,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Anr', 'Credential', 'Filter', 'OrganizationalUnit', 'RecipientTypeDetails', 'SortBy')
        $state = Read-SimState
        $groups = @($state.groups | Where-Object { -not (Test-SimDynamicGroup $_) })
        $output = foreach ($group in (Select-SimByIdentity $state $groups $PSBoundParameters)) { ConvertTo-SimGroupOutput $state $group }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.Management.WindowsGroup'
}

function Get-DistributionGroupMember {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)] [string] $Identity,
        [pscredential] $Credential,
        [switch] $IgnoreDefaultScope,
        [switch] $ReadFromDomainController,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Credential')
        $state = Read-SimState
        $mailGroups = @($state.groups | Where-Object { (Test-SimMailEnabledGroup $_) -and -not (Test-SimDynamicGroup $_) })
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
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.Management.ReducedRecipient'
}

function ConvertTo-SimDynamicGroupOutput($State, $Group) {
    $facts = Get-SimDirectoryFacts $State $Group
    $container = $null
    if ($Group.recipientContainer) { $container = ConvertTo-SimContainerCanonicalName $State $Group.recipientContainer }
    return [pscustomobject]@{
        Name                 = $facts.Name
        Alias                = $facts.Alias
        DisplayName          = $facts.DisplayName
        RecipientType        = $facts.RecipientType
        RecipientTypeDetails = $facts.RecipientTypeDetails
        PrimarySmtpAddress   = $facts.PrimarySmtpAddress
        EmailAddresses       = [string[]]$facts.EmailAddresses
        # Stored as Exchange stores it: parsed and re-rendered.
        RecipientFilter      = ConvertTo-SimStoredFilter $Group.recipientFilter
        LdapRecipientFilter  = $null
        RecipientContainer   = $container
        DistinguishedName    = $facts.DistinguishedName
        Identity             = $facts.Identity
        Guid                 = [guid]$facts.Guid
    }
}

function Get-DynamicDistributionGroup {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(Mandatory = $true, ParameterSetName = 'AnrSet')] [string] $Anr,
        [Parameter(Mandatory = $true, ParameterSetName = 'ManagedBySet')] [string] $ManagedBy,
        [pscredential] $Credential,
        [string] $Filter,
        [switch] $IncludeSystemObjects,
        [string] $OrganizationalUnit,
        [ValidatePattern('^(?i:unlimited|\d+)$')] [string] $ResultSize,
        [string] $SortBy,
        [switch] $IgnoreDefaultScope,
        [switch] $ReadFromDomainController,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Anr', 'Credential', 'Filter', 'IncludeSystemObjects', 'ManagedBy', 'OrganizationalUnit', 'SortBy')
        $state = Read-SimState
        $groups = @($state.groups | Where-Object { Test-SimDynamicGroup $_ })
        $output = foreach ($group in (Select-SimByIdentity $state $groups $PSBoundParameters)) { ConvertTo-SimDynamicGroupOutput $state $group }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Data.Directory.Management.DynamicDistributionGroup'
}
