// verify, its Management Shell part: the account, its assignments and scopes, and the mailboxes to
// impersonate (templates/verify.ps1, read-only). The EWS part has no script: it is what the booking system does.
import { addVerifyTargetOptions, verifyShellParameters, type VerifyTargetOptions } from '../verify/settings';
import type { Action } from './action';

export const verifyAction: Action<VerifyTargetOptions> = {
  template: 'verify',
  addOptions: addVerifyTargetOptions,
  parameters: verifyShellParameters,
};
