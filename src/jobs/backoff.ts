// Restart delays: Pebble's algorithm (delay × factor^n, capped at limit, plus 0–10 % jitter),
// with its reset after a stable run, and ContainerPilot users' wish that a job which had been
// running fine comes back at once rather than after a delay.
import type { Backoff } from '../config/types.js';
import { backoffDelay } from '../util/backoff.js';

const JITTER_FRACTION = 0.1;

export class RestartBackoff {
  /** Quick crashes since the last stable run. */
  private attempts = 0;

  constructor(
    private readonly settings: Backoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before restarting a run that lasted `runMillis`. */
  nextDelay(runMillis: number): number {
    if (runMillis >= this.settings.resetAfter) {
      this.attempts = 0;
      return 0;
    }
    const { delay, factor, limit } = this.settings;
    const wait = backoffDelay(this.attempts, { firstMs: delay, factor, maxMs: limit, jitter: [0, JITTER_FRACTION] }, this.random);
    this.attempts += 1;
    return Math.round(wait);
  }

  reset(): void {
    this.attempts = 0;
  }
}
