# New-, Get- and Remove-ManagementRoleAssignment: who holds ApplicationImpersonation, directly or through
# groups, and which recipients an assignment can write.

function Get-SimRbacDistinguishedName($State, [string] $Container, [string] $Name) {
    return 'CN={0},CN={1},CN=RBAC,CN={2},CN=Microsoft Exchange,CN=Services,CN=Configuration,{3}' -f `
        $Name, $Container, $State.organization.name, $State.organization.distinguishedName
}

function ConvertTo-SimAssignmentOutput($State, $Assignment, [string] $AssignmentMethod, $EffectiveUserName, [string] $AssignmentChain) {
    $assignee = Find-SimByDistinguishedName $State $Assignment.roleAssignee
    if ($null -eq $assignee) { $assigneeCanonical = $Assignment.roleAssignee }
    else { $assigneeCanonical = ConvertTo-SimCanonicalName $State $assignee.distinguishedName $assignee.name }
    if ($null -eq $EffectiveUserName) { $EffectiveUserName = $Assignment.roleAssigneeName }
    $created = ConvertTo-SimUtcDate $Assignment.whenCreatedUTC
    return [pscustomobject]@{
        RunspaceId                   = [System.Management.Automation.Runspaces.Runspace]::DefaultRunspace.InstanceId
        User                         = $assigneeCanonical
        AssignmentMethod             = $AssignmentMethod
        Identity                     = $Assignment.name
        EffectiveUserName            = $EffectiveUserName
        AssignmentChain              = $AssignmentChain
        RoleAssigneeType             = $Assignment.roleAssigneeType
        RoleAssignee                 = $assigneeCanonical
        Role                         = $Assignment.role
        RoleAssignmentDelegationType = $Assignment.roleAssignmentDelegationType
        CustomRecipientWriteScope    = ConvertTo-SimWriteScopeText $State $Assignment
        CustomConfigWriteScope       = $null
        RecipientReadScope           = 'Organization'
        ConfigReadScope              = 'None'
        RecipientWriteScope          = $Assignment.recipientWriteScope
        ConfigWriteScope             = 'None'
        Enabled                      = [bool]$Assignment.enabled
        RoleAssigneeName             = $Assignment.roleAssigneeName
        IsValid                      = $true
        ExchangeVersion              = '0.11 (14.0.550.0)'
        Name                         = $Assignment.name
        DistinguishedName            = Get-SimRbacDistinguishedName $State 'Role Assignments' $Assignment.name
        Guid                         = [guid]$Assignment.guid
        WhenCreated                  = ConvertTo-SimRemoteTime $created.ToLocalTime()
        WhenCreatedUTC               = ConvertTo-SimRemoteTime $created
        WhenChanged                  = ConvertTo-SimRemoteTime $created.ToLocalTime()
        WhenChangedUTC               = ConvertTo-SimRemoteTime $created
        ObjectState                  = 'Unchanged'
    }
}

function ConvertTo-SimWriteScopeText($State, $Assignment) {
    # An OU scope holds the OU (shown by canonical name), a custom or exclusive scope its scope's name.
    if ($Assignment.recipientWriteScope -eq 'OU') { return ConvertTo-SimContainerCanonicalName $State $Assignment.customRecipientWriteScope }
    return $Assignment.customRecipientWriteScope
}

function Get-SimExclusiveScopesOver($State, [System.Collections.IDictionary] $Facts) {
    # Exclusive scopes that select the recipient. From the moment one exists, only assignments with an
    # exclusive scope that selects the recipient may write it: every other assignment is blocked.
    $found = [System.Collections.Generic.List[object]]::new()
    foreach ($scope in $State.scopes) {
        if ($scope.exclusive -and (Test-SimScopeSelects $State $scope $Facts)) { $found.Add($scope) }
    }
    return ,$found.ToArray()
}

function Assert-SimRole([string] $Role) {
    if (-not (Test-SimText $Role $script:ImpersonationRole)) {
        throw [ManagementObjectNotFoundException]::new(($script:Messages.RoleNotFound -f $Role))
    }
}

function Resolve-SimRoleAssignee($State, [string] $Identity) {
    # A role assignee is any AD user (a mailbox is not required) or a role group / security group.
    $users = Find-SimByIdentity $State $State.users $Identity
    if ($users.Count -eq 1) { return $users[0] }
    if ($users.Count -gt 1) { throw [ManagementObjectAmbiguousException]::new(($script:Messages.ObjectAmbiguous -f $Identity)) }
    return Resolve-SimIdentity $State (Get-SimSecurityGroups $State) $Identity
}

function Get-SimGroupAssignmentMethod($Group) {
    if ($Group.recipientTypeDetails -eq 'RoleGroup') { return 'RoleGroup' }
    return 'SecurityGroup'
}

function Get-SimUniqueAssignmentName($State, [string] $Base) {
    # Exchange's auto-name (UNCONFIRMED pattern): <Role>-<Assignee>[-Delegating], made unique with -2, -3, ...
    $taken = Get-SimNameSet $State.assignments
    for ($n = 1; ; $n++) {
        if ($n -eq 1) { $suffix = '' } else { $suffix = '-' + $n }
        $candidate = $Base
        if ($candidate.Length + $suffix.Length -gt $script:MaxNameLength) { $candidate = $candidate.Substring(0, $script:MaxNameLength - $suffix.Length) }
        $candidate += $suffix
        if (-not $taken.Contains($candidate)) { return $candidate }
    }
}

function Test-SimAssignmentCovers($State, $Assignment, [System.Collections.IDictionary] $Facts) {
    # Delegating assignments let their holder hand the role out; they give no access to recipients.
    if ($Assignment.roleAssignmentDelegationType -ne 'Regular' -or -not $Assignment.enabled) { return $false }
    if ($Assignment.recipientWriteScope -eq 'ExclusiveRecipientScope') {
        $scope = Find-SimScopeByName $State $Assignment.customRecipientWriteScope
        return ($null -ne $scope) -and (Test-SimScopeSelects $State $scope $Facts)
    }
    if ((Get-SimExclusiveScopesOver $State $Facts).Count -gt 0) { return $false }
    switch ($Assignment.recipientWriteScope) {
        'Organization' { return $true }
        # An OU scope reaches the OU's whole subtree.
        'OU' { return Test-SimUnderContainer $Facts $Assignment.customRecipientWriteScope }
        'CustomRecipientScope' {
            $scope = Find-SimScopeByName $State $Assignment.customRecipientWriteScope
            return ($null -ne $scope) -and (Test-SimScopeSelects $State $scope $Facts)
        }
    }
    return $false
}

function Get-SimAssignmentRows($State, [System.Collections.IDictionary] $Bound) {
    # Rows are (assignment, how it reaches the assignee). Without -RoleAssignee every assignment is Direct.
    $candidates = $State.assignments
    if ($Bound.ContainsKey('Identity') -and $Bound['Identity']) {
        $candidates = @(Resolve-SimIdentity $State $State.assignments $Bound['Identity'] 'Assignment')
    }
    $rows = [System.Collections.Generic.List[object]]::new()
    if ($Bound.ContainsKey('RoleAssignee')) {
        $principal = Resolve-SimRoleAssignee $State $Bound['RoleAssignee']
        $viaGroups = @{}  # by distinguished name; PowerShell hashtables ignore case
        foreach ($group in (Get-SimGroupsOf $State $principal.distinguishedName -Recurse -SecurityOnly)) {
            $viaGroups[$group.distinguishedName] = $group
        }
        foreach ($assignment in $candidates) {
            if (Test-SimText $assignment.roleAssignee $principal.distinguishedName) {
                $rows.Add(@{ Assignment = $assignment; Method = 'Direct' })
            } elseif ($viaGroups.ContainsKey([string]$assignment.roleAssignee)) {
                $rows.Add(@{ Assignment = $assignment; Method = (Get-SimGroupAssignmentMethod $viaGroups[[string]$assignment.roleAssignee]) })
            }
        }
    } else {
        foreach ($assignment in $candidates) { $rows.Add(@{ Assignment = $assignment; Method = 'Direct' }) }
    }
    return ,$rows.ToArray()
}

function Test-SimAssignmentRow($State, $Row, [System.Collections.IDictionary] $Bound, $Scope, $RecipientFacts) {
    $assignment = $Row.Assignment
    if ($Bound.ContainsKey('Role') -and -not (Test-SimText $assignment.role $Bound['Role'])) { return $false }
    if ($Bound.ContainsKey('AssignmentMethod') -and -not (Test-SimTextIn $Row.Method $Bound['AssignmentMethod'])) { return $false }
    if ($Bound.ContainsKey('Enabled') -and [bool]$assignment.enabled -ne $Bound['Enabled']) { return $false }
    if ($Bound.ContainsKey('Delegating') -and ($assignment.roleAssignmentDelegationType -ne 'Regular') -ne $Bound['Delegating']) { return $false }
    if ($Bound.ContainsKey('RoleAssigneeType') -and -not (Test-SimText $assignment.roleAssigneeType $Bound['RoleAssigneeType'])) { return $false }
    if ($Bound.ContainsKey('RecipientWriteScope') -and -not (Test-SimText $assignment.recipientWriteScope $Bound['RecipientWriteScope'])) { return $false }
    if ($Bound.ContainsKey('Exclusive') -and ($assignment.recipientWriteScope -eq 'ExclusiveRecipientScope') -ne $Bound['Exclusive']) { return $false }
    if ($null -ne $Scope) {
        if ($assignment.recipientWriteScope -ne $Scope.Type -or -not (Test-SimText $assignment.customRecipientWriteScope $Scope.Name)) { return $false }
    }
    if ($null -ne $RecipientFacts -and -not (Test-SimAssignmentCovers $State $assignment $RecipientFacts)) { return $false }
    return $true
}

function Get-SimAllGroupMembersText($State) {
    # Localised with the server's language (UNCONFIRMED which texts): callers must not match the English one.
    $text = $State.organization.PSObject.Properties['allGroupMembers']
    if ($null -ne $text -and $text.Value) { return [string]$text.Value }
    return $script:Messages.AllGroupMembers
}

function Get-SimScopeSelector($State, [System.Collections.IDictionary] $Bound) {
    # Get-ManagementRoleAssignment's scope filters: which write scope type and which scope or OU.
    if ($Bound.ContainsKey('CustomRecipientWriteScope')) { return @{ Type = 'CustomRecipientScope'; Name = (Resolve-SimScope $State $Bound['CustomRecipientWriteScope']).name } }
    if ($Bound.ContainsKey('ExclusiveRecipientWriteScope')) { return @{ Type = 'ExclusiveRecipientScope'; Name = (Resolve-SimScope $State $Bound['ExclusiveRecipientWriteScope']).name } }
    if ($Bound.ContainsKey('RecipientOrganizationalUnitScope')) { return @{ Type = 'OU'; Name = (Resolve-SimOrganizationalUnit $State $Bound['RecipientOrganizationalUnitScope']).DistinguishedName } }
    return $null
}

function ConvertTo-SimEffectiveRows($State, $Row) {
    # -GetEffectiveUsers: a group assignment becomes an "All Group Members" row plus one row per member user.
    $assignment = $Row.Assignment
    $output = [System.Collections.Generic.List[object]]::new()
    $group = $null
    if ($assignment.roleAssigneeType -ne 'User') { $group = Find-SimByDistinguishedName $State $assignment.roleAssignee }
    if ($null -eq $group -or -not (Test-SimIsGroup $group)) {
        $output.Add((ConvertTo-SimAssignmentOutput $State $assignment $Row.Method $assignment.roleAssigneeName ''))
        return ,$output.ToArray()
    }
    $output.Add((ConvertTo-SimAssignmentOutput $State $assignment $Row.Method (Get-SimAllGroupMembersText $State) ''))
    $memberMethod = Get-SimGroupAssignmentMethod $group
    foreach ($user in (Get-SimGroupMemberUsers $State $group)) {
        $output.Add((ConvertTo-SimAssignmentOutput $State $assignment $memberMethod $user.name $group.name))
    }
    return ,$output.ToArray()
}

function New-SimAssignmentRecord($State, [System.Collections.IDictionary] $Bound, [string] $ParameterSet) {
    Assert-SimRole $Bound['Role']
    Assert-SimCanDelegate $State $script:ImpersonationRole
    if ($ParameterSet -eq 'User') {
        $assignee = Resolve-SimIdentity $State $State.users $Bound['User']
        $assigneeType = 'User'
    } else {
        $assignee = Resolve-SimIdentity $State (Get-SimSecurityGroups $State) $Bound['SecurityGroup']
        if ($assignee.recipientTypeDetails -eq 'RoleGroup') { $assigneeType = 'RoleGroup' } else { $assigneeType = 'SecurityGroup' }
    }

    $writeScope = 'Organization'
    $scopeName = $null
    $scopeParameters = @(@('CustomRecipientWriteScope', 'RecipientOrganizationalUnitScope', 'ExclusiveRecipientWriteScope') | Where-Object { $Bound.ContainsKey($_) })
    if ($scopeParameters.Count -gt 1) {
        throw [ArgumentValidationException]::new(($script:Messages.ScopeParametersTogether -f ($scopeParameters -join ', ')))
    }
    if ($Bound.ContainsKey('CustomRecipientWriteScope')) {
        $scope = Resolve-SimScope $State $Bound['CustomRecipientWriteScope']
        if ($scope.exclusive) { throw [ArgumentValidationException]::new(($script:Messages.ScopeIsExclusive -f $scope.name)) }
        $scopeName = $scope.name
        $writeScope = 'CustomRecipientScope'
    } elseif ($Bound.ContainsKey('ExclusiveRecipientWriteScope')) {
        $scope = Resolve-SimScope $State $Bound['ExclusiveRecipientWriteScope']
        if (-not $scope.exclusive) { throw [ArgumentValidationException]::new(($script:Messages.ScopeNotExclusive -f $scope.name)) }
        $scopeName = $scope.name
        $writeScope = 'ExclusiveRecipientScope'
    } elseif ($Bound.ContainsKey('RecipientOrganizationalUnitScope')) {
        $scopeName = (Resolve-SimOrganizationalUnit $State $Bound['RecipientOrganizationalUnitScope']).DistinguishedName
        $writeScope = 'OU'
    } elseif ($Bound.ContainsKey('RecipientRelativeWriteScope') -and $Bound['RecipientRelativeWriteScope'] -ne 'Organization') {
        throw [DataValidationException]::new(($script:Messages.RelativeScopeUnsupported -f $Bound['RecipientRelativeWriteScope']))
    }

    if ($Bound['Delegating']) { $delegation = 'Delegating' } else { $delegation = 'Regular' }
    if ($Bound.ContainsKey('Name')) {
        $name = [string]$Bound['Name']
        Assert-SimNameLength $name
        if ((Get-SimNameSet $State.assignments).Contains($name)) {
            throw [ADObjectAlreadyExistsException]::new(($script:Messages.AssignmentExists -f $name))
        }
    } else {
        $base = $script:ImpersonationRole + '-' + $assignee.name
        if ($delegation -eq 'Delegating') { $base += '-Delegating' }
        $name = Get-SimUniqueAssignmentName $State $base
    }

    return [pscustomobject]@{
        guid                         = [guid]::NewGuid().ToString()
        name                         = $name
        role                         = $script:ImpersonationRole
        roleAssignee                 = $assignee.distinguishedName
        roleAssigneeName             = $assignee.name
        roleAssigneeType             = $assigneeType
        roleAssignmentDelegationType = $delegation
        customRecipientWriteScope    = $scopeName
        recipientWriteScope          = $writeScope
        enabled                      = $true
        whenCreatedUTC               = ConvertTo-SimIsoText ([DateTime]::UtcNow)
    }
}

function New-ManagementRoleAssignment {
    [CmdletBinding(DefaultParameterSetName = 'User', SupportsShouldProcess = $true)]
    param(
        [Parameter(Position = 0)] [string] $Name,
        [Parameter(Mandatory = $true)] [string] $Role,
        [Parameter(Mandatory = $true, ParameterSetName = 'User')] [string] $User,
        [Parameter(Mandatory = $true, ParameterSetName = 'SecurityGroup')] [string] $SecurityGroup,
        [Parameter(Mandatory = $true, ParameterSetName = 'Policy')] [string] $Policy,
        [Parameter(Mandatory = $true, ParameterSetName = 'Computer')] [string] $Computer,
        [string] $CustomRecipientWriteScope,
        [string] $RecipientOrganizationalUnitScope,
        [string] $ExclusiveRecipientWriteScope,
        [ValidateSet('None', 'Organization', 'MyGAL', 'Self', 'MyDistributionGroups')] [string] $RecipientRelativeWriteScope,
        [string] $CustomConfigWriteScope,
        [string] $ExclusiveConfigWriteScope,
        [string] $RecipientAdministrativeUnitScope,
        [switch] $Delegating,
        [switch] $UnScopedTopLevel,
        [string] $DomainController
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        Assert-SimModelled $PSBoundParameters @('Policy', 'Computer', 'CustomConfigWriteScope', 'ExclusiveConfigWriteScope', 'RecipientAdministrativeUnitScope', 'UnScopedTopLevel')
        # Validated once before the lock (errors and -WhatIf need no lock), and again under it.
        $record = New-SimAssignmentRecord (Read-SimState -Shared) $PSBoundParameters $PSCmdlet.ParameterSetName
        if (-not $PSCmdlet.ShouldProcess(('Creating management role assignment "{0}".' -f $record.name), $record.name, 'New-ManagementRoleAssignment')) { return }
        $lock = Lock-SimState
        try {
            $state = Read-SimState
            $record = New-SimAssignmentRecord $state $PSBoundParameters $PSCmdlet.ParameterSetName
            $state.assignments = $state.assignments + $record
            Write-SimState $state
        } finally {
            Unlock-SimState $lock
        }
        $output = ConvertTo-SimAssignmentOutput $state $record 'Direct' $null ''
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    # Written after the lock is released: a downstream cmdlet in the same pipeline needs the lock too.
    ConvertTo-SimRemoteOutput $output 'Microsoft.Exchange.Management.RbacTasks.ExchangeRoleAssignmentPresentation'
}

function Get-ManagementRoleAssignment {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'Identity')] [string] $Identity,
        [Parameter(ParameterSetName = 'RoleAssignee')] [string] $RoleAssignee,
        [Parameter(ParameterSetName = 'RoleAssignee')] [string] $Role,
        [Parameter(ParameterSetName = 'RoleAssignee')]
        [ValidateSet('Direct', 'SecurityGroup', 'RoleGroup', 'RoleAssignmentPolicy')] [string[]] $AssignmentMethod,
        [ValidateSet('None', 'NotApplicable', 'OrganizationConfig', 'CustomConfigScope', 'PartnerDelegatedTenantScope', 'ExclusiveConfigScope')]
        [string] $ConfigWriteScope,
        [string] $CustomConfigWriteScope,
        [string] $CustomRecipientWriteScope,
        [bool] $Delegating,
        [string] $DomainController,
        [bool] $Enabled,
        [bool] $Exclusive,
        [string] $ExclusiveConfigWriteScope,
        [string] $ExclusiveRecipientWriteScope,
        [switch] $GetEffectiveUsers,
        [string] $RecipientOrganizationalUnitScope,
        [ValidateSet('None', 'NotApplicable', 'Organization', 'MyGAL', 'Self', 'MyDirectReports', 'OU', 'CustomRecipientScope', 'MyDistributionGroups', 'MyExecutive', 'ExclusiveRecipientScope', 'MailboxICanDelegate')]
        [string] $RecipientWriteScope,
        [ValidateSet('User', 'SecurityGroup', 'RoleAssignmentPolicy', 'MailboxPlan', 'ForeignSecurityPrincipal', 'RoleGroup', 'LinkedRoleGroup', 'Computer', 'PartnerLinkedRoleGroup')]
        [string] $RoleAssigneeType,
        [string] $WritableDatabase,
        [string] $WritableRecipient,
        [string] $WritableServer,
        [string] $RecipientAdministrativeUnitScope
    )
    try {
        Write-SimCallLog $MyInvocation.MyCommand.Name $PSBoundParameters
        $state = Read-SimState -Shared
        if ($PSBoundParameters.ContainsKey('AssignmentMethod') -and -not $PSBoundParameters.ContainsKey('RoleAssignee')) {
            throw [DataValidationException]::new($script:Messages.AssignmentMethodAlone)
        }
        if ($PSBoundParameters.ContainsKey('Role')) { Assert-SimRole $Role }
        Assert-SimModelled $PSBoundParameters @('ConfigWriteScope', 'CustomConfigWriteScope', 'ExclusiveConfigWriteScope', 'WritableDatabase', 'WritableServer', 'RecipientAdministrativeUnitScope')
        $scope = Get-SimScopeSelector $state $PSBoundParameters
        $recipientFacts = $null
        if ($PSBoundParameters.ContainsKey('WritableRecipient')) {
            $recipientFacts = Get-SimDirectoryFacts $state (Resolve-SimIdentity $state (Get-SimRecipients $state) $WritableRecipient)
        }
        $output = [System.Collections.Generic.List[object]]::new()
        foreach ($row in (Get-SimAssignmentRows $state $PSBoundParameters)) {
            if (-not (Test-SimAssignmentRow $state $row $PSBoundParameters $scope $recipientFacts)) { continue }
            if ($GetEffectiveUsers) {
                $output.AddRange((ConvertTo-SimEffectiveRows $state $row))
            } else {
                $output.Add((ConvertTo-SimAssignmentOutput $state $row.Assignment $row.Method $null ''))
            }
        }
    } catch {
        Write-SimRemoteError $PSCmdlet $_ $MyInvocation.MyCommand.Name; return
    }
    ConvertTo-SimRemoteOutput $output.ToArray() 'Microsoft.Exchange.Management.RbacTasks.ExchangeRoleAssignmentPresentation'
}

function Remove-ManagementRoleAssignment {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [string] $Identity,
        [switch] $Force,
        [string] $DomainController
    )
    process {
        Remove-SimRbacObject $PSCmdlet $PSBoundParameters 'assignments' 'management role assignment' {
            param($state, $identity) Resolve-SimIdentity $state $state.assignments $identity 'Assignment'
        } {
            # Removing an assignment needs the same delegating assignment as making one (the less convenient reading).
            param($state, $assignment) Assert-SimCanDelegate $state $assignment.role
        }
    }
}
