// What `imp verify` gathered, as one object: what the Management Shell said, the EWS login, and the
// impersonation probes. Collection (collect.ts) fills it in; the judge (judge.ts) reads only this.
// The few facts both need are derived here from the evidence, never carried beside it.
import type { EwsFailure, ResolvedName } from '../ews';
import type { Assignment, VerifyResult } from '../exchange/schemas';
import type { NearMatches } from '../exchange/not-found';
import type { ProbeRecord } from '../report/from-verify';
import type { TargetOutcome } from './outcome';
import type { PropagationResult } from './propagation';
import type { VerifySettings } from './settings';

export interface Evidence {
  /** What the Management Shell said; absent with --no-powershell. */
  exchange?: VerifyResult;
  /** The EWS URL that was used. */
  url: string;
  /** The EWS logon name used: the settings', or an alias's primary address when that is the default. */
  username: string;
  /** notRun: EWS was not asked (the account has no mailbox), and why. */
  login: { ok: true } | { ok: false; failure: EwsFailure } | { ok: false; notRun: string };
  /** For each --mailbox or --group Exchange could not find: what it has by a similar name (Get-Recipient -Anr). */
  nearMatches?: { kind: 'mailbox' | 'group'; value: string; near: NearMatches }[];
  /** EWS ResolveNames for the account: only without the Management Shell, and only after a working login. */
  resolved?: { ok: true; value: ResolvedName | null } | { ok: false; message: string };
  /** The wait for the role to reach EWS, when there was one, with each probe of the canary. */
  propagation?: PropagationResult & { timeline: ProbeRecord[] };
  /** One outcome per probed mailbox, in order; absent when nothing was probed. Fewer than the targets when interrupted. */
  impersonation?: TargetOutcome[];
  /** Ctrl-C (or SIGTERM) came during the run. */
  interrupted: boolean;
  /** When the run started, epoch ms. */
  startedAt: number;
  timings: { powershellMs: number; ewsMs: number };
}

/** The assignment that matters for propagation: the newest enabled one. */
export function newestAssignment(exchange: VerifyResult | undefined): Assignment | undefined {
  const enabled = (exchange?.assignments ?? []).filter((a) => a.enabled);
  return enabled.sort((a, b) => Date.parse(b.whenCreatedUTC ?? '') - Date.parse(a.whenCreatedUTC ?? ''))[0];
}

/** When the newest assignment was created, epoch ms, if the Management Shell said. */
export function assignmentCreated(exchange: VerifyResult | undefined): number | undefined {
  const created = newestAssignment(exchange)?.whenCreatedUTC;
  return created ? Date.parse(created) : undefined;
}

/**
 * The mailboxes to impersonate: what the Management Shell resolved (or --mailbox without it). A --mailbox or
 * --group it could not find is reported by targets.found, never probed: a group's name is no address, and
 * Get-Recipient's "not found" is as final as EWS's ErrorNonExistentMailbox.
 */
export function targetAddresses(settings: Pick<VerifySettings, 'mailboxes'>, exchange: VerifyResult | undefined): string[] {
  return exchange ? exchange.targets.map((t) => t.address) : settings.mailboxes;
}

/** Each result's targets by lower-cased address (the first of each), built once: searching the list for every denied mailbox took minutes at 50,000. */
const scopeByAddress = new WeakMap<VerifyResult, Map<string, boolean>>();

/** false when the Management Shell says the mailbox is outside the assignment's scope; undefined when it does not know. */
export function inScope(exchange: VerifyResult | undefined, address: string): boolean | undefined {
  if (!exchange) return undefined;
  let index = scopeByAddress.get(exchange);
  if (!index) {
    index = new Map();
    for (const target of exchange.targets) {
      const key = target.address.toLowerCase();
      if (!index.has(key)) index.set(key, target.inScope);
    }
    scopeByAddress.set(exchange, index);
  }
  return index.get(address.toLowerCase());
}

/** The mailbox probed while waiting, and with --probe canary: the first one inside the scope. */
export function canaryOf(settings: Pick<VerifySettings, 'mailboxes'>, exchange: VerifyResult | undefined): string | undefined {
  const addresses = targetAddresses(settings, exchange);
  return addresses.find((a) => inScope(exchange, a) !== false) ?? addresses[0];
}

export interface PropagationWindow {
  /** Epoch ms when the wait ends: the assignment's creation (else now) plus --wait. */
  deadline: number;
  /** Worth waiting at all: --wait is not 0, the window is still open, and there is an assignment to wait for. */
  open: boolean;
}

export function propagationWindow(settings: Pick<VerifySettings, 'waitMs'>, exchange: VerifyResult | undefined, now: number): PropagationWindow {
  const deadline = (assignmentCreated(exchange) ?? now) + settings.waitMs;
  return { deadline, open: settings.waitMs > 0 && now < deadline && (!exchange || newestAssignment(exchange) !== undefined) };
}

/** The mailboxes impersonated: all of them, or with --probe canary only the canary. */
export function probedAddresses(settings: Pick<VerifySettings, 'mailboxes' | 'canaryOnly'>, exchange: VerifyResult | undefined): string[] {
  const addresses = targetAddresses(settings, exchange);
  if (!settings.canaryOnly || !addresses.length) return addresses;
  return [canaryOf(settings, exchange)!];
}
