// The shapes imp's templates return, checked before anything is believed.
import { z } from 'zod';

/** PowerShell's ConvertTo-Json writes a one-element array as the element and an empty one as null. */
export const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(item));

export const mailboxSchema = z.object({
  name: z.string(),
  alias: z.string(),
  distinguishedName: z.string(),
  primarySmtpAddress: z.string(),
  isPrimary: z.boolean(),
  recipientTypeDetails: z.string(),
  accountDisabled: z.boolean(),
  emailAddresses: list(z.string()),
});
export type Mailbox = z.infer<typeof mailboxSchema>;

export const assignmentSchema = z.object({
  name: z.string(),
  role: z.string(),
  roleAssigneeName: z.string(),
  roleAssigneeType: z.string(),
  assignmentMethod: z.string(),
  effectiveUserName: z.string(),
  assignmentChain: z.string().nullable(),
  enabled: z.boolean(),
  customRecipientWriteScope: z.string().nullable(),
  recipientWriteScope: z.string(),
  whenCreatedUTC: z.string().nullable(),
});
export type Assignment = z.infer<typeof assignmentSchema>;

export const plannedCommandSchema = z.object({
  cmdlet: z.string(),
  parameters: z.record(z.string(), z.unknown()),
});
export type PlannedCommand = z.infer<typeof plannedCommandSchema>;

export const grantResultSchema = z.object({
  status: z.enum(['granted', 'exists', 'alias', 'planned', 'scope-conflict', 'scope-updated']),
  account: z.string(),
  mailbox: mailboxSchema,
  existing: list(assignmentSchema),
  assignment: assignmentSchema.nullable(),
  scope: z
    .object({
      name: z.string(),
      /** The filter imp asked for. */
      filter: z.string(),
      /** The scope's filter before this grant (kept so that a change can be undone). */
      existingFilter: z.string().nullable(),
      /** What Exchange stored, read back after writing (it may normalise the text). */
      storedFilter: z.string().nullable(),
      created: z.boolean(),
      updated: z.boolean(),
    })
    .nullable(),
  plan: list(plannedCommandSchema),
  rolledBack: z.boolean(),
  /** Another grant for the same account ran at the same time and made the assignment. */
  concurrent: z.boolean(),
  warnings: list(z.string()),
});
export type GrantResult = z.infer<typeof grantResultSchema>;

export const revokeResultSchema = z.object({
  status: z.enum(['revoked', 'nothing', 'planned']),
  account: z.string(),
  mailbox: mailboxSchema,
  removed: list(assignmentSchema),
  scopesRemoved: list(z.string()),
  remaining: list(assignmentSchema),
  plan: list(plannedCommandSchema),
});
export type RevokeResult = z.infer<typeof revokeResultSchema>;

/** What Get-ImpEwsVirtualDirectories (templates/common.ps1) returns: verify and expiry --check-login read it. */
const ewsVirtualDirectoriesShape = {
  /** Set when the session has no Get-WebServicesVirtualDirectory: names it and its role. */
  vdirError: z.string().nullable(),
  vdirs: list(
    z.object({
      server: z.string(),
      identity: z.string(),
      internalUrl: z.string().nullable(),
      externalUrl: z.string().nullable(),
      basicAuthentication: z.boolean(),
    }),
  ),
};
export const ewsVirtualDirectoriesSchema = z.object(ewsVirtualDirectoriesShape);
export type EwsVirtualDirectories = z.infer<typeof ewsVirtualDirectoriesSchema>;

export const verifyResultSchema = z.object({
  mailbox: mailboxSchema.nullable(),
  mailboxError: z.string().nullable(),
  /** mailboxError is Exchange's not-found: the --account value names no mailbox. */
  mailboxNotFound: z.boolean(),
  assignments: list(assignmentSchema),
  /** The write scopes of the account's assignments: custom, exclusive, or an OU (name = the OU, filter ''). */
  scopes: list(
    z.object({
      name: z.string(),
      filter: z.string(),
      type: z.enum(['custom', 'exclusive', 'ou']),
      root: z.string().nullable(),
      exclusive: z.boolean(),
    }),
  ),
  /** One compact record per mailbox: only what verify reads (its name and DN are dropped as each piece arrives). */
  targets: list(
    z.object({
      address: z.string(),
      type: z.string(),
      source: z.string(),
      /** Groups from the requested one to the one that lists the mailbox (empty when not from --group). */
      groupPath: list(z.string()),
      /** Decided by Exchange: Get-Recipient with each scope's own filter and root. */
      inScope: z.boolean(),
      /** Exclusive scope(s) that keep the account's assignments from this mailbox. */
      blockedBy: z.string().nullable(),
      /** Outside the scope, but a member of a scope's MemberOfGroup group through a nested group. */
      nestedVia: z.object({ scopeGroup: z.string(), nestedGroup: z.string(), path: list(z.string()) }).nullable(),
    }),
  ),
  /** A --mailbox or --group Exchange could not resolve (notFound: Exchange's not-found error); the others are still checked. */
  targetErrors: list(z.object({ requested: z.string(), kind: z.enum(['mailbox', 'group']), notFound: z.boolean(), message: z.string() })),
  ...ewsVirtualDirectoriesShape,
});
export type VerifyResult = z.infer<typeof verifyResultSchema>;

/** What near-matches.ps1 found (see src/exchange/not-found.ts). */
export const nearMatchesSchema = z.object({
  matches: list(z.object({ name: z.string(), primarySmtpAddress: z.string().nullable(), recipientTypeDetails: z.string() })),
  userWithoutMailbox: z.object({ name: z.string(), userPrincipalName: z.string() }).nullable(),
});
