// What /livez and /readyz answer, from the supervisor's snapshot, after Pebble's health levels:
// a check of level `alive` failing makes the container not alive (the kubelet restarts it); every
// check counts for ready, and so do jobs without checks that are crashing or have failed for good,
// maintenance (taken out of rotation, as in Consul) and shutdown. With no checks, both pass.
import type { JobConfig } from '../config/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import type { SupervisorSnapshot } from '../supervisor/supervisor.js';

export interface Verdict {
  ok: boolean;
  /** Why not, one short sentence per cause. */
  reasons: string[];
}

export function liveness(snapshot: SupervisorSnapshot, jobs: readonly JobConfig[]): Verdict {
  const reasons = withConfig(snapshot, jobs)
    .filter(({ config, job }) => config.health?.level === 'alive' && job.health === 'unhealthy')
    .map(({ job }) => unhealthyReason(job));
  return { ok: reasons.length === 0, reasons };
}

export function readiness(snapshot: SupervisorSnapshot, jobs: readonly JobConfig[]): Verdict {
  const reasons = [
    ...(snapshot.shuttingDown ? ['pilotfish is shutting down'] : []),
    ...(snapshot.maintenance ? ['pilotfish is in maintenance mode'] : []),
    ...withConfig(snapshot, jobs).flatMap(({ config, job }) => jobNotReady(config, job) ?? []),
  ];
  return { ok: reasons.length === 0, reasons };
}

function jobNotReady(config: JobConfig, job: JobSnapshot): string | undefined {
  const checked = config.health !== undefined || config.notify;
  if (checked) {
    if (job.health === 'healthy') return undefined;
    return job.health === 'unhealthy' ? unhealthyReason(job) : `${job.name} is not healthy yet (${job.state})`;
  }
  if (job.state === 'backoff') return `${job.name} is restarting after an exit with code ${job.lastExit?.code ?? '?'}`;
  if (job.state === 'failed') return `${job.name} has failed (exit code ${job.lastExit?.code ?? '?'})`;
  return undefined;
}

/** One line: the check's output lines joined with "; ". */
function unhealthyReason(job: JobSnapshot): string {
  const output = (job.lastCheck?.output ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
  return `${job.name} is unhealthy${output ? `: ${output}` : ''}`;
}

function withConfig(snapshot: SupervisorSnapshot, jobs: readonly JobConfig[]): Array<{ config: JobConfig; job: JobSnapshot }> {
  const configs = new Map(jobs.map((config) => [config.name, config]));
  return snapshot.jobs.flatMap((job) => {
    const config = configs.get(job.name);
    return config ? [{ config, job }] : [];
  });
}
