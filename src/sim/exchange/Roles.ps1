# Which management role grants which simulated cmdlet. A Management Shell session (remote or local) holds only
# the cmdlets the admin's roles grant: ExchangeSim.psm1 exports those, read from state.admin.roles when the
# module is imported. Without state.admin the admin holds Organization Management's roles: every cmdlet.
# From Microsoft's "Role Management permissions", "Recipients permissions" and "Client Access permissions"
# pages and each role's cmdlet list (Get-ManagementRoleEntry "<role>\*"), for the cmdlets simulated here.
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

function Get-SimAdminRoles {
    # The roles of the admin running the shell; $null means all of them (Organization Management).
    try { $state = Read-SimState } catch { return $null }
    $admin = $state.PSObject.Properties['admin']
    if ($null -eq $admin -or $null -eq $admin.Value) { return $null }
    return [string[]]@($admin.Value.roles)
}

function Get-SimGrantedCmdlets {
    $roles = Get-SimAdminRoles
    $granted = [System.Collections.Generic.List[string]]::new()
    foreach ($role in $script:RoleCmdlets.Keys) {
        if ($null -ne $roles -and -not (Test-SimTextIn $role $roles)) { continue }
        foreach ($cmdlet in $script:RoleCmdlets[$role]) { if (-not $granted.Contains($cmdlet)) { $granted.Add($cmdlet) } }
    }
    return ,$granted.ToArray()
}
