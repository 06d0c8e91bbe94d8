// Injected faults: latency, EWS throttling (ErrorServerBusy), IIS queue overflow (503) and padded
// ResponseCode texts. Set at start-up and changeable while running through <stateDir>/ews-faults.json,
// which is re-read whenever its modification time changes.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const FAULTS_FILE = 'ews-faults.json';

const everyNth = z.object({ everyNth: z.number().int().positive() });
const count = z.object({ count: z.number().int().nonnegative() });
const backOff = z.object({ backOffMilliseconds: z.number().int().nonnegative() });

export const ewsFaultsSchema = z.object({
  latencyMs: z.number().nonnegative().optional(),
  /** Every Nth request, or the next N requests, get a 500 ErrorServerBusy fault with BackOffMilliseconds. */
  serverBusy: z.union([everyNth.extend(backOff.shape), count.extend(backOff.shape)]).optional(),
  /** Every Nth request, or the next N requests, get a plain HTTP 503. */
  unavailable: z.union([everyNth, count]).optional(),
  padResponseCodes: z.boolean().optional(),
});
export type EwsFaults = z.infer<typeof ewsFaultsSchema>;

type Trigger = { everyNth: number } | { count: number };

/** Counts requests per fault kind; `count` triggers fire for the next N requests, then stop. */
class TriggerState {
  private seen = 0;
  private fired = 0;
  fires(trigger: Trigger | undefined): boolean {
    if (!trigger) return false;
    this.seen++;
    if ('everyNth' in trigger) return this.seen % trigger.everyNth === 0;
    if (this.fired < trigger.count) {
      this.fired++;
      return true;
    }
    return false;
  }
}

export class FaultInjector {
  private faults: EwsFaults;
  private fileMtimeMs: number | null = null;
  private busy = new TriggerState();
  private unavailable = new TriggerState();

  constructor(private readonly stateDir: string, private readonly initial: EwsFaults = {}) {
    this.faults = ewsFaultsSchema.parse(initial);
  }

  /** Replaces the faults in force and restarts their counters. */
  set(faults: EwsFaults): void {
    this.faults = ewsFaultsSchema.parse(faults);
    this.busy = new TriggerState();
    this.unavailable = new TriggerState();
  }

  current(): EwsFaults {
    const file = join(this.stateDir, FAULTS_FILE);
    let mtimeMs: number | null = null;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      mtimeMs = null;
    }
    if (mtimeMs !== this.fileMtimeMs) {
      this.fileMtimeMs = mtimeMs;
      if (mtimeMs === null) {
        this.set(this.initial); // file removed: back to the start-up faults
      } else {
        try {
          this.set(JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as EwsFaults);
        } catch (error) {
          // A half-written or invalid file keeps the faults in force rather than stopping the endpoint.
          process.emitWarning(`Ignoring ${file}: ${(error as Error).message}`);
        }
      }
    }
    return this.faults;
  }

  /** BackOffMilliseconds when this request is to be throttled. */
  serverBusy(faults: EwsFaults): number | undefined {
    return this.busy.fires(faults.serverBusy) ? faults.serverBusy!.backOffMilliseconds : undefined;
  }

  unavailableNow(faults: EwsFaults): boolean {
    return this.unavailable.fires(faults.unavailable);
  }
}
