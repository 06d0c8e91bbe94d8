# Exception classes. CategoryInfo.Reason shows the exception's type name, so the class names are the ones
# Exchange, the ActiveDirectory module and CIM throw. All classes live in this one file: a class may only
# derive from a class the parser can already see.

class SimException : System.Exception {
    [System.Management.Automation.ErrorCategory] $Category = [System.Management.Automation.ErrorCategory]::NotSpecified
    [object] $Target = $null
    SimException([string] $message) : base($message) {}
}

class ManagementObjectNotFoundException : SimException {
    ManagementObjectNotFoundException([string] $message) : base($message) {}
}

class ManagementObjectAmbiguousException : SimException {
    ManagementObjectAmbiguousException([string] $message) : base($message) {}
}

class ADObjectAlreadyExistsException : SimException {
    ADObjectAlreadyExistsException([string] $message) : base($message) {}
}

class DataValidationException : SimException {
    DataValidationException([string] $message) : base($message) {}
}

class ArgumentValidationException : SimException {
    ArgumentValidationException([string] $message) : base($message) { $this.Category = 'InvalidArgument' }
}
class InvalidFilterException : SimException {
    InvalidFilterException([string] $message) : base($message) { $this.Category = 'InvalidArgument' }
}

# Exchange's exception type for a caller without a delegating assignment is UNCONFIRMED; this name is the simulator's.
class RoleAssignmentDelegationException : SimException {
    RoleAssignmentDelegationException([string] $message) : base($message) { $this.Category = 'PermissionDenied' }
}

class ManagementScopeInUseException : SimException {
    ManagementScopeInUseException([string] $message) : base($message) {}
}

class NotSimulatedException : SimException {
    NotSimulatedException([string] $message) : base($message) { $this.Category = 'NotImplemented' }
}
class SimStateLockedException : SimException {
    SimStateLockedException([string] $message) : base($message) { $this.Category = 'ResourceBusy' }
}

class ADIdentityNotFoundException : SimException {
    ADIdentityNotFoundException([string] $message, [object] $target) : base($message) {
        $this.Category = 'ObjectNotFound'
        $this.Target = $target
    }
}

class ADServerDownException : SimException {
    ADServerDownException([string] $message, [object] $target) : base($message) {
        $this.Category = 'ResourceUnavailable'
        $this.Target = $target
    }
}

class CimException : SimException {
    CimException([string] $message, [System.Management.Automation.ErrorCategory] $category) : base($message) { $this.Category = $category }
}
