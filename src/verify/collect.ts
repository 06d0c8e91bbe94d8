// Collection for `imp verify`: asks the Management Shell, then uses EWS exactly as the booking system does
// (Basic authentication, impersonating each room and booker), waiting out RBAC propagation when it may
// still be on its way. Decides nothing about pass or fail: it returns the evidence for the judge.
import { formatDuration } from '../duration';
import { errorMessage } from '../errors';
import type { EwsConnection } from '../ews';
import { INSECURE_WARNING } from '../ews/failures';
import { obtainPassword } from '../credentials/password';
import { interruption } from '../interrupt';
import type { Output } from '../output';
import type { PowerShellSession } from '../powershell/session';
import type { ProbeRecord } from '../report/from-verify';
import { trustContext } from '../trust';
import type { VerifyResult } from '../exchange/schemas';
import { canaryOf, probedAddresses, propagationWindow, type Evidence } from './evidence';
import type { VerifySettings } from './settings';

/** What collection needs from the command: satisfied by CommandContext. */
export interface CollectionContext {
  output: Output;
  exchange(): PowerShellSession;
  dispose(): Promise<void>;
}

export async function collectEvidence(context: CollectionContext, settings: VerifySettings): Promise<Evidence> {
  const { output } = context;
  const signal = interruption.signal;
  const timings = { powershellMs: 0, ewsMs: 0 };
  const started = Date.now();

  // 1. What the Management Shell says.
  let exchange: Evidence['exchange'];
  let nearMatches: Evidence['nearMatches'];
  // Reading the system trust store takes a few hundred ms of CPU: done while PowerShell works, not on the
  // EWS clock. A bad --ca is left for the first request to report.
  setImmediate(() => {
    try {
      trustContext(settings.ca);
    } catch {
      // reported by the first EWS request
    }
  });
  if (settings.powershell) {
    const parameters = { account: settings.account, mailboxes: settings.mailboxes, rooms: settings.rooms, groups: settings.groups };
    const { verifyResultSchema } = await import('../exchange/schemas'); // zod: loaded only when needed
    exchange = (await context.exchange().run('verify', parameters, verifyResultSchema)).result;
    nearMatches = await nearMatchesOf(context, exchange, settings.account);
    await context.dispose(); // everything from PowerShell is in hand; free the process during the EWS part
    timings.powershellMs = Date.now() - started;
  }

  // 2. EWS, as the booking system uses it.
  const ews = await import('../ews');
  const { ewsUrlOf } = await import('../ews/virtual-directory');
  const url = ewsUrlOf(settings.ewsUrl, exchange);
  if (exchange && !exchange.mailbox) {
    // No mailbox behind --account: EWS can neither open it nor impersonate as it, so no password is asked for.
    const notRun = { ok: false as const, notRun: 'the account has no mailbox (see account.mailbox)' };
    return { exchange, ...(nearMatches ? { nearMatches } : {}), url, username: settings.username, login: notRun, interrupted: interruption.interrupted, startedAt: started, timings };
  }
  const { credentialAccount, password } = await credentialFor(settings, exchange, url);
  let username = settings.username;
  if (credentialAccount !== settings.account) {
    output.warn(`${settings.account} is an alias of ${credentialAccount}: verify uses the password stored for ${credentialAccount}; configure the booking system with ${credentialAccount}.`);
    if (username === settings.account) username = credentialAccount;
  }
  const connection: EwsConnection = { url, username, password, ca: settings.ca, insecure: settings.insecure };
  if (settings.insecure) output.warn(INSECURE_WARNING);

  const ewsStarted = Date.now();
  const evidence: Evidence = { exchange, ...(nearMatches ? { nearMatches } : {}), url, username, login: { ok: true }, interrupted: false, startedAt: started, timings };
  try {
    const login = await ews.probeLogin(connection, settings.account, { signal });
    evidence.login = login.ok ? { ok: true } : { ok: false, failure: login.failure };
    if (login.ok && !exchange) {
      const resolved = await ews.resolveName(connection, settings.account, { signal });
      evidence.resolved = resolved.ok ? { ok: true, value: resolved.value } : { ok: false, message: resolved.failure.message };
    }
    const addresses = probedAddresses(settings, exchange);
    if (login.ok && addresses.length) await probeImpersonation(output, settings, connection, addresses, evidence);
  } finally {
    ews.closeAllEwsConnections();
  }
  timings.ewsMs = Date.now() - ewsStarted;
  evidence.interrupted = interruption.interrupted;
  return evidence;
}

