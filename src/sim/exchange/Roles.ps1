# Which management role grants which simulated cmdlet, and which of its parameters. A Management Shell session
# (remote or local) holds only the cmdlets the admin's roles grant, each with only the parameters their role
# entries grant (implicit remoting's proxy functions declare no others): ExchangeSim.psm1 exports those, read
# from state.admin when the module is imported. Without state.admin the admin holds Organization Management's
# roles: every cmdlet with every parameter.
# From Microsoft's "Role Management permissions", "Recipients permissions" and "Client Access permissions"
# pages and each role's cmdlet list (Get-ManagementRoleEntry "<role>\*"), for the cmdlets simulated here.
# A built-in role's entry grants every parameter of its cmdlet; state.admin.customRoles model the custom
# roles admins make (New-ManagementRole -Parent, then Set-ManagementRoleEntry -Parameters / Remove-...).
$script:RoleCmdlets = [ordered]@{
    'Role Management'              = @('New-ManagementRoleAssignment', 'Get-ManagementRoleAssignment', 'Remove-ManagementRoleAssignment',
        'New-ManagementScope', 'Get-ManagementScope', 'Set-ManagementScope', 'Remove-ManagementScope')
    'View-Only Configuration'      = @('Get-ManagementRoleAssignment', 'Get-ManagementScope', 'Get-WebServicesVirtualDirectory',
        'Get-Group', 'Get-DistributionGroupMember', 'Get-DynamicDistributionGroup', 'Get-Recipient')
    'View-Only Recipients'         = @('Get-Mailbox', 'Get-Recipient', 'Get-User', 'Get-Group', 'Get-DistributionGroupMember', 'Get-DynamicDistributionGroup')
    'Mail Recipients'              = @('Get-Mailbox', 'Get-Recipient', 'Get-User', 'Get-Group')
    'Distribution Groups'          = @('Get-Group', 'Get-DistributionGroupMember', 'Get-DynamicDistributionGroup', 'Get-Recipient')
    'Exchange Virtual Directories' = @('Get-WebServicesVirtualDirectory', 'Set-WebServicesVirtualDirectory')
}

# The one the lab's admin is when the computer's user is not in the simulated directory (a Linux test user):
# the seeded Administrator, a member of Organization Management.
$script:DefaultAdminAccount = 'administrator'

function Get-SimAdmin($State) {
    # state.admin, or $null (Organization Management: everything), of $State or else of the shared copy (read only).
    if ($null -eq $State) { try { $State = Read-SimState -Shared } catch { return $null } }
    $admin = $State.PSObject.Properties['admin']
    if ($null -eq $admin) { return $null }
    return $admin.Value
}

function Get-SimAdminProperty($Admin, [string] $Name) {
    if ($null -eq $Admin) { return $null }
    $property = $Admin.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return $property.Value
}

function Get-SimGrantedEntries($Admin) {
    # cmdlet -> $null (every parameter) or the list of parameters the admin's roles (Get-SimAdmin) grant for it.
    $admin = $Admin
    $roles = Get-SimAdminProperty $admin 'roles'
    $granted = [ordered]@{}
    foreach ($role in $script:RoleCmdlets.Keys) {
        if ($null -ne $admin -and -not (Test-SimTextIn $role @($roles))) { continue }
        foreach ($cmdlet in $script:RoleCmdlets[$role]) { $granted[$cmdlet] = $null }
    }
    foreach ($custom in @(Get-SimAdminProperty $admin 'customRoles')) {
        if ($null -eq $custom) { continue }
        # A child role holds only entries its parent has (Exchange refuses any other).
        $parentCmdlets = $script:RoleCmdlets[[string]$custom.parent]
        foreach ($entry in $custom.cmdlets.PSObject.Properties) {
            if ($null -eq $parentCmdlets -or -not (Test-SimTextIn $entry.Name $parentCmdlets)) { continue }
            if ($granted.Contains($entry.Name) -and $null -eq $granted[$entry.Name]) { continue }
            $parameters = [System.Collections.Generic.List[string]]::new()
            if ($granted.Contains($entry.Name)) { $parameters.AddRange([string[]]$granted[$entry.Name]) }
            foreach ($name in @($entry.Value)) { if (-not $parameters.Contains([string]$name)) { $parameters.Add([string]$name) } }
            $granted[$entry.Name] = $parameters.ToArray()
        }
    }
    return $granted
}

