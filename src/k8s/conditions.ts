// Conditions as Kubernetes expects them: one per type, present from the first write (except one
// that does not apply, ConsulRegistered without Consul), and `lastTransitionTime` moving only when
// the status flips — a new reason or message alone is not a transition (apimachinery's
// meta.SetStatusCondition behaves the same).
import type { Verdicts } from './assessment.js';
import type { Condition, ConditionType } from './resource.js';

const CONDITION_TYPES: readonly ConditionType[] = ['Ready', 'JobsHealthy', 'ConsulRegistered', 'Degraded', 'SpecApplied'];

export function nextConditions(previous: readonly Condition[], verdicts: Verdicts, now: Date): Condition[] {
  return CONDITION_TYPES.flatMap((type) => {
    const verdict = verdicts[type];
    if (!verdict) return [];
    const before = previous.find((condition) => condition.type === type);
    const lastTransitionTime = before && before.status === verdict.status ? before.lastTransitionTime : kubeTime(now);
    return [{ type, status: verdict.status, lastTransitionTime, reason: verdict.reason, message: verdict.message }];
  });
}

/** RFC 3339 with second precision, as metav1.Time serializes (and compares). */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