/**
 * For --account and each --mailbox or --group Exchange could not find, what it has by a similar name, asked in the same
 * session (near-matches.ps1, as for any other command's not-found). A courtesy: a failed lookup leaves it out.
 */
async function nearMatchesOf(context: CollectionContext, exchange: VerifyResult, account: string): Promise<Evidence['nearMatches']> {
  const missing = [...(exchange.mailboxNotFound ? [{ kind: 'mailbox' as const, requested: account }] : []), ...exchange.targetErrors.filter((e) => e.notFound)];
  if (!missing.length) return undefined;
  const { nearMatchesSchema } = await import('../exchange/schemas');
  const found: NonNullable<Evidence['nearMatches']> = [];
  for (const { kind, requested: value } of missing) {
    try {
      found.push({ kind, value, near: (await context.exchange().run('near-matches', { value, kind }, nearMatchesSchema)).result });
    } catch (error) {
      context.output.debug(`near matches for ${value}: ${errorMessage(error)}`);
    }
  }
  return found;
}

/** The password: the account's own, or for an alias the one stored for its primary address (issue 11.4). */
async function credentialFor(settings: VerifySettings, exchange: Evidence['exchange'], url: string): Promise<{ credentialAccount: string; password: string }> {
  const credentialAccount = exchange?.mailbox && !exchange.mailbox.isPrimary ? exchange.mailbox.primarySmtpAddress : settings.account;
  try {
    return { credentialAccount, password: (await obtainPassword(credentialAccount, settings.passwordStdin)).password };
  } catch (error) {
    const { credentialOfAlias } = await import('../credentials/alias');
    const viaAlias = !settings.passwordStdin && (error as { code?: string }).code === 'CREDENTIAL_NOT_STORED'
      ? await credentialOfAlias(settings.account, (owner, secret) => ({ url, username: owner, password: secret, ca: settings.ca, insecure: settings.insecure }))
      : undefined;
    if (!viaAlias) throw error;
    return { credentialAccount: viaAlias.primary, password: viaAlias.password };
  }
}

/** Waits for the role on one canary mailbox while it may still be propagating, then probes every mailbox. */
async function probeImpersonation(output: Output, settings: VerifySettings, connection: EwsConnection, addresses: string[], evidence: Evidence): Promise<void> {
  const { probeTargets } = await import('./impersonation');
  const { waitForPropagation } = await import('./propagation');
  const probeOptions = {
    signal: interruption.signal,
    onRetry: ({ failure, waitMs }: { failure: { kind: string }; waitMs: number }) => output.debug(`EWS ${failure.kind}: retrying in ${formatDuration(waitMs)}`),
  };
  const probeAll = (list: readonly string[]) => probeTargets(connection, list, settings.concurrency, probeOptions);

  // The wait window runs from the assignment's creation (when the Management Shell told us), else from now.
  const window = propagationWindow(settings, evidence.exchange, Date.now());
  if (window.open) {
    const canary = canaryOf(settings, evidence.exchange)!;
    const timeline: ProbeRecord[] = [];
    const result = await waitForPropagation({
      deadline: window.deadline,
      pollIntervalMs: settings.pollIntervalMs,
      signal: interruption.signal,
      probe: async () => {
        const outcome = (await probeAll([canary]))[0] ?? { address: canary, ok: false };
        timeline.push({ at: Date.now(), attempt: timeline.length + 1, address: canary, ok: outcome.ok, code: outcome.failure?.code ?? outcome.failure?.kind });
        return outcome;
      },
      progress: (line) => output.progress(line),
    });
    evidence.propagation = { ...result, timeline };
    output.endProgress();
    if (result.ended === 'interrupted') return;
  }
  evidence.impersonation = await probeAll(addresses);
}
