import assert from 'node:assert/strict';
import { matchesRecipientFilter, parseRecipientFilter, RecipientFilterSyntaxError, wildcardToRegExp } from '../../src/sim/recipient-filter';
import { seedOrganization } from '../../src/sim/organization';
import type { SimState, SimUser } from '../../src/sim/state';

describe('recipient filter (OPATH)', () => {
  let state: SimState;
  let room1: SimUser;
  let user1: SimUser;
  let service: SimUser;
  let noMailbox: SimUser;
  let roomBookersDn: string;

  before(() => {
    state = seedOrganization({ rooms: 2, users: 2, basicAuthentication: true, ewsUrl: 'https://x/EWS/Exchange.asmx' }).state;
    const by = (sam: string): SimUser => state.users.find((u) => u.samAccountName === sam)!;
    room1 = by('room1');
    user1 = by('user1');
    service = by('svc-booking');
    noMailbox = by('svc-nomailbox');
    roomBookersDn = state.groups.find((g) => g.name === 'Room Bookers')!.distinguishedName;
  });

  const matches = (filter: string, who: SimUser): boolean => matchesRecipientFilter(parseRecipientFilter(filter), who, state);

  it('compares RecipientTypeDetails with -eq and -ne, case-insensitively', () => {
    assert.equal(matches("RecipientTypeDetails -eq 'RoomMailbox'", room1), true);
    assert.equal(matches("RecipientTypeDetails -eq 'RoomMailbox'", user1), false);
    assert.equal(matches("recipienttypedetails -EQ 'roommailbox'", room1), true);
    assert.equal(matches("RecipientTypeDetails -ne 'RoomMailbox'", user1), true);
  });

  it('reports RecipientType UserMailbox for rooms and User for accounts without a mailbox', () => {
    assert.equal(matches("RecipientType -eq 'UserMailbox'", room1), true);
    assert.equal(matches("RecipientType -eq 'User'", noMailbox), true);
    assert.equal(matches("RecipientTypeDetails -eq 'User'", noMailbox), true);
  });

  it('supports -like / -notlike with * ? and [..] wildcards', () => {
    assert.equal(matches("Alias -like 'room*'", room1), true);
    assert.equal(matches("Alias -like 'room?'", room1), true);
    assert.equal(matches("Alias -like 'room[0-9]'", room1), true);
    assert.equal(matches("Alias -like 'room[2-9]'", room1), false);
    assert.equal(matches("Name -notlike 'Room *'", user1), true);
    assert.equal(matches("PrimarySmtpAddress -like '*@CONTOSO.com'", user1), true);
  });

  it('matches EmailAddresses when any proxy matches, with or without the smtp: prefix', () => {
    assert.equal(matches("EmailAddresses -eq 'booking@contoso.com'", service), true);
    assert.equal(matches("EmailAddresses -eq 'smtp:booking@contoso.com'", service), true);
    assert.equal(matches("EmailAddresses -like 'book*'", service), true);
    assert.equal(matches("EmailAddresses -eq 'booking@contoso.com'", user1), false);
    assert.equal(matches("EmailAddresses -ne 'booking@contoso.com'", user1), true);
    assert.equal(matches("EmailAddresses -ne 'booking@contoso.com'", service), false);
  });

  it('evaluates MemberOfGroup against direct membership by group DN', () => {
    assert.equal(matches(`MemberOfGroup -eq '${roomBookersDn}'`, user1), true);
    assert.equal(matches(`MemberOfGroup -eq '${roomBookersDn}'`, room1), false);
    assert.equal(matches("MemberOfGroup -like 'CN=Room Bookers,*'", user1), true);
  });

  it('handles DistinguishedName, SamAccountName and UserPrincipalName', () => {
    assert.equal(matches("DistinguishedName -like '*,OU=Rooms,OU=Contoso,DC=contoso,DC=com'", room1), true);
    assert.equal(matches("SamAccountName -eq 'svc-booking'", service), true);
    assert.equal(matches("UserPrincipalName -eq 'user1@contoso.com'", user1), true);
  });

  it('gives -and precedence over -or, and supports -not and parentheses', () => {
    assert.equal(matches("Alias -eq 'user1' -or Alias -eq 'room1' -and Name -eq 'nope'", user1), true);
    assert.equal(matches("(Alias -eq 'user1' -or Alias -eq 'room1') -and Name -eq 'nope'", user1), false);
    assert.equal(matches("-not (RecipientTypeDetails -eq 'RoomMailbox')", user1), true);
    assert.equal(matches("-not RecipientTypeDetails -eq 'RoomMailbox'", room1), false);
    assert.equal(
      matches(`(RecipientTypeDetails -eq 'RoomMailbox') -or (MemberOfGroup -eq '${roomBookersDn}')`, user1) &&
        matches(`(RecipientTypeDetails -eq 'RoomMailbox') -or (MemberOfGroup -eq '${roomBookersDn}')`, room1) &&
        !matches(`(RecipientTypeDetails -eq 'RoomMailbox') -or (MemberOfGroup -eq '${roomBookersDn}')`, service),
      true,
    );
  });

  it("reads double-quoted values, '' escapes and $null", () => {
    assert.equal(matches('Name -eq "Room 1"', room1), true);
    const quoted = parseRecipientFilter("Name -eq 'O''Brien'").root;
    assert.equal(quoted.type === 'compare' && quoted.value, "O'Brien");
    assert.equal(matches('Alias -eq $null', noMailbox), true);
    assert.equal(matches('Alias -ne $null', room1), true);
  });

  it('throws a syntax error naming the filter', () => {
    for (const bad of ["Alias -eq 'x", "Alias -foo 'x'", "Colour -eq 'x'", "(Alias -eq 'x'", "Alias -eq 'x' Name", "Alias 'x'", '', "Alias -eq 'x' -and"]) {
      assert.throws(
        () => parseRecipientFilter(bad),
        (e: unknown) => e instanceof RecipientFilterSyntaxError && e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });

  it('translates PowerShell wildcards, including backtick escapes', () => {
    assert.equal(wildcardToRegExp('a`*b').test('a*b'), true);
    assert.equal(wildcardToRegExp('a`*b').test('axb'), false);
    assert.equal(wildcardToRegExp('a.b').test('axb'), false);
  });
});
