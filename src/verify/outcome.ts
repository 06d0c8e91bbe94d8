import type { EwsFailure } from '../ews';

/** What one impersonation probe found for one mailbox. */
export interface TargetOutcome {
  address: string;
  ok: boolean;
  failure?: EwsFailure;
}

/** The one failure worth waiting for: the role has not reached EWS yet (or never will, for this mailbox). */
export function isPropagationDenial(outcome: TargetOutcome): boolean {
  return !outcome.ok && outcome.failure?.kind === 'impersonation-denied';
}
