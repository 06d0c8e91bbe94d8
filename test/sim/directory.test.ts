// The simulated Management Shell is as strict as Exchange about the directory real organisations have:
// plain (not mail-enabled) security groups, nested groups with a cycle, dynamic distribution groups,
// two users with the same name in different OUs, OU / custom / exclusive scopes, and a session that holds
// only the cmdlets the admin's roles grant. One pwsh run per lab: each start costs seconds here.
import { strict as assert } from 'node:assert';
import { writeState } from '../../src/sim/state';
import { shellLab, type Lab } from '../helpers/imp';
import { addDynamicGroup, addGroup, addMailboxUser, addMember, findUser, OU, runSimShell, setAdminRoles } from '../helpers/sim-state';


describe('ExchangeSim: groups, scopes and identities as real organisations have them', function () {
  this.timeout(120_000);
  let lab: Lab;
  let r: Record<string, any>;

  before(async () => {
    lab = shellLab();
    const state = lab.state();
    const [user1, user2, user3] = ['user1', 'user2', 'user3'].map((sam) => findUser(state, sam));
    addMailboxUser(state, 'branch-booking', 'Booking Service', OU.branch);
    addMailboxUser(state, 'branch-room', 'Branch Room', OU.branch, 'RoomMailbox');
    const desk = addGroup(state, 'Desk Team', 'MailUniversalDistributionGroup', [user3!]);
    const inner = addGroup(state, 'Inner Bookers', 'MailUniversalSecurityGroup', [user2!, desk]);
    const floor = addGroup(state, 'Floor Bookers', 'UniversalSecurityGroup', [user1!, inner]);
    addMember(inner, floor); // a cycle, as admins manage to build them
    addDynamicGroup(state, 'All Rooms', "recipienttypedetails -eq 'roommailbox'", OU.rooms);
    writeState(lab.settings.stateDir, state);

    const run = await runSimShell<Record<string, any>>(
      lab.settings.exchangeModule,
      `
      $names = { param($rows) foreach ($row in $rows) { [string]$row.Name } }
      $inner = Get-Group -Identity 'Inner Bookers'
      $null = New-ManagementScope -Name 'Branch rooms' -RecipientRestrictionFilter "RecipientTypeDetails -eq 'RoomMailbox'" -RecipientRoot 'contoso.com/Contoso/Branch'
      $null = New-ManagementScope -Name 'Inner members' -RecipientRestrictionFilter ("MemberOfGroup -eq '" + $inner.DistinguishedName + "'")
      $exclusiveUnforced = Get-SimError { New-ManagementScope -Name 'VIP' -RecipientRestrictionFilter "Name -eq 'Room 1'" -Exclusive }
      $null = New-ManagementScope -Name 'VIP' -RecipientRestrictionFilter "Name -eq 'Room 1'" -Exclusive -Force
      $svc = (Get-Mailbox -Identity 'svc-booking').DistinguishedName
      $null = New-ManagementRoleAssignment -Name 'A1 org' -Role ApplicationImpersonation -User $svc
      $null = New-ManagementRoleAssignment -Name 'A2 ou' -Role ApplicationImpersonation -User $svc -RecipientOrganizationalUnitScope 'contoso.com/Contoso/Branch'
      $null = New-ManagementRoleAssignment -Name 'A3 exclusive' -Role ApplicationImpersonation -User $svc -ExclusiveRecipientWriteScope 'VIP'
      $null = New-ManagementRoleAssignment -Name 'A4 floor' -Role ApplicationImpersonation -SecurityGroup 'Floor Bookers' -CustomRecipientWriteScope 'Inner members'
      $writable = { param($target) & $names (Get-ManagementRoleAssignment -Role ApplicationImpersonation -WritableRecipient $target) }
      $ddg = Get-DynamicDistributionGroup -Identity 'All Rooms'
      [ordered]@{
        floorGroup        = Get-Group -Identity 'Floor Bookers' | Select-Object RecipientType, RecipientTypeDetails, WindowsEmailAddress
        floorMembers      = Get-SimError { Get-DistributionGroupMember -Identity 'Floor Bookers' }
        innerMembers      = @(& $names (Get-DistributionGroupMember -Identity 'Inner Bookers'))
        ddgAsGroup        = Get-SimError { Get-Group -Identity 'All Rooms' }
        ddgMembersCmdlet  = Get-SimError { Get-DistributionGroupMember -Identity 'All Rooms' }
        ddg               = $ddg | Select-Object RecipientFilter, RecipientContainer, RecipientTypeDetails
        ddgMembers        = @(& $names (Get-Recipient -RecipientPreviewFilter $ddg.RecipientFilter -OrganizationalUnit $ddg.RecipientContainer -ResultSize Unlimited))
        sameName          = Get-SimError { Get-Mailbox -Identity 'Booking Service' }
        sameNameAssignee  = Get-SimError { Get-ManagementRoleAssignment -RoleAssignee 'Booking Service' }
        branchByDn        = (Get-Mailbox -Identity 'CN=Booking Service,OU=Branch,OU=Contoso,DC=contoso,DC=com').PrimarySmtpAddress
        branchAssignments = @(& $names (Get-ManagementRoleAssignment -RoleAssignee 'CN=Booking Service,OU=Branch,OU=Contoso,DC=contoso,DC=com'))
        svcAssignments    = @(& $names (Get-ManagementRoleAssignment -RoleAssignee $svc -Role ApplicationImpersonation))
        user1Via          = @(Get-ManagementRoleAssignment -RoleAssignee 'user1' | ForEach-Object { $_.Name + '/' + $_.AssignmentMethod })
        user2Via          = @(Get-ManagementRoleAssignment -RoleAssignee 'user2' | ForEach-Object { $_.Name + '/' + $_.AssignmentMethod })
        user3Via          = @(& $names (Get-ManagementRoleAssignment -RoleAssignee 'user3'))
        writableRoom1     = @(& $writable 'room1')
        writableRoom2     = @(& $writable 'room2')
        writableBranch    = @(& $writable 'branch-room')
        writableUser1     = @(& $writable 'user1')
        writableUser2     = @(& $writable 'user2')
        exclusiveUnforced = $exclusiveUnforced
        exclusiveAsCustom = Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'user1' -CustomRecipientWriteScope 'VIP' }
        twoScopes         = Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'user1' -CustomRecipientWriteScope 'Inner members' -RecipientOrganizationalUnitScope 'contoso.com/Contoso/Branch' }
        ouAssignment      = Get-ManagementRoleAssignment -Identity 'A2 ou' | Select-Object RecipientWriteScope, CustomRecipientWriteScope
        branchScope       = Get-ManagementScope -Identity 'Branch rooms' | Select-Object RecipientRoot, RecipientFilter
        normalised        = (New-ManagementScope -Name 'Mixed' -RecipientRestrictionFilter "recipienttypedetails -eq 'roommailbox' -and -not (Name -like 'X*') -or Alias -eq 'a''b'").RecipientFilter
        unknownParameter  = Get-SimError { Get-Mailbox -Identity 'user1' -Bogus 1 }
        notModelled       = Get-SimError { Get-Mailbox -Anr 'user' }
        mailboxType       = @((Get-Mailbox -Identity 'user1').PSObject.TypeNames)
        assignmentType    = (Get-ManagementRoleAssignment -Identity 'A1 org').PSObject.TypeNames[0]
        createdKind       = [string](Get-ManagementRoleAssignment -Identity 'A1 org').WhenCreatedUTC.Kind
        remoteError       = Get-SimError { Get-Mailbox -Identity 'nobody' }
        nonTerminating    = & { $null = Get-Mailbox -Identity 'nobody' -ErrorAction SilentlyContinue; 'continued' }
      }
      `,
    );
    r = run.output;
  });

  after(() => lab.remove());

  it('a plain security group is a group, not a recipient: Get-Group finds it, Get-DistributionGroupMember does not', () => {
    assert.deepEqual(r.floorGroup, { RecipientType: 'Group', RecipientTypeDetails: 'UniversalSecurityGroup', WindowsEmailAddress: null });
    assert.equal(r.floorMembers.reason, 'ManagementObjectNotFoundException');
  });

  it('Get-DistributionGroupMember lists direct recipients, a nested group as itself, never expanded', () => {
    assert.deepEqual(r.innerMembers, ['User 2', 'Desk Team']);
  });

  it('a dynamic group is no group: its members are its stored filter under its container', () => {
    assert.equal(r.ddgAsGroup.reason, 'ManagementObjectNotFoundException');
    assert.equal(r.ddgMembersCmdlet.reason, 'ManagementObjectNotFoundException');
    assert.deepEqual(r.ddg, { RecipientFilter: "(RecipientTypeDetails -eq 'RoomMailbox')", RecipientContainer: 'contoso.com/Contoso/Rooms', RecipientTypeDetails: 'DynamicDistributionGroup' });
    assert.deepEqual(r.ddgMembers, ['Room 1', 'Room 2', 'Room 3']);
  });

  it('two users named alike in different OUs: the name is ambiguous, the DN is not', () => {
    assert.equal(r.sameName.reason, 'ManagementObjectAmbiguousException');
    assert.equal(r.sameNameAssignee.reason, 'ManagementObjectAmbiguousException');
    assert.equal(r.branchByDn, 'branch-booking@contoso.com');
    assert.deepEqual(r.branchAssignments, []);
    assert.deepEqual(r.svcAssignments, ['A1 org', 'A2 ou', 'A3 exclusive']);
  });

  it('-RoleAssignee returns assignments through security groups, nested ones and cycles included, not through distribution groups', () => {
    assert.deepEqual(r.user1Via, ['A4 floor/SecurityGroup']);
    assert.deepEqual(r.user2Via, ['A4 floor/SecurityGroup']);
    assert.deepEqual(r.user3Via, []);
  });

  it('-WritableRecipient decides coverage: exclusive scopes block, OU scopes reach their subtree, MemberOfGroup does not expand nesting', () => {
    assert.deepEqual(r.writableRoom1, ['A3 exclusive']);
    assert.deepEqual(r.writableRoom2, ['A1 org']);
    assert.deepEqual(r.writableBranch, ['A1 org', 'A2 ou']);
    assert.deepEqual(r.writableUser2, ['A1 org', 'A4 floor']);
    assert.deepEqual(r.writableUser1, ['A1 org'], 'user1 is in Inner Bookers only through Floor Bookers');
  });

  it('refuses exclusive scopes without -Force (non-interactive), as custom scopes, and two scope kinds at once', () => {
    assert.match(r.exclusiveUnforced.message, /NonInteractive/);
    assert.match(r.exclusiveAsCustom.message, /"VIP" is exclusive/);
    assert.match(r.twoScopes.message, /can't be used together/);
  });

  it('stores OU scopes, roots and filters as Exchange shows them', () => {
    assert.deepEqual(r.ouAssignment, { RecipientWriteScope: 'OU', CustomRecipientWriteScope: 'contoso.com/Contoso/Branch' });
    assert.deepEqual(r.branchScope, { RecipientRoot: 'contoso.com/Contoso/Branch', RecipientFilter: "(RecipientTypeDetails -eq 'RoomMailbox')" });
    assert.equal(r.normalised, "(((RecipientTypeDetails -eq 'RoomMailbox') -and (-not(Name -like 'X*'))) -or (Alias -eq 'a''b'))");
  });

  it('returns deserialized objects, as implicit remoting does, with times of no kind', () => {
    assert.deepEqual(r.mailboxType, ['Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox', 'Deserialized.System.Management.Automation.PSCustomObject', 'Deserialized.System.Object']);
    assert.equal(r.assignmentType, 'Deserialized.Microsoft.Exchange.Management.RbacTasks.ExchangeRoleAssignmentPresentation');
    assert.equal(r.createdKind, 'Unspecified');
  });

  it('writes errors as remoting delivers them: a non-terminating RemoteException with Exchange\'s id and reason', () => {
    assert.equal(r.remoteError.exception, 'System.Management.Automation.RemoteException');
    assert.equal(r.remoteError.reason, 'ManagementObjectNotFoundException');
    assert.equal(r.remoteError.activity, 'Get-Mailbox');
    assert.match(r.remoteError.errorId, /\[FailureCategory=Cmdlet-ManagementObjectNotFoundException\] E3DE7D95,Microsoft\.Exchange\.Management\.RecipientTasks\.GetMailbox\b/);
    assert.equal(r.nonTerminating, 'continued');
  });

  it('binds only real parameters, and refuses real ones it does not model by name', () => {
    assert.equal(r.unknownParameter.reason, 'ParameterBindingException');
    assert.match(r.notModelled.message, /does not model the parameter -Anr/);
  });
});

describe('ExchangeSim: a session holds only the cmdlets the admin\'s roles grant', function () {
  this.timeout(60_000);
  it('View-Only Recipients alone: recipient reads, no role management, no virtual directories', async () => {
    const lab = shellLab();
    try {
      const state = lab.state();
      setAdminRoles(state, ['View-Only Recipients']);
      writeState(lab.settings.stateDir, state);
      const run = await runSimShell<string[]>(lab.settings.exchangeModule, `@(Get-Command -Module ExchangeSim | ForEach-Object { $_.Name } | Where-Object { $_ -notmatch 'ScheduledTask|EventLog|-AD|New-Object' } | Sort-Object)`);
      assert.deepEqual(run.output, ['Get-DistributionGroupMember', 'Get-DynamicDistributionGroup', 'Get-Group', 'Get-Mailbox', 'Get-Recipient', 'Get-User']);
    } finally {
      lab.remove();
    }
  });
});
