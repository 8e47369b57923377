// Retry timing for API requests: exponential with jitter, so that the pods of a Deployment that
// all lost the API server at once do not come back in lockstep, and never sooner than the server
// asked for with Retry-After (429 from API priority and fairness, 503).
import { backoffDelay } from '../util/backoff.js';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The wait before retry number `failures` (1 for the first): half fixed, half random. */
export function retryDelay(failures: number, policy: BackoffPolicy, retryAfterMs = 0, random: () => number = Math.random): number {
  const curve = { firstMs: policy.initialMs, factor: 2, maxMs: policy.maxMs, jitter: [-0.5, 0] } as const;
  return Math.max(backoffDelay(failures - 1, curve, random), retryAfterMs);
}

/**
 * Longest wait a Retry-After may ask for: the API server asks for seconds, and a larger value
 * (a proxy's mistake) must neither park the bridge for days nor overflow Node's timers (2^31-1 ms).
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** A Retry-After header (seconds, or an HTTP date) in milliseconds, at most MAX_RETRY_AFTER_MS; 0 when absent or unreadable. */
export function parseRetryAfter(header: unknown, now = Date.now()): number {
  if (typeof header !== 'string' || header.trim() === '') return 0;
  const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - now;
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}