function Get-SimGrantedCmdlets([System.Collections.IDictionary] $Entries) {
    # The cmdlets exported as they are (every parameter granted), of Get-SimGrantedEntries.
    $cmdlets = [System.Collections.Generic.List[string]]::new()
    foreach ($cmdlet in $Entries.Keys) { if ($null -eq $Entries[$cmdlet]) { $cmdlets.Add($cmdlet) } }
    return ,$cmdlets.ToArray()
}

function Publish-SimRestrictedCmdlets([System.Collections.IDictionary] $Entries) {
    # A cmdlet granted with only some parameters is replaced by a proxy with its name that declares only those,
    # as implicit remoting's proxy does: any other parameter is a ParameterBindingException, and Get-Command shows
    # what is there. The proxy lives in a small nested module that holds the full simulated cmdlet (captured
    # before the proxy replaces it), so errors and the call log still name the cmdlet. $Entries: Get-SimGrantedEntries.
    # Returns the names to export.
    $entries = $Entries
    $restricted = [System.Collections.Generic.List[string]]::new()
    foreach ($cmdlet in @($entries.Keys)) {
        $allowed = $entries[$cmdlet]
        if ($null -eq $allowed) { continue }
        $full = Get-Command -Name $cmdlet -CommandType Function
        $metadata = [System.Management.Automation.CommandMetadata]::new($full)
        foreach ($name in @($metadata.Parameters.Keys)) {
            if (-not (Test-SimTextIn $name ([string[]]$allowed))) { [void]$metadata.Parameters.Remove($name) }
        }
        $proxy = [System.Management.Automation.ProxyCommand]::Create($metadata)
        $call = [regex]::new('\$ExecutionContext\.InvokeCommand\.GetCommand\([^)]*\)')
        if (-not $call.IsMatch($proxy)) { throw ('The proxy of ' + $cmdlet + ' does not look up its command as expected.') }
        $proxy = $call.Replace($proxy, '$SimFullCommand', 1)
        $body = [scriptblock]::Create('param($SimFullCommand)' + [Environment]::NewLine + 'function ' + $cmdlet + ' {' + [Environment]::NewLine + $proxy + [Environment]::NewLine + '}')
        $null = New-Module -Name ('SimGranted-' + $cmdlet) -ScriptBlock $body -ArgumentList $full
        $restricted.Add($cmdlet)
    }
    return ,$restricted.ToArray()
}

function Get-SimExchangeCaller($State) {
    # The AD user running the Management Shell: the computer's user (state.admin.account in a lab), or the
    # lab's Administrator when that user is not in the simulated directory.
    $found = Find-SimByIdentity $State $State.users (Get-SimCurrentUser)
    if ($found.Count -eq 1) { return $found[0] }
    return Resolve-SimIdentity $State $State.users $script:DefaultAdminAccount
}

function Assert-SimCanDelegate($State, [string] $Role) {
    # Exchange creates an assignment of a role only for a caller who holds a delegating assignment of it,
    # directly or through a (role) group: Organization Management holds one of ApplicationImpersonation.
    $caller = Get-SimExchangeCaller $State
    $principals = [System.Collections.Generic.List[string]]::new()
    $principals.Add([string]$caller.distinguishedName)
    foreach ($group in (Get-SimGroupsOf $State $caller.distinguishedName -Recurse -SecurityOnly)) { $principals.Add([string]$group.distinguishedName) }
    foreach ($assignment in $State.assignments) {
        if ($assignment.roleAssignmentDelegationType -eq 'Regular' -or -not $assignment.enabled) { continue }
        if ((Test-SimText $assignment.role $Role) -and (Test-SimTextIn $assignment.roleAssignee $principals.ToArray())) { return }
    }
    throw [RoleAssignmentDelegationException]::new(($script:Messages.NoDelegatingAssignment -f $Role))
}
