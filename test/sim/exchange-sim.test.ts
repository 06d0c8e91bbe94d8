// The simulated Management Shell (src/sim/exchange/ExchangeSim.psm1 and its files) run in real pwsh against a seeded state directory:
// cmdlet names, parameters, output properties and error texts as in ../shared/reference/exchange.md.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPasswordExpiry } from '../../src/sim/organization';
import { SIM_MODULE_DIR, SIM_MODULE_SOURCE } from '../../src/sim/simulator';
import { readState, STATE_FILE, writeState } from '../../src/sim/state';
import { HOSTILE_STRINGS } from '../helpers/hostile';
import { shellLab, type Lab } from '../helpers/imp';
import { runSimShell } from '../helpers/sim-state';

interface SimError {
  message: string;
  reason: string;
  category: string;
  activity: string;
  errorId: string;
}

interface AssignmentRow {
  Name: string;
  AssignmentMethod: string;
  EffectiveUserName: string;
  AssignmentChain: string;
  RoleAssigneeName: string;
  RoleAssigneeType: string;
  RecipientWriteScope: string;
  CustomRecipientWriteScope: string | null;
}

const DC = 'DC01.contoso.com';
const notFound = (identity: string): string => `The operation couldn't be performed because object '${identity}' couldn't be found on '${DC}'.`;
// Windows PowerShell 5.1 must run the module too: none of PowerShell 7's syntax or parameters.
const MODULE_FILES = readdirSync(SIM_MODULE_DIR).filter((f) => /\.psm?1$/.test(f)).map((f) => join(SIM_MODULE_DIR, f));
const PS7_ONLY = /\?\?|\?\.|\s\?\s|&&|\|\||-AsHashtable|-Parallel|ConvertFrom-Json[^\n]*-Depth/;

