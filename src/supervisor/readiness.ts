// Whether the container is alive and ready, from the supervisor's snapshot: what /livez and
// /readyz answer, and what the Kubernetes readiness gate and NOTIFY_SOCKET's READY=1 follow (kept
// here, below the components that report it). After Pebble's health levels:
// a check of level `alive` failing makes the container not alive (the kubelet restarts it); every
// check counts for ready, and so do jobs without checks that are crashing or have failed for good,
// maintenance (taken out of rotation, as in Consul) and shutdown. With no checks, both pass.
import type { JobConfig } from '../config/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import type { SupervisorSnapshot } from './supervisor.js';

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

/**
 * Why a check failed, in pilotfish's words only. The probes answer anyone who can reach them (on
 * 0.0.0.0 by default), so the check's own output (an app's HTTP body, a script's stderr: stack
 * traces, internal addresses, secrets) stays on the authenticated control socket.
 */
function unhealthyReason(job: JobSnapshot): string {
  const summary = checkSummary(job.lastCheck?.output ?? '');
  return `${job.name} is unhealthy${summary ? `: ${summary}` : ''}`;
}

/** The probe's own verdict, from the first line of its output, which pilotfish writes. */
function checkSummary(output: string): string | undefined {
  const first = output.trimStart().split('\n', 1)[0] ?? '';
  if (first === '') return undefined;
  const own = /^(exit status \d+|killed by SIG[A-Z0-9]+|timed out after [\d.]+s|HTTP \d{3}(?=$|:))/.exec(first);
  if (own) return own[1];
  if (first.startsWith('could not start')) return 'its check command could not start';
  // A network check's error: `connect ECONNREFUSED 10.0.0.7:8080`, `getaddrinfo ENOTFOUND db`, `ECONNRESET: socket hang up`.
  const errno = /^(?:[a-z]+ )?(E[A-Z0-9]+)\b/.exec(first);
  return errno ? errno[1] : 'its check failed';
}

function withConfig(snapshot: SupervisorSnapshot, jobs: readonly JobConfig[]): Array<{ config: JobConfig; job: JobSnapshot }> {
  const configs = new Map(jobs.map((config) => [config.name, config]));
  return snapshot.jobs.flatMap((job) => {
    const config = configs.get(job.name);
    return config ? [{ config, job }] : [];
  });
}
