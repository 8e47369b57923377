// Scenario 3: how fast a crashed job comes back, and the cadence of a crash loop.
import { performance } from 'node:perf_hooks';
import { withInstance } from '../instance.js';
import { sleep } from '../sleep.js';
import type { Metric, Scenario } from './types.js';

/** Long enough for every supervisor to call the run stable (supervisord's startsecs and s6's minimum are 1 s). */
const STABLE_RUN_MS = 1200;

export const firstRestart: Scenario = {
  id: '3a',
  title: 'Restart after a crash (job had been up 1.2 s)',
  method: 'SIGKILL to the job (its pid from its announcement) → the new process announcing itself; a fresh supervisor per run',
  capabilities: ['restart'],
  metrics: [{ key: 'ms', label: 'death → new process', unit: 'ms' }],
  runs: { full: 5, quick: 1 },
  measure: (supervisor) =>
    withInstance(supervisor, { count: 1, restart: true }, async (instance) => {
      await instance.started(1);
      await sleep(STABLE_RUN_MS);
      const killedAt = performance.now();
      process.kill(instance.starts.starts[0]!.pid, 'SIGKILL');
      const restarted = await instance.starts.nth(1, 40_000);
      return { ms: restarted.at - killedAt };
    }),
};

const GAPS = 6;

export const crashLoop: Scenario = {
  id: '3b',
  title: 'Crash loop: gaps between starts of a job that exits 1 at once',
  method: 'one job that announces itself and exits 1, watched for 30 s (quick: 3 s); gap n = start n+1 − start n. All supervisors run at once (the gaps are timer-bound)',
  capabilities: ['restart'],
  metrics: [
    { key: 'starts', label: 'starts', unit: 'count' },
    ...Array.from({ length: GAPS }, (_, i): Metric => ({ key: `gap${i + 1}`, label: `gap ${i + 1}`, unit: 's' })),
  ],
  runs: { full: 1, quick: 1 },
  concurrent: true,
  measure: (supervisor, context) =>
    withInstance(supervisor, { count: 1, restart: true, crash: true }, async (instance) => {
      await sleep(context.quick ? 3000 : 30_000);
      const times = instance.starts.starts.map((start) => start.at);
      const gaps = Object.fromEntries(times.slice(1, GAPS + 1).map((at, i) => [`gap${i + 1}`, (at - times[i]!) / 1000]));
      return { starts: times.length, ...gaps };
    }),
};
