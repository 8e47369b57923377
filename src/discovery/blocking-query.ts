// A Consul blocking-query loop, following Consul's own rules for clients (features/blocking.mdx):
// the index is reset when it goes backwards and is never 0, each request is bounded by its wait
// plus the server's jitter (wait/16) plus a margin, a token bucket limits the rate when results
// come back quickly, and failures are retried with capped exponential backoff and jitter.
// (The `consul` package's own watch has no rate limit and no jitter, hence this loop.)
import { backoffDelay } from '../util/backoff.js';

export interface BlockingResult<T> {
  value: T;
  /** The response's X-Consul-Index. */
  index: number;
}

/** One request: `index` 0 means "don't block, answer now". */
export type BlockingFetch<T> = (request: { index: number; waitMs: number; timeoutMs: number; signal: AbortSignal }) => Promise<BlockingResult<T>>;

export interface BlockingQueryOptions<T> {
  fetch: BlockingFetch<T>;
  /** Every answer, changed or not: "return of a blocking request is no guarantee of a change". */
  onValue: (value: T) => void;
  /** Failures (the loop retries on its own); aborted requests after stop() are not reported. */
  onError: (error: unknown) => void;
  waitMs: number;
  /** Cap on the retry delay after failures. */
  retryLimitMs?: number;
  rateLimit?: TokenBucket;
}

const TIMEOUT_MARGIN_MS = 1_000;
const FIRST_RETRY_MS = 500;

export class BlockingQuery<T> {
  private index = 0;
  private failures = 0;
  private readonly abort = new AbortController();
  private readonly rateLimit: TokenBucket;

  constructor(private readonly options: BlockingQueryOptions<T>) {
    this.rateLimit = options.rateLimit ?? new TokenBucket(2, 1_000);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      await sleep(this.rateLimit.take(), signal);
      if (signal.aborted) return;
      try {
        const waitMs = this.options.waitMs;
        const result = await this.options.fetch({ index: this.index, waitMs, timeoutMs: requestTimeout(waitMs), signal });
        if (signal.aborted) return;
        this.index = nextIndex(this.index, result.index);
        this.failures = 0;
        this.options.onValue(result.value);
      } catch (error) {
        if (signal.aborted) return;
        this.failures += 1;
        this.options.onError(error);
        await sleep(retryDelay(this.failures, this.options.retryLimitMs ?? this.options.waitMs), signal);
      }
    }
  }
}

/** The index for the next request, given the last one sent and the one just received. */
export function nextIndex(previous: number, received: number): number {
  // "Sanity check index is greater than zero": 0 would make every query return at once.
  if (!Number.isFinite(received) || received < 1) return 1;
  // "Reset the index if it goes backwards" (snapshot restore, a restarted agent): ask afresh.
  if (received < previous) return 0;
  return received;
}

/** The server may hold a request for wait + wait/16; past that plus a margin, the connection is dead. */
export function requestTimeout(waitMs: number): number {
  return Math.ceil(waitMs + waitMs / 16 + TIMEOUT_MARGIN_MS);
}

/** Exponential from 500 ms, capped, with ±20 % jitter so that many watchers don't retry in step. */
export function retryDelay(failures: number, limitMs: number, random: () => number = Math.random): number {
  const curve = { firstMs: FIRST_RETRY_MS, factor: 2, maxMs: Math.max(limitMs, FIRST_RETRY_MS), jitter: [-0.2, 0.2] } as const;
  return Math.round(backoffDelay(failures - 1, curve, random));
}

/** `burst` requests at once, then one per `refillMs`: a watch on a flapping service degrades to polling. */
export class TokenBucket {
  private tokens: number;

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    // The monotonic clock: a system clock stepped back an hour would otherwise owe an hour's tokens.
    private updatedAt = performance.now(),
  ) {
    this.tokens = burst;
  }

  /** Takes a token; returns how long to wait before using it (0 when one was available). */
  take(now = performance.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) / this.refillMs);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens * this.refillMs);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
