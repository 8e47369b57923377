// Scenario 6: SIGTERM to the supervisor → the supervisor has exited, with 10 jobs that stop promptly.
import { performance } from 'node:perf_hooks';
import { withInstance } from '../instance.js';
import { sleep } from '../sleep.js';
import type { Scenario } from './types.js';

const JOBS = 10;

export const shutdown: Scenario = {
  id: '6',
  title: 'Shutdown: SIGTERM → supervisor exited (10 jobs)',
  method: "all 10 jobs announced + 500 ms, then SIGTERM to the supervisor; until the harness sees it exit (jobs are `sleep`, which dies on SIGTERM)",
  capabilities: ['jobs'],
  metrics: [{ key: 'ms', label: 'SIGTERM → exited', unit: 'ms' }],
  runs: { full: 5, quick: 1 },
  measure: (supervisor) =>
    withInstance(supervisor, { count: JOBS }, async (instance) => {
      await instance.started(JOBS);
      await sleep(500);
      const signalledAt = performance.now();
      instance.signal('SIGTERM');
      await Promise.race([instance.exited, sleep(20_000)]);
      if (instance.exitedAt === undefined) throw new Error('still running 20 s after SIGTERM');
      return { ms: instance.exitedAt - signalledAt };
    }),
};
