// Scenario 1: resident memory of a supervisor idling with 10 jobs, with or without 10 checks.
import { withInstance } from '../instance.js';
import { memoryOf, supervisorProcesses } from '../proc.js';
import { sleep } from '../sleep.js';
import { summarize } from '../stats.js';
import { JOB_COMM } from '../workload.js';
import type { Scenario } from './types.js';

const JOBS = 10;

function idleMemory(id: string, title: string, withChecks: boolean): Scenario {
  return {
    id,
    title,
    method:
      'all 10 jobs announced, then idle (5 s; quick 0.5 s), then the median of 3 samples 250 ms apart. ' +
      "RSS = sum of VmRSS over the supervisor's processes, jobs excluded (helpers such as s6-supervise " +
      'or tini\'s shell included); PSS = the same with shared pages split (smaps_rollup)',
    capabilities: withChecks ? ['jobs', 'http-checks'] : ['jobs'],
    metrics: [
      { key: 'rss', label: 'RSS', unit: 'MiB' },
      { key: 'pss', label: 'PSS', unit: 'MiB' },
      { key: 'processes', label: 'processes', unit: 'count' },
    ],
    runs: { full: 5, quick: 1 },
    measure: (supervisor, context) =>
      withInstance(supervisor, { count: JOBS, ...(withChecks ? { checkUrl: context.checkTarget.url } : {}) }, async (instance) => {
        await instance.started(JOBS);
        await sleep(context.quick ? 500 : 5000);
        const samples = [];
        for (let i = 0; i < 3; i++) {
          if (i > 0) await sleep(250);
          samples.push(memoryOf(supervisorProcesses(instance.pid, JOB_COMM)));
        }
        return {
          rss: summarize(samples.map((sample) => sample.rssMib))!.median,
          pss: summarize(samples.map((sample) => sample.pssMib))!.median,
          processes: samples[samples.length - 1]!.processes,
        };
      }),
  };
}

export const idleMemoryScenarios = [
  idleMemory('1a', 'Idle memory, 10 jobs', false),
  idleMemory('1b', 'Idle memory, 10 jobs + 10 HTTP checks at 1 s', true),
];
