// The blocking-query loop's rules, from Consul's guidance for clients: which index each request
// carries, how long a request may take, how fast the loop may go and how it backs off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockingQuery, TokenBucket, nextIndex, requestTimeout, retryDelay } from '../../src/discovery/blocking-query.js';
import { waitFor } from '../helpers/wait.js';

test('the index moves forward with each answer', () => {
  assert.equal(nextIndex(0, 42), 42);
  assert.equal(nextIndex(42, 57), 57);
  assert.equal(nextIndex(57, 57), 57);
});

test('an index that goes backwards is reset, so the next request answers at once', () => {
  assert.equal(nextIndex(57, 12), 0);
});

test('an index of 0 (or none) is never used to block: it becomes 1', () => {
  assert.equal(nextIndex(57, 0), 1);
  assert.equal(nextIndex(0, Number.NaN), 1);
});

test('a request may take its wait, plus the server\'s wait/16 jitter, plus a margin', () => {
  assert.equal(requestTimeout(16_000), 18_000);
  assert.ok(requestTimeout(300_000) > 300_000 * (17 / 16));
});

test('retries back off exponentially up to the limit, with jitter', () => {
  const delays = Array.from({ length: 200 }, () => retryDelay(1, 10_000));
  assert.ok(delays.every((delay) => delay >= 400 && delay <= 600));
  assert.ok(new Set(delays).size > 1, 'jittered');
  assert.ok(retryDelay(4, 10_000) >= 3200);
  assert.ok(retryDelay(30, 10_000) <= 12_000);
});

test('the retry curve, with an injected random: from 500 ms, doubling, ±20 %, capped at the limit (never below 500 ms)', () => {
  assert.equal(retryDelay(1, 10_000, () => 0), 400);
  assert.equal(retryDelay(3, 10_000, () => 0.5), 2000);
  assert.equal(retryDelay(30, 10_000, () => 1), 12_000);
  assert.equal(retryDelay(1, 100, () => 0.5), 500);
});

test('the token bucket lets a burst of two through, then one request per refill period', () => {
  const start = 1_000_000;
  const bucket = new TokenBucket(2, 1000, start);
  assert.equal(bucket.take(start), 0);
  assert.equal(bucket.take(start), 0);
  assert.equal(bucket.take(start), 1000);
  // Time passing refills it.
  assert.equal(bucket.take(start + 5000), 0);
});

test('the token bucket keeps time on the monotonic clock: a system clock stepped back an hour owes no hour', (t) => {
  const bucket = new TokenBucket(2, 1000);
  const stepped = Date.now() - 3_600_000;
  t.mock.method(Date, 'now', () => stepped);
  assert.equal(bucket.take(), 0);
});

test('the loop sends the index rules to the server and hands over every answer', async () => {
  const answers = [5, 9, 3, 0, 7];
  const sent: number[] = [];
  const values: number[] = [];
  const query = new BlockingQuery<number>({
    waitMs: 1000,
    rateLimit: new TokenBucket(100, 1),
    onValue: (value) => values.push(value),
    onError: () => undefined,
    fetch: async ({ index }) => {
      sent.push(index);
      const next = answers.shift();
      if (next === undefined) return new Promise(() => undefined);
      return { value: next, index: next };
    },
  });
  query.start();
  await waitFor(() => values.length === 5, 'five answers');
  query.stop();
  assert.deepEqual(sent.slice(0, 6), [0, 5, 9, 0, 1, 7]);
});
