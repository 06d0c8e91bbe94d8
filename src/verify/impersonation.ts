// Probing many mailboxes through EWS impersonation, a bounded number at a time.
import { probeImpersonation, type EwsConnection, type ProbeOptions } from '../ews';
import type { TargetOutcome } from './outcome';

/** Runs `work` over `items` with at most `concurrency` in flight, keeping the input order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export async function probeTargets(
  connection: EwsConnection,
  addresses: readonly string[],
  concurrency: number,
  options: ProbeOptions,
): Promise<TargetOutcome[]> {
  const outcomes = await mapConcurrently(
    addresses,
    concurrency,
    async (address): Promise<TargetOutcome> => {
      const probe = await probeImpersonation(connection, address, options);
      return probe.ok ? { address, ok: true } : { address, ok: false, failure: probe.failure };
    },
    options.signal,
  );
  // Interrupted: the mailboxes never probed are left out rather than reported as passing.
  return outcomes.filter(Boolean);
}
