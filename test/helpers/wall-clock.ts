// The wall clock stepped while `body` runs, as NTP steps it: Date.now() moves, the monotonic clock
// (performance.now()) does not. Put back however `body` ends.
export async function withWallClockStepped<T>(stepMs: number, body: () => T | Promise<T>): Promise<T> {
  const wallClock = Date.now;
  Date.now = () => wallClock() + stepMs;
  try {
    return await body();
  } finally {
    Date.now = wallClock;
  }
}
