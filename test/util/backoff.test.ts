// The one retry curve, with an injected random: exponential, capped, jittered within its range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, type BackoffCurve } from '../../src/util/backoff.js';

const curve: BackoffCurve = { firstMs: 100, factor: 3, maxMs: 1000, jitter: [0, 0] };

test('grows by the factor from the first delay, and stops at the cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 50].map((retry) => backoffDelay(retry, curve, () => 0.5)),
    [100, 300, 900, 1000, 1000, 1000],
  );
});

test('a factor of 1 is a constant delay; a retry number below 0 counts as the first', () => {
  assert.equal(backoffDelay(7, { ...curve, factor: 1 }), 100);
  assert.equal(backoffDelay(-1, curve), 100);
});

test('jitter spans its range of the capped delay, from the lowest random to the highest', () => {
  // Rounded to the microsecond: 1 - 0.2 + 0.4 is 1.2000000000000002 in floating point.
  const at = (retry: number, jitter: BackoffCurve['jitter'], random: number) =>
    Math.round(backoffDelay(retry, { ...curve, jitter }, () => random) * 1000) / 1000;
  assert.deepEqual([0, 0.5, 1].map((random) => at(0, [-0.2, 0.2], random)), [80, 100, 120]);
  // Applied after the cap: a capped delay is jittered too, so capped retriers still spread out.
  assert.equal(at(9, [-0.2, 0.2], 1), 1200);
  assert.deepEqual([0, 1].map((random) => at(1, [-0.5, 0], random)), [150, 300]);
});

test('a huge retry number stays at the cap (no overflow to Infinity or NaN)', () => {
  assert.equal(backoffDelay(10_000, { ...curve, factor: 2 }, () => 0), 1000);
});
