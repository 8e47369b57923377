// Time as a job sees it: injected, so the state machine's tests drive timers without sleeping.

export interface Clock {
  /**
   * Milliseconds on a clock that only moves forward, for durations (how long a run lasted decides
   * its restart's backoff): a wall clock stepped by NTP at boot would make a crash loop look stable.
   */
  monotonicNow(): number;
  /** The wall-clock time, for the timestamps people read (a run's start, its exit). */
  wallTime(): Date;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  monotonicNow: () => performance.now(),
  wallTime: () => new Date(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
