// Exchange's "couldn't be found" errors name the flag and value, suggest near matches, say when an
// account has no mailbox, and exit 3 (bad input).
import { strict as assert } from 'node:assert';
import { ExchangeNotFoundError, missingValue } from '../../src/exchange/not-found';
import { PowerShellCommandError, type PowerShellErrorRecord } from '../../src/powershell/errors';
import { shellLab, type Lab } from '../helpers/imp';

const record = (message: string, command: string, targetObject: string | null = ''): PowerShellErrorRecord => ({
  message, category: 'NotSpecified', reason: 'ManagementObjectNotFoundException', exceptionType: 'ManagementObjectNotFoundException',
  fullyQualifiedErrorId: 'x', command, targetObject,
});
const notFound = (id: string, command = 'Get-Group') => new PowerShellCommandError('grant', record(`The operation couldn't be performed because object '${id}' couldn't be found on 'DC01.contoso.com'.`, command));

describe('Exchange not-found errors', () => {
  const parameters = { account: 'svc-booking@contoso.com', scopeGroups: ['Room Bookers', 'Room Booker'], name: 'Room Booker' };
  const rows: { situation: string; error: unknown; expected: ReturnType<typeof missingValue> }[] = [
    { situation: 'a group from a repeatable flag', error: notFound('room booker'), expected: { flag: '--scope-group', value: 'Room Booker', kind: 'group' } },
    { situation: 'the account', error: notFound('SVC-booking@contoso.com', 'Get-Mailbox'), expected: { flag: '--account', value: 'svc-booking@contoso.com', kind: 'mailbox' } },
    { situation: 'a name that is no flag value', error: notFound('Someone else'), expected: undefined },
    { situation: 'an error that is not a not-found', error: new PowerShellCommandError('grant', { ...record('Access denied', 'New-ManagementScope'), reason: 'UnauthorizedAccessException', exceptionType: 'UnauthorizedAccessException' }), expected: undefined },
    { situation: 'not a PowerShell error at all', error: new Error('x'), expected: undefined },
  ];
  for (const row of rows) it(`finds the flag behind it: ${row.situation}`, () => assert.deepEqual(missingValue(row.error, parameters), row.expected));

  it('a not-found is exit 3 even when no flag can be named', () => {
    assert.equal(notFound('x').exitCode, 3);
  });

  it('the message names flag and value; the fix offers near matches, or Enable-Mailbox for a user without one', () => {
    const cause = notFound('Room Booker');
    const near = new ExchangeNotFoundError({ flag: '--scope-group', value: 'Room Booker', kind: 'group' }, { matches: [{ name: 'Room Bookers', primarySmtpAddress: 'room-bookers@contoso.com', recipientTypeDetails: 'MailUniversalSecurityGroup' }], userWithoutMailbox: null }, cause);
    assert.equal(near.message, '--scope-group "Room Booker": Exchange has no group by that name (Get-Group).');
    assert.equal(near.suggestion, "Did you mean --scope-group 'Room Bookers'?");
    assert.equal(near.exitCode, 3);
    const none = new ExchangeNotFoundError({ flag: '--account', value: 'x@contoso.com', kind: 'mailbox' }, { matches: [], userWithoutMailbox: null }, notFound('x@contoso.com', 'Get-Mailbox'));
    assert.match(none.suggestion!, /Get-Recipient -Anr 'x'.*Enable-Mailbox/);
    const user = new ExchangeNotFoundError({ flag: '--account', value: 'svc@contoso.com', kind: 'mailbox' }, { matches: [], userWithoutMailbox: { name: 'Svc', userPrincipalName: 'svc@contoso.com' } }, notFound('svc@contoso.com', 'Get-Mailbox'));
    assert.match(user.message, /the AD account Svc \(svc@contoso.com\) has no mailbox/);
    assert.equal(user.suggestion, "Give it a mailbox: Enable-Mailbox -Identity 'svc@contoso.com', then run imp again with its primary SMTP address.");
  });

  describe('end to end', function () {
    this.timeout(120_000);
    let lab: Lab;
    before(() => (lab = shellLab()));
    after(() => lab.remove());

    it('grant --scope-group with a typo: exit 3, the flag, and the group Exchange has (ANR); nothing created', async () => {
      const run = await lab.imp(['grant', '--account', 'svc-booking@contoso.com', '--scope-group', 'Room Booker']);
      assert.equal(run.code, 3);
      assert.equal(run.stderr, `error: --scope-group "Room Booker": Exchange has no group by that name (Get-Group).\n  fix: Did you mean --scope-group 'Room Bookers'?\n`);
      assert.equal(lab.calls().filter((c) => c.cmdlet.startsWith('New-')).length, 0);
      assert.ok(lab.calls().some((c) => c.cmdlet === 'Get-Recipient' && c.parameters.Anr === 'Room Booker'));
    });

    it('an account without a mailbox says so and gives Enable-Mailbox (JSON)', async () => {
      const run = await lab.imp(['--json', 'status', '--account', 'svc-nomailbox@contoso.com']);
      assert.equal(run.code, 3);
      const { error } = JSON.parse(run.stdout);
      assert.equal(error.code, 'EXCHANGE_NOT_FOUND');
      assert.match(error.message, /--account "svc-nomailbox@contoso.com": the AD account Service Without Mailbox .* has no mailbox/);
      assert.match(error.suggestion, /Enable-Mailbox -Identity 'svc-nomailbox@contoso.com'/);
    });
  });
});
