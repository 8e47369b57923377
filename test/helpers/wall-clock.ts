// The wall clock stepped while `body` runs, as NTP steps it: Date.now() and `new Date()` move, the
// monotonic clock (performance.now()) does not. Put back however `body` ends.
export async function withWallClockStepped<T>(stepMs: number, body: () => T | Promise<T>): Promise<T> {
  const RealDate = Date;
  const wallClock = RealDate.now.bind(RealDate);
  // A subclass, so that `instanceof Date` and every method still hold; only "now" moves.
  class SteppedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(wallClock() + stepMs);
      else super(...(args as [string]));
    }

    static override now(): number {
      return wallClock() + stepMs;
    }
  }
  globalThis.Date = SteppedDate as DateConstructor;
  try {
    return await body();
  } finally {
    globalThis.Date = RealDate;
  }
}
