// Durations as ContainerPilot reads them: Go duration strings ("500ms", "1m30s", "1.5h") or a
// bare number / integer string meaning seconds. Everything becomes milliseconds.
import type { Millis } from './types.js';

const UNIT_MILLIS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 MICRO SIGN, which Go accepts
  μs: 1e-3, // U+03BC GREEK SMALL LETTER MU, which Go accepts too
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

// `ms` is listed before `m` and `s` so that "5ms" is not read as minutes.
const TERM = '(\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)';
const GO_DURATION = new RegExp(`^[+-]?(?:${TERM})+$`);
const SECONDS = /^[+-]?\d+$/;

/** Node's timers fire at once when asked to wait longer than this (2^31−1 ms). */
export const MAX_TIMER_DELAY: Millis = 2 ** 31 - 1;

/**
 * The longest duration a config may give: Node's timers fire at once for anything above 2^31−1 ms
 * (about 24.8 days), and restart delays add up to 10 % jitter, so 20 days leaves room for both.
 */
export const MAX_DURATION: Millis = 480 * 3_600_000;

/** Milliseconds, or undefined when `value` is not a duration. Negative values are returned as such. */
export function parseDuration(value: string | number): Millis | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? roundToNanos(value * 1_000) : undefined;
  if (SECONDS.test(value)) return Number(value) * 1_000;
  if (!GO_DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(new RegExp(TERM, 'g'))) {
    total += Number(amount) * (UNIT_MILLIS[unit as string] as number);
  }
  return roundToNanos(value.startsWith('-') ? -total : total);
}

/** The shortest exact rendering in one unit, for messages: 1500 → "1500ms", 90000 → "90s". */
export function formatDuration(ms: Millis): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

// Decimal fractions are not exact in binary ("1.1s" would be 1100.0000000000002 ms); Go's
// resolution is the nanosecond, so round there.
function roundToNanos(ms: number): Millis {
  return Math.round(ms * 1e6) / 1e6;
}
