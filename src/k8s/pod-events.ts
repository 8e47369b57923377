// Which supervisor events become Kubernetes Events about the pod (and its Autopilot): the job
// transitions an operator wants in `kubectl describe` (started, exited, unhealthy, restarted,
// gave up, completed).
// Notes carry no PIDs or counters, so a repeat is recognizably the same Event and accumulates in
// its `series` instead of adding a new one. Periodic jobs' routine runs are not news.
import type { JobConfig } from '../config/types.js';
import type { SupervisorEvent } from '../events/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import { checkDetail, exitWords } from './job-text.js';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  /** CamelCase, what happened. */
  reason: string;
  /** What the reporter did or saw, e.g. `Start`. */
  action: string;
  note: string;
}

export function podEventFor(event: SupervisorEvent, job: { config: JobConfig; snapshot: JobSnapshot } | undefined): PodEvent | undefined {
  if (!job) return undefined;
  const { name } = job.snapshot;
  const periodic = job.config.when.kind === 'interval';
  if (event.kind === 'unhealthy') {
    return { type: 'Warning', reason: 'Unhealthy', action: 'Check', note: `Job ${name} is unhealthy${checkDetail(job.snapshot)}` };
  }
  if (event.kind === 'healthy') return { type: 'Normal', reason: 'Healthy', action: 'Check', note: `Job ${name} is healthy` };
  if (event.kind !== 'transition') return undefined;
  switch (event.to) {
    case 'running':
      if (periodic) return undefined;
      return job.snapshot.restarts > 0
        ? { type: 'Normal', reason: 'Restarted', action: 'Restart', note: `Job ${name} restarted` }
        : { type: 'Normal', reason: 'Started', action: 'Start', note: `Job ${name} started` };
    case 'backoff':
      return { type: 'Warning', reason: 'Exited', action: 'Restart', note: `Job ${name} ${exitWords(job.snapshot)} and will be restarted` };
    case 'failed':
      return { type: 'Warning', reason: 'Failed', action: 'GiveUp', note: `Job ${name} ${exitWords(job.snapshot)} and will not be restarted` };
    case 'exited':
      return periodic ? undefined : { type: 'Normal', reason: 'Completed', action: 'Exit', note: `Job ${name} completed` };
    default:
      return undefined;
  }
}
