// How long a watched service's change takes to start the hook on it: the measurement the Consul
// and the Kubernetes watch scenarios share, with their own way of making a change.
import { performance } from 'node:perf_hooks';
import type { Instance } from './instance.js';
import type { Metric } from './scenarios/types.js';
import { sleep } from './sleep.js';
import { summarize } from './stats.js';

/** What both scenarios report: the summary measureHookLags returns, and how many changes were made. */
export const HOOK_LAG_METRICS: Metric[] = [
  { key: 'p50', label: 'change → hook p50', unit: 'ms' },
  { key: 'min', label: 'min', unit: 'ms' },
  { key: 'max', label: 'max', unit: 'ms' },
  { key: 'changes', label: 'changes', unit: 'count' },
];

/**
 * Makes `changes` changes, `spacingMs` apart, each by `change(n)`, and measures from just before
 * it to the start of the job `hook`. The first answer of the watch (nothing there yet) is not a
 * change: the caller lets it arrive first.
 */
export async function measureHookLags(
  instance: Instance,
  options: { changes: number; spacingMs: number; hook: string; change: (n: number) => Promise<unknown> },
): Promise<{ p50: number; min: number; max: number; changes: number }> {
  const lags: number[] = [];
  for (let n = 1; n <= options.changes; n++) {
    const seen = instance.starts.starts.length;
    const changedAt = performance.now();
    await options.change(n);
    const started = await instance.starts.nth(seen, 30_000);
    if (started.name !== options.hook) throw new Error(`expected the hook to start, got ${started.name}`);
    lags.push(started.at - changedAt);
    await sleep(options.spacingMs);
  }
  const summary = summarize(lags)!;
  return { p50: summary.median, min: summary.min, max: summary.max, changes: lags.length };
}
