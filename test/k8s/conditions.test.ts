import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Verdicts } from '../../src/k8s/assessment.js';
import { kubeTime, nextConditions } from '../../src/k8s/conditions.js';

const T0 = new Date('2026-01-01T10:00:00.123Z');
const T1 = new Date('2026-01-01T10:05:00.456Z');

function verdicts(ready: 'True' | 'False', reason = ready === 'True' ? 'Ready' : 'JobsStarting'): Verdicts {
  const other = { status: 'False' as const, reason: 'AsExpected', message: '' };
  return { Ready: { status: ready, reason, message: reason }, JobsHealthy: { status: ready, reason, message: reason }, ConsulRegistered: other, Degraded: other };
}

describe('conditions', () => {
  it('reports every known condition from the first write, in a fixed order', () => {
    const conditions = nextConditions([], verdicts('False'), T0);
    assert.deepEqual(conditions.map((condition) => condition.type), ['Ready', 'JobsHealthy', 'ConsulRegistered', 'Degraded']);
    assert.ok(conditions.every((condition) => condition.lastTransitionTime === '2026-01-01T10:00:00Z'));
  });

  it('leaves out a condition that does not apply', () => {
    const { ConsulRegistered: _notApplicable, ...withoutConsul } = verdicts('True');
    assert.deepEqual(nextConditions([], withoutConsul, T0).map((condition) => condition.type), ['Ready', 'JobsHealthy', 'Degraded']);
  });

  it('moves lastTransitionTime only when the status flips', () => {
    const first = nextConditions([], verdicts('False'), T0);
    const sameStatusNewReason = nextConditions(first, verdicts('False', 'JobUnhealthy'), T1);
    assert.equal(sameStatusNewReason[0]?.lastTransitionTime, '2026-01-01T10:00:00Z');
    assert.equal(sameStatusNewReason[0]?.reason, 'JobUnhealthy');
    const flipped = nextConditions(sameStatusNewReason, verdicts('True'), T1);
    assert.equal(flipped[0]?.lastTransitionTime, '2026-01-01T10:05:00Z');
    assert.equal(flipped[2]?.lastTransitionTime, '2026-01-01T10:00:00Z', 'ConsulRegistered did not flip');
  });

  it('writes times as metav1.Time does: seconds, UTC', () => {
    assert.equal(kubeTime(T0), '2026-01-01T10:00:00Z');
  });
});
