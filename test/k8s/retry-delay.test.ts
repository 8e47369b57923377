import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelay } from '../../src/k8s/retry-delay.js';

const POLICY = { initialMs: 500, maxMs: 60_000 };

describe('retry delay', () => {
  it('doubles from the initial delay up to the maximum, jittered within the upper half', () => {
    assert.equal(retryDelay(1, POLICY, 0, () => 0), 250);
    assert.equal(retryDelay(1, POLICY, 0, () => 1), 500);
    assert.equal(retryDelay(3, POLICY, 0, () => 1), 2_000);
    assert.equal(retryDelay(30, POLICY, 0, () => 1), 60_000);
    assert.equal(retryDelay(30, POLICY, 0, () => 0), 30_000);
  });

  it('never retries sooner than Retry-After asks', () => {
    assert.equal(retryDelay(1, POLICY, 7_000, () => 0.5), 7_000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z')), 10_000);
    assert.equal(parseRetryAfter(undefined), 0);
    assert.equal(parseRetryAfter('soon'), 0);
  });

  it('caps Retry-After, so that no answer can park the bridge for days or overflow a timer', () => {
    assert.equal(parseRetryAfter('99999999999'), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', Date.parse('2026-01-01T00:00:00Z')), MAX_RETRY_AFTER_MS);
  });
});
