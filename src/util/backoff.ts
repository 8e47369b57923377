// The one retry curve: exponential from a first delay, capped, with jitter so that many retriers
// (the jobs of one container, the watches of one agent, the pods of one Deployment) do not retry
// in step. Each caller keeps its own numbers: jobs Pebble's (+0–10 %), Consul ±20 %, and the
// Kubernetes bridge client-go's habit of waiting between half and all of the capped delay.

export interface BackoffCurve {
  /** The delay before the first retry, before jitter. */
  firstMs: number;
  /** What each further failure multiplies it by. */
  factor: number;
  /** The cap, before jitter. */
  maxMs: number;
  /** The jitter's range, as fractions of the capped delay: [-0.2, 0.2] is ±20 %. */
  jitter: readonly [low: number, high: number];
}

/** The delay before retry number `retry` (0 for the first), in milliseconds, not rounded. */
export function backoffDelay(retry: number, curve: BackoffCurve, random: () => number = Math.random): number {
  const capped = Math.min(curve.firstMs * curve.factor ** Math.max(0, retry), curve.maxMs);
  const [low, high] = curve.jitter;
  return capped * (1 + low + (high - low) * random());
}
