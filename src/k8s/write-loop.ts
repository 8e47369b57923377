// Coalesces "something changed" into few writes: at most one in flight, a short debounce after
// the first change (not reset by later ones, so a flapping job cannot starve the writes), a
// minimum interval between the starts of two writes (so a quiet pod's first change is written at
// once, while a flapping one costs a bounded number of writes), a periodic forced resync, and
// backoff on failure that new changes do not cut short (only `wake`, when the API server is known
// to be back, and `refusalMayBeLifted`, when another request of this pod's succeeds after failing,
// do — never below a Retry-After). The work itself decides whether anything needs writing; it
// reports only whether to retry.

import { performance } from 'node:perf_hooks';
import { retryDelay, type BackoffPolicy } from './retry-delay.js';

export type WriteOutcome =
  /** `againAfterMs`: some of the work was held back on purpose; run again then. */
  | { kind: 'done'; againAfterMs?: number }
  /**
   * `retryAfterMs` is a floor from the server; `patient` is for refusals that retrying soon cannot
   * fix (RBAC, a missing CRD): they back off on `patient`, from tens of seconds to minutes; `serverAway`: the server could not serve at all (no answer, 5xx, still starting),
   * so `wake` may cut the backoff short once it answers again.
   */
  | { kind: 'retry'; retryAfterMs?: number; patient?: boolean; serverAway?: boolean };

export interface WriteLoopTiming {
  /** The wait after a first change, for the changes that come with it (stopping → stopped → starting). */
  debounceMs: number;
  /** The least time from the start of one write to the start of the next, retries included. */
  minIntervalMs: number;
  /** A forced write this often, even when nothing seems to have changed. */
  resyncMs: number;
  backoff: BackoffPolicy;
  /** The waits after `patient` failures. */
  patient: BackoffPolicy;
}

/** `forced`: write even when the content equals what was written last (resync, retries). */
export type Work = (forced: boolean) => Promise<WriteOutcome>;

export class WriteLoop {
  private timer: NodeJS.Timeout | undefined;
  private readonly resyncTimer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private dirty = false;
  private forced = false;
  private failures = 0;
  private patientFailures = 0;
  private stopped = false;
  private lastStartedAt = -Infinity;
  /** The earliest retry the server's Retry-After allows, on the monotonic clock. */
  private retryNotBefore = -Infinity;
  /** What the pending retry waits for: the server to come back, or a refusal to be lifted. */
  private awaiting: 'server' | 'permission' | undefined;
  /** The spread of a wake that came while a write was in flight, for the retry it may leave. */
  private wokenDuringWrite: number | undefined;

  constructor(
    private readonly work: Work,
    private readonly timing: WriteLoopTiming,
    private readonly random: () => number = Math.random,
  ) {
    this.resyncTimer = setInterval(() => this.request(true), timing.resyncMs).unref();
  }

  /** Something changed: write soon (or after the current backoff). */
  request(forced = false): void {
    if (this.stopped) return;
    this.dirty = true;
    this.forced ||= forced;
    if (!this.inFlight && !this.timer) this.schedule(this.paced(this.timing.debounceMs));
  }

  /**
   * The API server answers again: a retry waiting out its backoff runs after a random part of
   * `spreadMs` instead (so that a fleet that saw the server return at once does not write at
   * once), still paced, and not before a Retry-After. Nothing to do without a retry pending, or
   * for one after a refusal (RBAC, an invalid write), which the server's return does not fix.
   */
  wake(spreadMs: number): void {
    if (this.stopped) return;
    // The write under way may still fail for the server having been away: then it is cut short too.
    if (this.inFlight) this.wokenDuringWrite = spreadMs;
    else this.cutRetryShort(spreadMs);
  }

  /**
   * Another request of this pod's succeeded after failing: the Role or the CRD may be back, so a
   * retry waiting out a refusal runs within a random part of `spreadMs` instead of minutes later.
   * If the refusal stands, it fails again and waits as long as before.
   */
  refusalMayBeLifted(spreadMs: number): void {
    if (!this.stopped && !this.inFlight) this.cutRetryShort(spreadMs, 'permission');
  }

  private cutRetryShort(spreadMs: number, awaited: 'server' | 'permission' = 'server'): void {
    if (!this.timer || this.awaiting !== awaited) return;
    clearTimeout(this.timer);
    this.schedule(this.paced(Math.max(this.random() * spreadMs, this.retryNotBefore - performance.now())));
  }

  /** No more writes; resolves once the one in flight, if any, has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /**
   * `delayMs`, or longer where the minimum interval since the last write's start asks for it.
   * Measured on the monotonic clock: a wall clock stepped back (NTP) must not hold writes up.
   */
  private paced(delayMs: number): number {
    return Math.max(delayMs, this.lastStartedAt + this.timing.minIntervalMs - performance.now());
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastStartedAt = performance.now();
      this.inFlight = this.run().finally(() => (this.inFlight = undefined));
    }, delayMs).unref();
  }

  private async run(): Promise<void> {
    const forced = this.forced;
    this.wokenDuringWrite = undefined;
    this.dirty = false;
    this.forced = false;
    let outcome: WriteOutcome;
    try {
      outcome = await this.work(forced);
    } catch {
      // The work reports its own errors; a throw is a bug there, and must not end the loop.
      outcome = { kind: 'retry' };
    }
    if (this.stopped) return;
    if (outcome.kind === 'done') {
      this.failures = 0;
      this.patientFailures = 0;
      this.awaiting = undefined;
      if (this.dirty) this.schedule(this.paced(this.timing.debounceMs));
      else if (outcome.againAfterMs !== undefined) {
        this.dirty = true;
        this.schedule(this.paced(Math.max(this.timing.debounceMs, outcome.againAfterMs)));
      }
      return;
    }
    this.failures += 1;
    this.dirty = true;
    this.forced ||= forced;
    this.retryNotBefore = performance.now() + (outcome.retryAfterMs ?? 0);
    this.awaiting = outcome.serverAway ? 'server' : outcome.patient ? 'permission' : undefined;
    if (outcome.patient) this.patientFailures += 1;
    const delay = outcome.patient
      ? retryDelay(this.patientFailures, this.timing.patient, outcome.retryAfterMs, this.random)
      : retryDelay(this.failures, this.timing.backoff, outcome.retryAfterMs, this.random);
    // A failed write reached the API server too (5xx, 429, 409…): retries keep the pacing.
    this.schedule(this.paced(delay));
    if (this.wokenDuringWrite !== undefined) this.cutRetryShort(this.wokenDuringWrite);
  }
}
