# What Remove-ManagementRoleAssignment and Remove-ManagementScope share: resolve, ask, then remove under the lock.

function Remove-SimRbacObject($Cmdlet, [System.Collections.IDictionary] $Bound, [string] $Collection, [string] $Noun, [scriptblock] $Resolve, [scriptblock] $AssertRemovable) {
    # $Resolve: { param($state, $identity) <the object, or throw Exchange's not-found> };
    # $AssertRemovable: { param($state, $object) <throw when Exchange refuses> }, checked again under the lock.
    $command = $Cmdlet.MyInvocation.MyCommand.Name
    $identity = [string]$Bound['Identity']
    try {
        Write-SimCallLog $command $Bound
        $state = Read-SimState
        $item = & $Resolve $state $identity
        if ($AssertRemovable) { & $AssertRemovable $state $item }
    } catch {
        Write-SimRemoteError $Cmdlet $_ $command; return
    }
    # Exchange's -Force skips the prompt; -WhatIf and an explicit -Confirm still apply.
    if ($Bound['Force'] -and -not $Bound.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }
    # The prompt comes before the lock: nobody waits on it. In a -NonInteractive session without
    # -Confirm:$false it fails, as real Exchange does.
    if (-not $Cmdlet.ShouldProcess(('Removing {0} "{1}".' -f $Noun, $item.name), $item.name, $command)) { return }
    try {
        $null = Update-SimState {
            param($fresh)
            $current = & $Resolve $fresh $identity
            if (-not (Test-SimText $current.guid $item.guid)) { throw (New-SimNotFound $fresh $identity) }
            if ($AssertRemovable) { & $AssertRemovable $fresh $current }
            Remove-SimStateItem $fresh $Collection $current.guid
        }
    } catch {
        Write-SimRemoteError $Cmdlet $_ $command; return
    }
}