describe('ExchangeSim.psm1 (simulated Exchange Management Shell)', function () {
  // One pwsh per scenario, each with dozens of cmdlet calls: on a loaded 2-core machine that takes a while.
  this.timeout(150_000);

  describe('recipients, errors and hostile identities', () => {
    let lab: Lab;
    let home: string;
    let result: {
      parseErrors: string[];
      byAlias: { Name: string; PrimarySmtpAddress: string; EmailAddresses: string[]; RecipientTypeDetails: string; Identity: string };
      sameMailbox: string[];
      notFound: SimError;
      noMailbox: SimError;
      hostile: { mailbox: string; assignee: string; adUser: string }[];
      rooms: string[];
      bookers: string[];
      roleGroupMembers: SimError;
      group: { Members: string[]; WindowsEmailAddress: string };
      vdirBefore: string[];
      vdirAfter: { BasicAuthentication: boolean; InternalAuthenticationMethods: string[]; Identity: string };
      vdirRecorded: Record<string, string>;
    };

    before(async () => {
      lab = shellLab();
      // A sacrificial $HOME: if any hostile identity were ever evaluated, its Remove-Item would hit this.
      home = mkdtempSync(join(tmpdir(), 'imp-sim-home-'));
      writeFileSync(join(home, 'canary'), 'still here');
      const hostile = ["x'; Remove-Item $HOME #", `x"; $(New-Item -ItemType File -Path pwned) #`, ...HOSTILE_STRINGS];
      const run = await runSimShell<typeof result>(
        lab.settings.exchangeModule,
        `
        $parseErrors = foreach ($source in $Data.sources) {
            $errors = $null
            $tokens = $null
            [void][System.Management.Automation.Language.Parser]::ParseFile($source, [ref]$tokens, [ref]$errors)
            $errors
        }
        $mailbox = Get-Mailbox -Identity 'booking@contoso.com'
        $hostileResults = foreach ($identity in $Data.hostile) {
            [ordered]@{
                mailbox  = (Get-SimError { Get-Mailbox -Identity $identity }).message
                assignee = (Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User $identity }).message
                adUser   = (Get-SimError { Get-ADUser -Identity $identity }).message
            }
        }
        $vdirBefore = (Get-WebServicesVirtualDirectory).InternalAuthenticationMethods
        Set-WebServicesVirtualDirectory -Identity 'EX01\\EWS (Default Web Site)' -BasicAuthentication $false
        [ordered]@{
            parseErrors      = @($parseErrors | ForEach-Object { $_.Message })
            byAlias          = $mailbox | Select-Object Name, PrimarySmtpAddress, EmailAddresses, RecipientTypeDetails, Identity
            sameMailbox      = @('CONTOSO\\svc-booking', 'svc-booking@contoso.com', 'smtp:booking@contoso.com', $mailbox.DistinguishedName, [string]$mailbox.Guid, 'Booking Service') |
                ForEach-Object { (Get-Mailbox -Identity $_).PrimarySmtpAddress }
            notFound         = Get-SimError { Get-Mailbox -Identity 'nobody@contoso.com' }
            noMailbox        = Get-SimError { Get-Mailbox -Identity 'svc-nomailbox' }
            hostile          = @($hostileResults)
            rooms            = @((Get-Recipient -RecipientPreviewFilter "RecipientTypeDetails -eq 'RoomMailbox'").Name)
            bookers          = @((Get-DistributionGroupMember -Identity 'Room Bookers').PrimarySmtpAddress)
            roleGroupMembers = Get-SimError { Get-DistributionGroupMember -Identity 'Organization Management' }
            group            = Get-Group -Identity 'room-bookers' | Select-Object Members, WindowsEmailAddress
            vdirBefore       = @($vdirBefore)
            vdirAfter        = Get-WebServicesVirtualDirectory -Server 'ex01.contoso.com' | Select-Object BasicAuthentication, InternalAuthenticationMethods, Identity
            vdirRecorded     = Get-WebServicesVirtualDirectory | Select-Object @{ n = 'type'; e = { $_.PSObject.TypeNames[0] } }, AdminDisplayVersion, MetabasePath, Server, GzipLevel
        }
        `,
        { sources: MODULE_FILES, hostile },
        { HOME: home, USERPROFILE: home },
      );
      result = run.output;
    });

    after(() => {
      lab.remove();
      rmSync(home, { recursive: true, force: true });
    });

    it('parses cleanly and uses no PowerShell 7-only syntax', () => {
      assert.deepEqual(result.parseErrors, []);
      for (const file of MODULE_FILES) {
        const text = readFileSync(file, 'utf8');
        const code = text
          .split('\n')
          .filter((line) => !line.trimStart().startsWith('#'))
          .join('\n');
        assert.doesNotMatch(code, PS7_ONLY, file);
        assert.doesNotMatch(text, /[^\x00-\x7f]/, `${file}: ASCII only, 5.1 reads a BOM-less file as ANSI`);
      }
    });

    it('finds a mailbox by an alias address and reports its primary SMTP address', () => {
      assert.equal(result.byAlias.Name, 'Booking Service');
      assert.equal(result.byAlias.PrimarySmtpAddress, 'svc-booking@contoso.com');
      assert.deepEqual(result.byAlias.EmailAddresses, ['SMTP:svc-booking@contoso.com', 'smtp:booking@contoso.com']);
      assert.equal(result.byAlias.RecipientTypeDetails, 'UserMailbox');
      assert.equal(result.byAlias.Identity, 'contoso.com/Contoso/Users/Booking Service');
    });

    it('accepts every identity form Exchange does', () => {
      assert.deepEqual(result.sameMailbox, Array(6).fill('svc-booking@contoso.com'));
    });

    it("fails like Exchange for an unknown identity and for a user without a mailbox", () => {
      assert.equal(result.notFound.message, notFound('nobody@contoso.com'));
      assert.equal(result.notFound.reason, 'ManagementObjectNotFoundException');
      assert.equal(result.notFound.category, 'NotSpecified');
      assert.equal(result.notFound.activity, 'Get-Mailbox');
      assert.match(
        result.notFound.errorId,
        /^\[Server=EX01,RequestId=[0-9a-f-]{36},TimeStamp=[^\]]+\] \[FailureCategory=Cmdlet-ManagementObjectNotFoundException\] E3DE7D95,Microsoft\.Exchange\.Management\.RecipientTasks\.GetMailbox/,
      );
      assert.equal(result.noMailbox.message, notFound('svc-nomailbox'));
    });

    it('treats hostile identities as plain strings and echoes them verbatim', () => {
      const hostile = ["x'; Remove-Item $HOME #", `x"; $(New-Item -ItemType File -Path pwned) #`, ...HOSTILE_STRINGS];
      assert.equal(result.hostile.length, hostile.length);
      hostile.forEach((identity, i) => {
        assert.equal(result.hostile[i]!.mailbox, notFound(identity), JSON.stringify(identity));
        assert.equal(result.hostile[i]!.assignee, notFound(identity), JSON.stringify(identity));
        assert.equal(result.hostile[i]!.adUser, `Cannot find an object with identity: '${identity}' under: 'DC=contoso,DC=com'.`);
      });
      assert.equal(readFileSync(join(home, 'canary'), 'utf8'), 'still here');
      assert.equal(existsSync(join(lab.settings.stateDir, 'pwned')), false);
      assert.equal(existsSync(join(process.cwd(), 'pwned')), false);
    });

    it('evaluates -RecipientPreviewFilter and lists group members', () => {
      assert.deepEqual(result.rooms, ['Room 1', 'Room 2', 'Room 3']);
      assert.deepEqual(result.bookers, ['user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com']);
      assert.equal(result.roleGroupMembers.message, notFound('Organization Management'), 'a role group is not a distribution group');
      assert.deepEqual(result.group.Members, ['User 1', 'User 2', 'User 3']);
      assert.equal(result.group.WindowsEmailAddress, 'room-bookers@contoso.com');
    });

    it('reads and changes the EWS virtual directory authentication', () => {
      // The recorded Exchange 2019 directory has WS-Security on, so WSSecurity is among the methods.
      assert.deepEqual(result.vdirBefore, ['Basic', 'Ntlm', 'WindowsIntegrated', 'WSSecurity', 'OAuth']);
      assert.deepEqual(result.vdirAfter, {
        BasicAuthentication: false,
        InternalAuthenticationMethods: ['Ntlm', 'WindowsIntegrated', 'WSSecurity', 'OAuth'],
        Identity: 'EX01\\EWS (Default Web Site)',
      });
      assert.equal(lab.state().webServicesVirtualDirectories[0]!.basicAuthentication, false);
      // The recorded Exchange 2019 object (src/sim/exchange/recordings), as remoting delivers it.
      assert.deepEqual(result.vdirRecorded, {
        type: 'Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.ADWebServicesVirtualDirectory',
        AdminDisplayVersion: 'Version 15.2 (Build 986.5)',
        MetabasePath: 'IIS://ex01.contoso.com/W3SVC/1/ROOT/EWS',
        Server: 'EX01',
        GzipLevel: 'Low',
      });
    });
  });

  describe('role assignments and management scopes', () => {
    let lab: Lab;
    // Storable in a name field, and as hostile as such a name gets.
    const hostileName = "x'; Remove-Item $HOME # ‘’“” `$(calc) <#";
    let result: {
      scope: { Name: string; ScopeRestrictionType: string; RecipientFilter: string };
      direct: AssignmentRow & { User: string; Identity: string; RoleAssignmentDelegationType: string; Enabled: boolean; DistinguishedName: string; WhenCreatedUTC: string };
      secondAutoName: string;
      groupAssignment: AssignmentRow;
      duplicate: SimError;
      tooLong: SimError;
      unknownScope: SimError;
      unknownRole: SimError;
      unknownAssignee: SimError;
      noMailboxAssignee: AssignmentRow;
      hostileRoundTrip: string;
      effectiveService: AssignmentRow[];
      effectiveUser1: AssignmentRow[];
      plainUser1: AssignmentRow[];
      writableRoom: string[];
      writableUser: string[];
      scopeInUse: SimError;
      removeWithoutConfirm: SimError;
      stillThere: number;
      afterRemove: SimError;
      scopesLeft: number;
      whatIfCount: number;
      pid: number;
    };

    before(async () => {
      lab = shellLab();
      const run = await runSimShell<typeof result>(
        lab.settings.exchangeModule,
        `
        $pick = 'Name', 'AssignmentMethod', 'EffectiveUserName', 'AssignmentChain', 'RoleAssigneeName', 'RoleAssigneeType', 'RecipientWriteScope', 'CustomRecipientWriteScope'
        $scope = New-ManagementScope -Name 'Booking rooms' -RecipientRestrictionFilter "RecipientTypeDetails -eq 'RoomMailbox'"
        $direct = New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'svc-booking@contoso.com' -CustomRecipientWriteScope 'Booking rooms'
        $second = New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'CONTOSO\\svc-booking' -CustomRecipientWriteScope 'Booking rooms'
        $group = New-ManagementRoleAssignment -Name 'Bookers impersonation' -Role ApplicationImpersonation -SecurityGroup 'Room Bookers'
        $noMailbox = New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'svc-nomailbox'
        $hostile = New-ManagementRoleAssignment -Name $Data.hostileName -Role ApplicationImpersonation -User 'user2'
        $output = [ordered]@{
            pid                = $PID
            scope              = $scope | Select-Object Name, ScopeRestrictionType, RecipientFilter
            direct             = $direct | Select-Object ($pick + 'User', 'Identity', 'RoleAssignmentDelegationType', 'Enabled', 'DistinguishedName', 'WhenCreatedUTC')
            secondAutoName     = $second.Name
            groupAssignment    = $group | Select-Object $pick
            duplicate          = Get-SimError { New-ManagementRoleAssignment 'Bookers impersonation' -Role ApplicationImpersonation -User 'user1' }
            tooLong            = Get-SimError { New-ManagementRoleAssignment -Name ('n' * 65) -Role ApplicationImpersonation -User 'user1' }
            unknownScope       = Get-SimError { New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'user1' -CustomRecipientWriteScope 'Nope' }
            unknownRole        = Get-SimError { New-ManagementRoleAssignment -Role 'Mail Recipients' -User 'user1' }
            unknownAssignee    = Get-SimError { Get-ManagementRoleAssignment -RoleAssignee 'ghost@contoso.com' }
            noMailboxAssignee  = $noMailbox | Select-Object $pick
            hostileRoundTrip   = (Get-ManagementRoleAssignment -Identity $Data.hostileName).Name
            effectiveService   = @(Get-ManagementRoleAssignment -RoleAssignee 'svc-booking' -Role ApplicationImpersonation -GetEffectiveUsers | Select-Object $pick)
            effectiveUser1     = @(Get-ManagementRoleAssignment -RoleAssignee 'user1@contoso.com' -GetEffectiveUsers | Select-Object $pick)
            plainUser1         = @(Get-ManagementRoleAssignment -RoleAssignee 'user1@contoso.com' | Select-Object $pick)
            writableRoom       = @(Get-ManagementRoleAssignment -RoleAssignee 'svc-booking' -WritableRecipient 'room1' | ForEach-Object { $_.Name })
            writableUser       = @(Get-ManagementRoleAssignment -RoleAssignee 'svc-booking' -WritableRecipient 'user1' | ForEach-Object { $_.Name })
            scopeInUse         = Get-SimError { Remove-ManagementScope -Identity 'Booking rooms' -Confirm:$false }
            removeWithoutConfirm = Get-SimError { Remove-ManagementRoleAssignment -Identity $direct.Identity }
            stillThere         = @(Get-ManagementRoleAssignment -Identity $direct.Identity).Count
        }
        $direct, $second | Remove-ManagementRoleAssignment -Confirm:$false
        $output.afterRemove = Get-SimError { Get-ManagementRoleAssignment -Identity $direct.Identity }
        Remove-ManagementScope -Identity 'Booking rooms' -Confirm:$false
        $output.scopesLeft = @(Get-ManagementScope).Count
        $null = New-ManagementRoleAssignment -Role ApplicationImpersonation -User 'user3' -WhatIf
        $output.whatIfCount = @(Get-ManagementRoleAssignment -RoleAssignee 'user3' -AssignmentMethod Direct).Count
        $output
        `,
        { hostileName },
      );
      result = run.output;
    });

    after(() => lab.remove());

    it('creates a scope and a scoped assignment with an automatic name', () => {
      // Stored as Exchange stores it: parsed and re-rendered, not as typed.
      assert.deepEqual(result.scope, { Name: 'Booking rooms', ScopeRestrictionType: 'RecipientScope', RecipientFilter: "(RecipientTypeDetails -eq 'RoomMailbox')" });
      const direct = result.direct;
      assert.equal(direct.Name, 'ApplicationImpersonation-Booking Service');
      assert.equal(direct.Identity, direct.Name);
      assert.equal(direct.User, 'contoso.com/Contoso/Users/Booking Service');
      assert.equal(direct.AssignmentMethod, 'Direct');
      assert.equal(direct.RoleAssigneeType, 'User');
      assert.equal(direct.RoleAssignmentDelegationType, 'Regular');
      assert.equal(direct.RecipientWriteScope, 'CustomRecipientScope');
      assert.equal(direct.CustomRecipientWriteScope, 'Booking rooms');
      assert.equal(direct.Enabled, true);
      assert.equal(
        direct.DistinguishedName,
        'CN=ApplicationImpersonation-Booking Service,CN=Role Assignments,CN=RBAC,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com',
      );
      assert.ok(Math.abs(Date.parse(direct.WhenCreatedUTC) - Date.now()) < 60_000, direct.WhenCreatedUTC);
      assert.equal(result.secondAutoName, 'ApplicationImpersonation-Booking Service-2');
    });

    it('assigns to a security group, and to a user without a mailbox', () => {
      assert.equal(result.groupAssignment.RoleAssigneeType, 'SecurityGroup');
      assert.equal(result.groupAssignment.RoleAssigneeName, 'Room Bookers');
      assert.equal(result.groupAssignment.RecipientWriteScope, 'Organization');
      assert.equal(result.noMailboxAssignee.Name, 'ApplicationImpersonation-Service Without Mailbox');
    });

    it('rejects duplicate and over-long names, unknown scopes, roles and assignees', () => {
      assert.equal(result.duplicate.message, 'The role assignment "Bookers impersonation" already exists.');
      assert.equal(result.tooLong.message, 'The length of the property is too long. The maximum length is 64 and the length of the value provided is 65.');
      assert.equal(result.unknownScope.message, 'The management scope "Nope" couldn\'t be found.');
      assert.equal(result.unknownRole.message, 'The role "Mail Recipients" couldn\'t be found.');
      assert.equal(result.unknownRole.reason, 'ManagementObjectNotFoundException');
      assert.equal(result.unknownAssignee.message, notFound('ghost@contoso.com'));
    });

    it('stores a hostile assignment name verbatim', () => {
      assert.equal(result.hostileRoundTrip, hostileName);
      assert.ok(lab.state().assignments.some((a) => a.name === hostileName));
    });

    it('lists direct and group assignments with -RoleAssignee -GetEffectiveUsers', () => {
      assert.deepEqual(
        result.effectiveService.map((r) => [r.Name, r.AssignmentMethod, r.EffectiveUserName, r.AssignmentChain]),
        [
          ['ApplicationImpersonation-Booking Service', 'Direct', 'Booking Service', ''],
          ['ApplicationImpersonation-Booking Service-2', 'Direct', 'Booking Service', ''],
        ],
      );
      const viaGroup = result.effectiveUser1.filter((r) => r.Name === 'Bookers impersonation');
      assert.deepEqual(
        viaGroup.map((r) => [r.EffectiveUserName, r.AssignmentMethod, r.AssignmentChain, r.RoleAssigneeName]),
        [
          // The placeholder row is localised (the seeded server speaks German).
          ['Alle Gruppenmitglieder', 'SecurityGroup', '', 'Room Bookers'],
          ['User 1', 'SecurityGroup', 'Room Bookers', 'Room Bookers'],
          ['User 2', 'SecurityGroup', 'Room Bookers', 'Room Bookers'],
          ['User 3', 'SecurityGroup', 'Room Bookers', 'Room Bookers'],
        ],
      );
      assert.deepEqual(
        result.plainUser1.map((r) => [r.Name, r.AssignmentMethod, r.EffectiveUserName]),
        [['Bookers impersonation', 'SecurityGroup', 'Room Bookers']],
      );
    });

    it('evaluates the scope filter for -WritableRecipient: a room is covered, a user is not', () => {
      assert.deepEqual(result.writableRoom, ['ApplicationImpersonation-Booking Service', 'ApplicationImpersonation-Booking Service-2']);
      assert.deepEqual(result.writableUser, []);
    });

    it('needs -Confirm:$false to remove in a non-interactive session, then removes', () => {
      assert.match(result.removeWithoutConfirm.message, /NonInteractive mode/);
      assert.equal(result.stillThere, 1);
      assert.equal(result.afterRemove.message, notFound('ApplicationImpersonation-Booking Service'));
      assert.equal(result.scopeInUse.message, 'The management scope "Booking rooms" is in use by role assignment "ApplicationImpersonation-Booking Service".');
      assert.equal(result.scopesLeft, 0);
      assert.equal(result.whatIfCount, 0, '-WhatIf creates nothing');
    });

    it('keeps state arrays as JSON arrays with zero or one element', () => {
      const raw = readFileSync(join(lab.settings.stateDir, STATE_FILE), 'utf8');
      assert.notEqual(raw.charCodeAt(0), 0xfeff, 'no BOM');
      const state = readState(lab.settings.stateDir);
      assert.deepEqual(state.scopes, []);
      assert.ok(Array.isArray(state.assignments));
      for (const group of state.groups) assert.ok(Array.isArray(group.members), group.name);
      const administrator = state.users.find((u) => u.samAccountName === 'administrator')!;
      assert.deepEqual(administrator.mailbox!.emailAddresses, ['SMTP:administrator@contoso.com']);
      assert.deepEqual(state.groups.find((g) => g.name === 'Organization Management')!.members, [administrator.distinguishedName]);
      assert.equal(existsSync(join(lab.settings.stateDir, 'state.lock')), false);
    });

    it('logs every call with its parameters, all from the one process', () => {
      const calls = lab.calls();
      assert.ok(calls.length > 20);
      const pid = result.pid;
      assert.deepEqual([...new Set(calls.map((c) => c.pid))], [pid]);
      assert.deepEqual(calls[1], {
        time: calls[1]!.time,
        pid,
        cmdlet: 'New-ManagementRoleAssignment',
        parameters: { Role: 'ApplicationImpersonation', User: 'svc-booking@contoso.com', CustomRecipientWriteScope: 'Booking rooms' },
      });
      assert.ok(!Number.isNaN(Date.parse(calls[1]!.time)));
      const removes = calls.filter((c) => c.cmdlet === 'Remove-ManagementRoleAssignment');
      assert.deepEqual(
        removes.map((c) => c.parameters),
        [
          { Identity: 'ApplicationImpersonation-Booking Service' },
          { Identity: 'ApplicationImpersonation-Booking Service', Confirm: false },
          { Identity: 'ApplicationImpersonation-Booking Service-2', Confirm: false },
        ],
      );
      assert.ok(calls.some((c) => c.cmdlet === 'New-ManagementRoleAssignment' && c.parameters['Name'] === hostileName));
    });
  });

  describe('Get-ADUser and the state directory variable', () => {
    let lab: Lab;
    const now = Date.now();
    let passwordSetMs: number;
    let result: {
      never: Record<string, string>;
      mustChange: Record<string, string>;
      expiring: Record<string, string>;
      defaults: string[];
      notFound: SimError;
      byFilter: string[];
      byMail: string[];
      byDn: string;
    };

    before(async () => {
      lab = shellLab();
      const state = lab.state();
      const user = (sam: string) => state.users.find((u) => u.samAccountName === sam)!;
      applyPasswordExpiry(user('user1'), 'must-change', new Date(now), state.organization.maxPasswordAgeDays);
      applyPasswordExpiry(user('user2'), 10 * 86_400_000, new Date(now), state.organization.maxPasswordAgeDays);
      passwordSetMs = Date.parse(user('user2').passwordLastSet!);
      writeState(lab.settings.stateDir, state);
      // The module from the source tree, told where the state is by IMP_SIM_STATE_DIR.
      const run = await runSimShell<typeof result>(
        SIM_MODULE_SOURCE,
        `
        $expiry = 'PasswordNeverExpires', 'PasswordLastSet', 'pwdLastSet', 'msDS-UserPasswordExpiryTimeComputed'
        function Get-Expiry([string] $Identity) {
            $user = Get-ADUser -Identity $Identity -Properties $expiry
            $values = [ordered]@{}
            foreach ($name in $expiry) { $values[$name] = [string]$user.$name }
            $values
        }
        [ordered]@{
            never      = Get-Expiry 'svc-booking'
            mustChange = Get-Expiry 'user1'
            expiring   = Get-Expiry 'user2'
            defaults   = @((Get-ADUser -Identity 'user3').PSObject.Properties.Name)
            notFound   = Get-SimError { Get-ADUser -Identity 'ghost' }
            byFilter   = @((Get-ADUser -Filter "UserPrincipalName -eq 'user1@contoso.com'").SamAccountName)
            byMail     = @((Get-ADUser -Filter "mail -eq 'svc-booking@contoso.com'" -Properties mail).mail)
            byDn       = (Get-ADUser -Identity 'CN=Room 1,OU=Rooms,OU=Contoso,DC=contoso,DC=com').SamAccountName
        }
        `,
        null,
        { IMP_SIM_STATE_DIR: lab.settings.stateDir },
      );
      result = run.output;
    });

    after(() => lab.remove());

    it('computes msDS-UserPasswordExpiryTimeComputed with both MS-ADTS sentinels', () => {
      assert.equal(result.never['msDS-UserPasswordExpiryTimeComputed'], '9223372036854775807');
      assert.equal(result.never['PasswordNeverExpires'], 'True');
      assert.equal(result.mustChange['msDS-UserPasswordExpiryTimeComputed'], '0');
      assert.equal(result.mustChange['pwdLastSet'], '0');
      assert.equal(result.mustChange['PasswordLastSet'], '');
      const fileTime = (ms: number): string => ((BigInt(ms) + 11_644_473_600_000n) * 10_000n).toString();
      assert.equal(result.expiring['pwdLastSet'], fileTime(passwordSetMs));
      assert.equal(result.expiring['msDS-UserPasswordExpiryTimeComputed'], fileTime(passwordSetMs + 42 * 86_400_000));
    });

    it('returns only the default properties unless asked, and finds users by filter and DN', () => {
      assert.deepEqual(result.defaults, [
        'DistinguishedName', 'Enabled', 'GivenName', 'Name', 'ObjectClass', 'ObjectGUID', 'SamAccountName', 'SID', 'Surname', 'UserPrincipalName',
      ]);
      assert.deepEqual(result.byFilter, ['user1']);
      assert.deepEqual(result.byMail, ['svc-booking@contoso.com']);
      assert.equal(result.byDn, 'room1');
    });

    it('fails like the ActiveDirectory module for an unknown identity', () => {
      assert.equal(result.notFound.message, "Cannot find an object with identity: 'ghost' under: 'DC=contoso,DC=com'.");
      assert.equal(result.notFound.reason, 'ADIdentityNotFoundException');
      assert.equal(result.notFound.category, 'ObjectNotFound');
    });

    it('uses IMP_SIM_STATE_DIR for the state and the call log', () => {
      assert.deepEqual(
        lab.calls().map((c) => c.cmdlet),
        Array(8).fill('Get-ADUser'),
      );
      assert.equal(existsSync(join(SIM_MODULE_DIR, 'calls.jsonl')), false);
      assert.equal(existsSync(join(SIM_MODULE_DIR, '..', 'calls.jsonl')), false);
    });
  });

  it('serializes concurrent changes from several processes with the lock', async () => {
    const lab = shellLab();
    try {
      const users = ['user1', 'user2', 'user3'];
      const runs = await Promise.all(
        users.map((user) =>
          runSimShell<string[]>(
            lab.settings.exchangeModule,
            `@(1..3 | ForEach-Object { (New-ManagementRoleAssignment -Role ApplicationImpersonation -User $Data.user).Name })`,
            { user },
          ),
        ),
      );
      const names = lab.state().assignments.map((a) => a.name);
      assert.equal(names.length, 1 + 9);
      assert.equal(new Set(names).size, names.length);
      for (const run of runs) for (const name of run.output) assert.ok(names.includes(name), name);
      assert.equal(new Set(lab.calls().map((c) => c.pid)).size, 3);
    } finally {
      lab.remove();
    }
  });
});
