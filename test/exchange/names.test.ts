// Every address imp is given is an SMTP address before any request leaves, and errors name the flag used.
import { strict as assert } from 'node:assert';
import { UsageError } from '../../src/errors';
import { addressProblem, checkAddress, checkGroupName } from '../../src/exchange/names';
import { runImp } from '../helpers/imp';

describe('SMTP addresses', function () {
  this.timeout(30_000);

  const accepted = [
    'room1@contoso.com',
    'svc-booking@mail.contoso.co.uk',
    "o'brien@contoso.com",
    'first.last+tag@contoso.com',
    "!#$%'*+-/=?^_`{|}~@contoso.com",
    'x@contoso', // a single-label accepted domain, as labs have
    `${'a'.repeat(64)}@contoso.com`,
  ];
  const refused: [string, RegExp][] = [
    ['room1@contoso.com<!--x-->', /"<" is not allowed/],
    ['a&b<c>"@contoso.com', /"&" is not allowed/],
    ['"quoted"@contoso.com', /""" is not allowed/],
    ['room1@contoso.com>', /">" is not allowed/],
    ['room 1@contoso.com', /space/],
    ['room1.contoso.com', /no "@"/],
    ['a@b@contoso.com', /more than one "@"/],
    ['.room1@contoso.com', /not a dot-separated run/],
    ['room..1@contoso.com', /not a dot-separated run/],
    ['room1.@contoso.com', /not a dot-separated run/],
    ['@contoso.com', /1 to 64 characters/],
    [`${'a'.repeat(65)}@contoso.com`, /1 to 64 characters/],
    ['room1@', /"" is not a domain name/],
    ['room1@-contoso.com', /not a domain name/],
    ['room1@contoso..com', /not a domain name/],
    ['room1@[192.0.2.1]', /not a domain name/],
    ['room1@contoso.com;x', /not a domain name/],
    ['zoë@contoso.com', /not a dot-separated run/],
    [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`, /at most 254/],
  ];
  for (const address of accepted) it(`accepts ${address.slice(0, 40)}`, () => assert.equal(addressProblem(address), undefined));
  for (const [address, why] of refused) it(`refuses ${address.slice(0, 40)}`, () => assert.match(addressProblem(address) ?? '', why));

  it('names the flag, refuses control characters, and says what to pass', () => {
    assert.throws(() => checkAddress('room1@contoso.com<!--x-->', '--mailbox'), (e: unknown) => e instanceof UsageError && e.message.startsWith('--mailbox "room1@contoso.com<!--x-->" is not an SMTP address') && /--mailbox/.test(e.suggestion!));
    assert.throws(() => checkAddress('room1@contoso.com\n', '--mailbox'), /--mailbox contains a control character/);
    assert.throws(() => checkAddress(undefined, '--account'), /--account is required/);
    assert.throws(() => checkGroupName(' ', '--group'), /^UsageError: --group is empty/);
  });

  it('imp verify refuses a hostile --mailbox and an empty --group by the flag given, exit 3', async () => {
    const [mailbox, group] = await Promise.all([
      runImp(['--json', 'script', 'verify', '--account', 'svc-booking@contoso.com', '--mailbox', 'room1@contoso.com<!--x-->']),
      runImp(['--json', 'script', 'verify', '--account', 'svc-booking@contoso.com', '--group', '']),
    ]);
    assert.equal(mailbox.code, 3, mailbox.stdout);
    assert.match(JSON.parse(mailbox.stdout).error.message, /^--mailbox "room1@contoso.com<!--x-->" is not an SMTP address: "<" is not allowed/);
    assert.equal(group.code, 3, group.stdout);
    assert.match(JSON.parse(group.stdout).error.message, /^--group is empty/);
  });
});
