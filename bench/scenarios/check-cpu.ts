// Scenario 4: CPU the supervisor spends running 100 HTTP checks every second.
import { withInstance } from '../instance.js';
import { cpuSecondsOf, supervisorProcesses } from '../proc.js';
import { sleep } from '../sleep.js';
import { JOB_COMM } from '../workload.js';
import type { Scenario } from './types.js';

const CHECKS = 100;

export const checkCpu: Scenario = {
  id: '4',
  title: 'CPU of 100 HTTP checks at 1 s (100 jobs)',
  method:
    "utime+stime (/proc/PID/stat) of the supervisor's processes over 60 s (quick: 3 s), after all jobs started and 3 s (quick: 0.5 s) of warm-up; " +
    'the checks call a separate Node HTTP server, which counts them (checks/s proves the rate)',
  capabilities: ['jobs', 'http-checks'],
  metrics: [
    { key: 'cpu', label: 'CPU', unit: '% of a core' },
    { key: 'checks', label: 'checks', unit: 'per s' },
  ],
  runs: { full: 3, quick: 1 },
  measure: (supervisor, context) =>
    withInstance(supervisor, { count: CHECKS, checkUrl: context.checkTarget.url }, async (instance) => {
      await instance.started(CHECKS, 30_000);
      await sleep(context.quick ? 500 : 3000);
      const windowSeconds = context.quick ? 3 : 60;
      const processes = supervisorProcesses(instance.pid, JOB_COMM);
      const [cpuBefore, requestsBefore] = [cpuSecondsOf(processes), await context.checkTarget.requests()];
      await sleep(windowSeconds * 1000);
      const [cpuAfter, requestsAfter] = [cpuSecondsOf(processes), await context.checkTarget.requests()];
      return { cpu: ((cpuAfter - cpuBefore) / windowSeconds) * 100, checks: (requestsAfter - requestsBefore) / windowSeconds };
    }),
};
