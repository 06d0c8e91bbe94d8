# Texts and constants shared by every noun. Texts the reference marks UNCONFIRMED are kept here, easy to correct.

$script:Messages = @{
    ObjectNotFound           = "The operation couldn't be performed because object '{0}' couldn't be found on '{1}'."
    ObjectAmbiguous          = "The operation couldn't be performed because '{0}' matches multiple entries."
    NameTooLong              = 'The length of the property is too long. The maximum length is {0} and the length of the value provided is {1}.'
    ADIdentityNotFound       = "Cannot find an object with identity: '{0}' under: '{1}'."
    ADServerDown             = 'Unable to contact the server. This may be because this server does not exist, it is currently down, or it does not have the Active Directory Web Services running.'
    # UNCONFIRMED texts (reference sections 1 and 3): Exchange's resource strings are not public.
    RoleNotFound             = 'The role "{0}" couldn''t be found.'
    ScopeNotFound            = 'The management scope "{0}" couldn''t be found.'
    AssignmentExists         = 'The role assignment "{0}" already exists.'
    ScopeExists              = 'The management scope "{0}" already exists.'
    ScopeInUse               = 'The management scope "{0}" is in use by role assignment "{1}".'
    InvalidFilter            = 'Invalid filter syntax. {0} For a description of the filter parameter syntax see the command help. "{1}" at position {2}.'
    ScopeParametersTogether  = 'The parameters {0} can''t be used together. Specify only one recipient write scope.'
    ScopeIsExclusive         = 'The management scope "{0}" is exclusive. Use the ExclusiveRecipientWriteScope parameter to assign it.'
    ScopeNotExclusive        = 'The management scope "{0}" isn''t exclusive. Use the CustomRecipientWriteScope parameter to assign it.'
    ExclusiveScopeConfirm    = 'Creating the exclusive scope "{0}" immediately blocks every non-exclusive assignment from the recipients it matches.'
    AllGroupMembers          = 'All Group Members'
    AssignmentMethodAlone    = 'The AssignmentMethod parameter can only be used together with the RoleAssignee parameter.'
    # Exchange's text is not public. Modelled on the captured denial of New-ManagementRole ("You don't have access
    # to create a new management role under the "Reset Password" management role. You must have enabled a
    # delegating role assignment to the management role or its parent in the hierarchy ...", blog.manton.im 2015).
    NoDelegatingAssignment   = 'You don''t have access to create or remove a role assignment of the "{0}" management role. You must have enabled a delegating role assignment to the management role.'
    RelativeScopeUnsupported = 'The simulated Exchange supports only the Organization recipient write scope, not "{0}".'
    # The simulator's own trouble, not an Exchange text.
    NotSimulated             = 'The simulated Exchange does not model the parameter -{0}. It exists in Exchange: extend the simulator before relying on it.'
    StateLocked              = 'The simulated Exchange state is locked by another process: "{0}".'
}

$script:ImpersonationRole = 'ApplicationImpersonation'
$script:MaxNameLength = 64
$script:SecurityGroupTypes = @('RoleGroup', 'UniversalSecurityGroup', 'MailUniversalSecurityGroup')
$script:MailGroupTypes = @('MailUniversalSecurityGroup', 'MailUniversalDistributionGroup', 'DynamicDistributionGroup')
$script:ExchangeTaskNamespaces = @{
    Mailbox                     = 'RecipientTasks'
    Recipient                   = 'RecipientTasks'
    Group                       = 'RecipientTasks'
    DistributionGroupMember     = 'RecipientTasks'
    DynamicDistributionGroup    = 'RecipientTasks'
    ManagementRoleAssignment    = 'RbacTasks'
    ManagementScope             = 'RbacTasks'
    WebServicesVirtualDirectory = 'SystemConfigurationTasks'
}

$script:Utf8NoBom = [System.Text.UTF8Encoding]::new($false)
$script:Invariant = [System.Globalization.CultureInfo]::InvariantCulture
$script:ExchangeServer = 'EX01'
