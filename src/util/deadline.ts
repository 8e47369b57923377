// One way to bound a wait: race the work against a timer from node:timers/promises and abort the
// timer the moment the race is decided (as execa does), so a won race leaves no timer behind.
import { setTimeout as sleep } from 'node:timers/promises';

export const TIMED_OUT = Symbol('timed out');

export interface DeadlineOptions {
  /** Let the process exit while only this timer is pending (for waits that must never hold it up). */
  unref?: boolean;
}

/** `work`'s value, or TIMED_OUT when `ms` passed first. A rejection of `work` is passed on. */
export async function withDeadline<T>(work: Promise<T>, ms: number, options: DeadlineOptions = {}): Promise<T | typeof TIMED_OUT> {
  const decided = new AbortController();
  const timer = sleep(ms, TIMED_OUT, { signal: decided.signal, ref: !options.unref });
  try {
    // The race has subscribed to the timer, so its rejection by abort() below is handled.
    return await Promise.race([work, timer]);
  } finally {
    decided.abort();
  }
}
