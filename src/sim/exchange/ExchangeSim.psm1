# ExchangeSim.psm1: a simulated Exchange Management Shell (plus Get-ADUser, Task Scheduler and event log
# cmdlets) over one JSON state file. One file per noun, dot-sourced here, as CSS-Exchange keeps its functions.
#
# imp sim copies this folder into its state directory: state.json lives in the folder above this module, or
# in $env:IMP_SIM_STATE_DIR when that is set. The schema is src/sim/state.ts. Every exported cmdlet reads the
# state afresh and appends one line to calls.jsonl, so tests can prove which cmdlets ran, with which values,
# from which process.
#
# Runs unchanged on Windows PowerShell 5.1 and PowerShell 7. Identities, names and filters are data only:
# nothing here evaluates them, and filters go through a real tokenizer and parser.
# Facts about real Exchange come from ../../../../shared/reference/exchange.md; texts it marks UNCONFIRMED
# are kept in Constants.ps1 so they are easy to correct.

Set-StrictMode -Version 2.0

# Paths are put together with System.IO.Path, not Join-Path/Split-Path: their module (Microsoft.PowerShell.Management)
# would otherwise be loaded into every imp process just for this, ~40 ms of CPU each.
$script:SimStateRoot = [System.IO.Path]::GetDirectoryName($PSScriptRoot)

# Exceptions first: every other file may throw them. Then the shared plumbing, then one file per noun.
foreach ($file in @(
        'Exceptions', 'Constants', 'State', 'Errors', 'Remoting', 'Text', 'Directory', 'RecipientFilter',
        'Recipients', 'Groups', 'RoleAssignments', 'Scopes', 'RbacRemoval', 'VirtualDirectories', 'ADUsers', 'Ldap',
        'EventLog', 'ScheduledTasks', 'TaskService', 'Roles'
    )) {
    . ([System.IO.Path]::Combine($PSScriptRoot, $file + '.ps1'))
}

# The state is read once for the whole import (an unreadable one leaves the defaults: Organization Management,
# a machine with everything): what the admin's roles grant and what the machine has.
$importState = $null
try { $importState = Read-SimState -Shared } catch { Write-Debug "No state to import: $($_.Exception.Message)" }
$exported = [System.Collections.Generic.List[string]]::new()
# Only the Exchange cmdlets the admin's management roles grant (Roles.ps1).
$granted = Get-SimGrantedEntries (Get-SimAdmin $importState)
$exported.AddRange((Get-SimGrantedCmdlets $granted))
$exported.AddRange((Publish-SimRestrictedCmdlets $granted))
# What this simulated machine has besides Exchange (state.machine).
$exported.AddRange([string[]]@(
        'New-ScheduledTaskAction', 'New-ScheduledTaskTrigger', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet',
        'Register-ScheduledTask', 'Get-ScheduledTask', 'Get-ScheduledTaskInfo', 'Unregister-ScheduledTask', 'New-Object'
    ))
if (Get-SimMachineSetting 'eventLogCmdlets' $importState) { $exported.AddRange([string[]]@('New-EventLog', 'Write-EventLog')) }
if (Get-SimMachineSetting 'activeDirectoryModule' $importState) { $exported.AddRange([string[]]@('Get-ADUser', 'Set-ADUser', 'Get-ADDomainController')) }
Export-ModuleMember -Function $exported.ToArray()

# Windows types a template uses that do not work off Windows: type accelerators shadow their full names with the
# stand-ins in TaskService.ps1 (and Ldap.ps1 for [adsisearcher]), until the module is removed.
$script:TypeAccelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$script:Shadowed = [ordered]@{
    'System.Diagnostics.EventLog'                 = [SimEventLog]
    'System.Security.Principal.WindowsIdentity'  = [SimWindowsIdentity]
    'System.Security.Principal.WindowsPrincipal' = [SimWindowsPrincipal]
    'System.Security.Principal.NTAccount'        = [SimNTAccount]
    # LDAP works with and without the ActiveDirectory module (imp falls back to it when AD Web Services is blocked).
    'adsisearcher'                               = [SimDirectorySearcher]
    'adsi'                                       = [SimDirectoryEntry]
}
$script:OriginalAccelerators = @{}
$accelerators = $script:TypeAccelerators::Get  # a copy of the whole table: taken once
foreach ($name in $script:Shadowed.Keys) {
    $script:OriginalAccelerators[$name] = $accelerators[$name]
    [void]$script:TypeAccelerators::Remove($name)
    $script:TypeAccelerators::Add($name, $script:Shadowed[$name])
}
$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($name in $script:Shadowed.Keys) {
        [void]$script:TypeAccelerators::Remove($name)
        if ($null -ne $script:OriginalAccelerators[$name]) { $script:TypeAccelerators::Add($name, $script:OriginalAccelerators[$name]) }
    }
}
