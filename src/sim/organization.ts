// Seeds a fresh simulated organisation: a booking service account with a mailbox and an alias,
// room mailboxes, user mailboxes, a group of room bookers, and Exchange's built-in delegating assignment.
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword, type SimGroup, type SimState, type SimUser, type MailboxType } from './state';

export interface SeedOptions {
  rooms: number;
  users: number;
  basicAuthentication: boolean;
  ewsUrl: string;
  /** Service account password; a random one when not given. */
  password?: string;
  /** When the service account's password expires: milliseconds from now, or a sentinel. */
  passwordExpiry?: number | 'never' | 'expired' | 'must-change';
  now?: Date;
}

export interface SeededOrganization {
  state: SimState;
  account: string;
  alias: string;
  username: string;
  password: string;
}

const DOMAIN = 'contoso.com';
const DOMAIN_DN = 'DC=contoso,DC=com';
const USERS_OU = `OU=Users,OU=Contoso,${DOMAIN_DN}`;
const ROOMS_OU = `OU=Rooms,OU=Contoso,${DOMAIN_DN}`;
const MAX_PASSWORD_AGE_DAYS = 42;

/** A group as the directory holds it: members by distinguished name; only the mail-enabled kinds have an address. */
export function simGroup(name: string, samAccountName: string, type: SimGroup['recipientTypeDetails'], ou: string, members: { distinguishedName: string }[], domain: string): SimGroup {
  const mailEnabled = type !== 'RoleGroup' && type !== 'UniversalSecurityGroup';
  return {
    guid: randomUUID(),
    name,
    samAccountName,
    distinguishedName: `CN=${name},${ou}`,
    recipientTypeDetails: type,
    primarySmtpAddress: mailEnabled ? `${samAccountName}@${domain}` : null,
    members: members.map((m) => m.distinguishedName),
  };
}

export function generatePassword(): string {
  // Quotes, `$` and a backtick on purpose: the password must survive every hop as data.
  return `Sim'"$\`${randomBytes(12).toString('base64url')}`;
}

function user(
  samAccountName: string,
  name: string,
  ou: string,
  password: string,
  mailboxType: MailboxType | null,
  extraAddresses: string[] = [],
  now = new Date(),
): SimUser {
  const primary = `${samAccountName}@${DOMAIN}`;
  return {
    guid: randomUUID(),
    name,
    samAccountName,
    userPrincipalName: `${samAccountName}@${DOMAIN}`,
    distinguishedName: `CN=${name},${ou}`,
    enabled: mailboxType !== 'RoomMailbox', // room accounts are disabled in AD, as Exchange creates them
    lockedOut: false,
    passwordNeverExpires: mailboxType === 'RoomMailbox',
    passwordLastSet: new Date(now.getTime() - 5 * 86_400_000).toISOString(),
    passwordHash: hashPassword(password),
    mailbox: mailboxType && {
      alias: samAccountName,
      displayName: name,
      recipientTypeDetails: mailboxType,
      primarySmtpAddress: primary,
      emailAddresses: [`SMTP:${primary}`, ...extraAddresses.map((a) => `smtp:${a}`)],
    },
  };
}

/** Sets pwdLastSet so that msDS-UserPasswordExpiryTimeComputed (pwdLastSet + maxPwdAge) lands where asked. */
export function applyPasswordExpiry(account: SimUser, expiry: SeedOptions['passwordExpiry'], now: Date, maxAgeDays = MAX_PASSWORD_AGE_DAYS): void {
  const maxAgeMs = maxAgeDays * 86_400_000;
  account.passwordNeverExpires = expiry === 'never';
  if (expiry === 'never' || expiry === undefined) {
    account.passwordLastSet = new Date(now.getTime() - 5 * 86_400_000).toISOString();
  } else if (expiry === 'must-change') {
    account.passwordLastSet = null;
  } else if (expiry === 'expired') {
    account.passwordLastSet = new Date(now.getTime() - maxAgeMs - 3 * 86_400_000).toISOString();
  } else {
    account.passwordLastSet = new Date(now.getTime() + expiry - maxAgeMs).toISOString();
  }
}

export function seedOrganization(options: SeedOptions): SeededOrganization {
  const now = options.now ?? new Date();
  const password = options.password ?? generatePassword();
  const otherPassword = randomBytes(18).toString('base64url');

  const service = user('svc-booking', 'Booking Service', USERS_OU, password, 'UserMailbox', [`booking@${DOMAIN}`], now);
  applyPasswordExpiry(service, options.passwordExpiry ?? 'never', now);
  const noMailbox = user('svc-nomailbox', 'Service Without Mailbox', USERS_OU, otherPassword, null, [], now);
  const administrator = user('administrator', 'Administrator', USERS_OU, otherPassword, 'UserMailbox', [], now);

  const rooms = Array.from({ length: options.rooms }, (_, i) =>
    user(`room${i + 1}`, `Room ${i + 1}`, ROOMS_OU, otherPassword, 'RoomMailbox', [], now),
  );
  const bookers = Array.from({ length: options.users }, (_, i) =>
    user(`user${i + 1}`, `User ${i + 1}`, USERS_OU, otherPassword, 'UserMailbox', [], now),
  );

  const group = (name: string, sam: string, type: SimGroup['recipientTypeDetails'], ou: string, members: SimUser[]) => simGroup(name, sam, type, ou, members, DOMAIN);
  const organizationManagement = group(
    'Organization Management', 'Organization Management', 'RoleGroup',
    `OU=Microsoft Exchange Security Groups,${DOMAIN_DN}`, [administrator],
  );
  const roomBookers = group('Room Bookers', 'room-bookers', 'MailUniversalSecurityGroup', USERS_OU, bookers);

  const state: SimState = {
    version: 1,
    organization: {
      name: 'Contoso',
      domain: DOMAIN,
      netbiosName: 'CONTOSO',
      distinguishedName: DOMAIN_DN,
      domainController: `DC01.${DOMAIN}`,
      exchangeServer: 'EX01',
      maxPasswordAgeDays: MAX_PASSWORD_AGE_DAYS,
      // A server installed in German: the placeholder row of -GetEffectiveUsers is localised (UNCONFIRMED text).
      allGroupMembers: 'Alle Gruppenmitglieder',
    },
    users: [service, noMailbox, administrator, ...rooms, ...bookers],
    groups: [organizationManagement, roomBookers],
    assignments: [
      {
        // Every Exchange organisation has this one: it lets Organization Management *delegate* the role, not use it.
        guid: randomUUID(),
        name: 'ApplicationImpersonation-Organization Management-Delegating',
        role: 'ApplicationImpersonation',
        roleAssignee: organizationManagement.distinguishedName,
        roleAssigneeName: organizationManagement.name,
        roleAssigneeType: 'RoleGroup',
        roleAssignmentDelegationType: 'DelegatingOrgWide',
        customRecipientWriteScope: null,
        recipientWriteScope: 'Organization',
        enabled: true,
        whenCreatedUTC: new Date(now.getTime() - 400 * 86_400_000).toISOString(),
      },
    ],
    scopes: [],
    webServicesVirtualDirectories: [
      {
        server: 'EX01',
        name: 'EWS (Default Web Site)',
        internalUrl: options.ewsUrl,
        externalUrl: null,
        basicAuthentication: options.basicAuthentication,
        windowsAuthentication: true,
        oAuthAuthentication: true,
      },
    ],
  };
  return {
    state,
    account: service.mailbox!.primarySmtpAddress,
    alias: `booking@${DOMAIN}`,
    username: service.userPrincipalName,
    password,
  };
}
