// Facts about Exchange RBAC that several commands reason with.

/**
 * Exchange caches RBAC for up to 30 minutes (the EWS/IIS side refreshes role assignments on that
 * cycle), so a new or changed assignment may be refused by EWS until it is that old.
 */
export const RBAC_PROPAGATION_MS = 30 * 60_000;

export const IMPERSONATION_ROLE = 'ApplicationImpersonation';
