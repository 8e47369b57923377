// Retry timing for API requests: exponential with jitter, so that the pods of a Deployment that
// all lost the API server at once do not come back in lockstep, and never sooner than the server
// asked for with Retry-After (429 from API priority and fairness, 503).

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The wait before retry number `failures` (1 for the first): half fixed, half random. */
export function retryDelay(failures: number, policy: BackoffPolicy, retryAfterMs = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.max(ceiling / 2 + (random() * ceiling) / 2, retryAfterMs);
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds; 0 when absent or unreadable. */
export function parseRetryAfter(header: unknown, now = Date.now()): number {
  if (typeof header !== 'string' || header.trim() === '') return 0;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}
