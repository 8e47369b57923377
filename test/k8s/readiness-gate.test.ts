import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateCondition } from '../../src/k8s/readiness-gate.js';

const at = (iso: string) => new Date(iso);
const ok = { verdict: { ok: true, reasons: [] }, maintenance: false, shuttingDown: false };
const unhealthy = { verdict: { ok: false, reasons: ['web is unhealthy: 503', 'db is not healthy yet (starting)'] }, maintenance: false, shuttingDown: false };

describe('the readiness gate condition', () => {
  it('follows the readiness verdict, its reasons as the message', () => {
    assert.deepEqual(gateCondition(ok, undefined, at('2026-01-01T00:00:00.123Z')), {
      type: 'pilotfish.dev/ready',
      status: 'True',
      reason: 'Ready',
      message: "every job passes pilotfish's readiness verdict",
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    const down = gateCondition(unhealthy, undefined, at('2026-01-01T00:00:00Z'));
    assert.deepEqual([down.status, down.reason, down.message], ['False', 'JobsNotReady', 'web is unhealthy: 503; db is not healthy yet (starting)']);
  });

  it('names maintenance and shutdown as the reason', () => {
    const reasons = { verdict: { ok: false, reasons: ['pilotfish is in maintenance mode'] } };
    assert.equal(gateCondition({ ...reasons, maintenance: true, shuttingDown: false }, undefined, new Date()).reason, 'Maintenance');
    assert.equal(gateCondition({ ...reasons, maintenance: true, shuttingDown: true }, undefined, new Date()).reason, 'ShuttingDown');
  });

  it('moves lastTransitionTime only when the status flips', () => {
    const first = gateCondition(unhealthy, undefined, at('2026-01-01T00:00:00Z'));
    const sameStatus = gateCondition({ ...unhealthy, verdict: { ok: false, reasons: ['other'] } }, first, at('2026-01-01T00:05:00Z'));
    assert.equal(sameStatus.lastTransitionTime, '2026-01-01T00:00:00Z');
    const flipped = gateCondition(ok, sameStatus, at('2026-01-01T00:06:00Z'));
    assert.equal(flipped.lastTransitionTime, '2026-01-01T00:06:00Z');
  });
});
