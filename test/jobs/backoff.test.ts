import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from '../../src/jobs/backoff.js';

const settings = { delay: 500, factor: 2, limit: 4000, resetAfter: 10_000 };
const noJitter = () => 0;

test('quick crashes back off exponentially up to the limit', () => {
  const backoff = new RestartBackoff(settings, noJitter);
  const delays = Array.from({ length: 6 }, () => backoff.nextDelay(100));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 4000, 4000]);
});

test('a stable run restarts at once and resets the curve', () => {
  const backoff = new RestartBackoff(settings, noJitter);
  backoff.nextDelay(100);
  backoff.nextDelay(100);
  assert.equal(backoff.nextDelay(10_000), 0);
  assert.equal(backoff.nextDelay(100), 500);
});

test('jitter adds at most 10 %', () => {
  const backoff = new RestartBackoff(settings, () => 0.999);
  const delay = backoff.nextDelay(0);
  assert.ok(delay >= 500 && delay <= 550, `delay ${delay}`);
});

test('reset starts the curve over', () => {
  const backoff = new RestartBackoff(settings, noJitter);
  backoff.nextDelay(0);
  backoff.nextDelay(0);
  backoff.reset();
  assert.equal(backoff.nextDelay(0), 500);
});
