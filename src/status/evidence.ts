// What templates/status.ps1 returns: every ApplicationImpersonation assignment with its effective
// users and its scope. Checked before anything is believed.
import { z } from 'zod';
import { assignmentSchema, list, mailboxSchema } from '../exchange/schemas';

export const statusEvidenceSchema = z.object({
  account: mailboxSchema.nullable(),
  serviceAccounts: list(mailboxSchema),
  assignments: list(
    assignmentSchema.extend({
      delegationType: z.string(),
      effectiveUsers: list(z.object({ name: z.string(), assignmentChain: z.string().nullable() })),
      scope: z.object({
        kind: z.enum(['organization', 'custom', 'ou']),
        name: z.string().nullable(),
        filter: z.string().nullable(),
        root: z.string().nullable(),
      }),
    }),
  ),
});
export type StatusEvidence = z.infer<typeof statusEvidenceSchema>;
export type StatusAssignment = StatusEvidence['assignments'][number];
