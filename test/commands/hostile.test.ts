// Hostile account, assignment and group names through the real grant/revoke templates, real pwsh and
// the simulated Exchange: only the intended cmdlets run, and every value arrives verbatim or is refused.
import { strict as assert } from 'node:assert';
import { UsageError } from '../../src/errors';
import { exchangeSetup } from '../../src/exchange/connection';
import { checkAccount, checkAssignmentName, checkGroupName, scopeNameFor } from '../../src/exchange/names';
import { grantResultSchema, revokeResultSchema } from '../../src/exchange/schemas';
import { PowerShellCommandError } from '../../src/powershell/errors';
import { PowerShellSession } from '../../src/powershell/session';
import { HOSTILE_STRINGS } from '../helpers/hostile';
import { PWSH, runImp, shellLab, type Lab } from '../helpers/imp';

const ACCOUNT = 'svc-booking@contoso.com';
const INTENDED = new Set([
  'Get-Mailbox', 'Get-Group', 'Get-ManagementRoleAssignment', 'New-ManagementRoleAssignment',
  'Remove-ManagementRoleAssignment', 'Get-ManagementScope', 'New-ManagementScope', 'Remove-ManagementScope',
  // grant and revoke look up the admin running them (their delegating assignment).
  'Get-User',
]);

/** Runs `check`; a UsageError is a refusal (fine, and must say what is wrong). */
function accepted(check: () => string): boolean {
  try {
    check();
    return true;
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.ok(error.message.length > 10 && error.suggestion, 'a refusal names the problem and the fix');
    return false;
  }
}

describe('hostile names', function () {
  this.timeout(600_000);
  let lab: Lab;
  let session: PowerShellSession;
  before(() => {
    lab = shellLab();
    session = new PowerShellSession({ executable: PWSH, setup: [exchangeSetup({ exchange: 'module', exchangeModule: lab.settings.exchangeModule })] });
  });
  after(async () => {
    await session.dispose();
    lab.remove();
  });

  it(`${HOSTILE_STRINGS.length} hostile values as account, assignment name and group name`, async () => {
    assert.ok(HOSTILE_STRINGS.length >= 50);
    const expectations: { cmdlet: string; parameter: string; value: string }[] = [];
    for (const hostile of HOSTILE_STRINGS) {
      // As the account: Get-Mailbox receives it verbatim and answers with Exchange's not-found text.
      const account = `${hostile}@contoso.com`;
      if (accepted(() => checkAccount(account))) {
        const error = await session.run('grant', { account, name: 'n', scopeName: 'n-Scope', scopeRooms: false, scopeGroups: [], dryRun: false }, grantResultSchema).then(
          () => assert.fail('a hostile account cannot have a mailbox'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof PowerShellCommandError, String(error));
        assert.ok(error.record.message.includes(account), 'the error echoes the value verbatim');
        expectations.push({ cmdlet: 'Get-Mailbox', parameter: 'Identity', value: account });
      }

      // As the assignment name: created under exactly that name, then revoked by it.
      if (accepted(() => checkAssignmentName(hostile))) {
        const { result } = await session.run('grant', { account: ACCOUNT, name: hostile, scopeName: scopeNameFor(hostile), scopeRooms: false, scopeGroups: [], dryRun: false }, grantResultSchema);
        assert.equal(result.status, 'granted');
        assert.equal(result.assignment!.name, hostile);
        assert.ok(lab.state().assignments.some((a) => a.name === hostile));
        expectations.push({ cmdlet: 'New-ManagementRoleAssignment', parameter: 'Name', value: hostile });
        const revoked = await session.run('revoke', { account: ACCOUNT, name: hostile, scopeSuffix: '-Scope', dryRun: false }, revokeResultSchema);
        assert.deepEqual(revoked.result.removed.map((a) => a.name), [hostile]);
        expectations.push({ cmdlet: 'Remove-ManagementRoleAssignment', parameter: 'Identity', value: hostile });
      }

      // As a scope group: Get-Group receives it verbatim; nothing is created.
      if (accepted(() => checkGroupName(hostile))) {
        const error = await session.run('grant', { account: ACCOUNT, name: 'g', scopeName: 'g-Scope', scopeRooms: false, scopeGroups: [hostile], dryRun: false }, grantResultSchema).then(
          () => assert.fail('no such group'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof PowerShellCommandError, String(error));
        expectations.push({ cmdlet: 'Get-Group', parameter: 'Identity', value: hostile });
      }
    }

    const calls = lab.calls();
    const unexpected = calls.filter((c) => !INTENDED.has(c.cmdlet));
    assert.deepEqual(unexpected, [], 'only the intended cmdlets ran');
    for (const expected of expectations) {
      assert.ok(
        calls.some((c) => c.cmdlet === expected.cmdlet && c.parameters[expected.parameter] === expected.value),
        `${expected.cmdlet} -${expected.parameter} did not receive ${JSON.stringify(expected.value).slice(0, 80)} verbatim`,
      );
    }
    assert.equal(lab.state().scopes.length, 0);
    assert.equal(lab.state().assignments.filter((a) => a.roleAssignmentDelegationType === 'Regular').length, 0);
    assert.equal(new Set(calls.map((c) => c.pid)).size, 1, 'all through one PowerShell process');
  });

  it('the CLI refuses what Exchange cannot store, with a clear error and exit 3', async () => {
    const newline = await runImp(['grant', '--account', ACCOUNT, '--name', 'a\nb', ...lab.moduleArgs]);
    assert.equal(newline.code, 3);
    assert.match(newline.stderr, /--name contains a control character/);
    const long = await runImp(['grant', '--account', ACCOUNT, '--name', 'x'.repeat(65), ...lab.moduleArgs]);
    assert.equal(long.code, 3);
    assert.match(long.stderr, /at most 64/);
    const notAnAddress = await runImp(['grant', '--account', 'not an address', ...lab.moduleArgs]);
    assert.equal(notAnAddress.code, 3);
    assert.match(notAnAddress.stderr, /is not an SMTP address/);
  });
});
