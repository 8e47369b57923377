// The time log lines and kept output lines carry. A flooding job's lines come thousands to a
// millisecond, and formatting a Date for each (twice: the kept line and the log line) was a third
// of what a line cost: lines of the same millisecond share one string.
let formattedAt = Number.NaN;
let formatted = '';

/** `new Date().toISOString()`, formatted once per millisecond. */
export function isoTimestamp(): string {
  const now = Date.now();
  if (now !== formattedAt) {
    formattedAt = now;
    formatted = new Date(now).toISOString();
  }
  return formatted;
}
