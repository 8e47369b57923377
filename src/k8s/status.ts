// The whole `status` of the pod's Autopilot, built from a supervisor snapshot. Every top-level
// field is always present; a nested one it leaves out (a cleared error) is removed by the write
// (./merge-patch.ts).
import type { JobConfig } from '../config/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import type { SupervisorSnapshot } from '../supervisor/supervisor.js';
import { assess, standingOf, type Verdict } from './assessment.js';
import { nextConditions } from './conditions.js';
import { discoveryStatusOf } from './discovery-state.js';
import type { AutopilotStatus, Condition, JobStatus } from './resource.js';
import { watchRowsOf } from './watch-state.js';

/** Check output and STATUS= texts are kept to their tail: status is for state, not logs. */
const TEXT_LIMIT = 256;

export interface StatusContext {
  /** The jobs' definitions, by name: whether a job has a check, whether it is periodic. */
  jobConfigs: ReadonlyMap<string, JobConfig>;
  version: string;
  /** The spec's `metadata.generation` last applied. */
  generation: number;
  /** Whether that generation's spec could be applied (absent before one was). */
  specApplied?: Verdict;
  /** The conditions written before, for their lastTransitionTime. */
  previousConditions: readonly Condition[];
  now: Date;
}

export function buildStatus(snapshot: SupervisorSnapshot, context: StatusContext): AutopilotStatus {
  const jobs = snapshot.jobs.map((job) => ({ snapshot: job, standing: standingOf(job, context.jobConfigs.get(job.name)) }));
  const discovery = discoveryStatusOf(snapshot.components.discovery);
  const verdicts = assess({ jobs, discovery, maintenance: snapshot.maintenance, shuttingDown: snapshot.shuttingDown });
  return {
    observedGeneration: context.generation,
    version: context.version,
    configHash: snapshot.configHash,
    startedAt: snapshot.startedAt,
    maintenance: snapshot.maintenance,
    jobsHealthy: `${jobs.filter((job) => job.standing === 'good').length}/${jobs.length}`,
    restarts: snapshot.jobs.reduce((sum, job) => sum + job.restarts, 0),
    conditions: nextConditions(context.previousConditions, context.specApplied ? { ...verdicts, SpecApplied: context.specApplied } : verdicts, context.now),
    jobs: snapshot.jobs.map(jobStatus),
    discovery,
    watches: watchRowsOf(snapshot.components),
  };
}

/** A job's row. Deliberately field by field: nothing from the job's environment may leak in. */
function jobStatus(job: JobSnapshot): JobStatus {
  const row: JobStatus = { name: job.name, state: job.state, health: job.health, restarts: job.restarts };
  if (job.pid !== undefined) row.pid = job.pid;
  if (job.startedAt !== undefined) row.startedAt = job.startedAt;
  if (job.lastExit) {
    const { code, signal, at, error } = job.lastExit;
    row.lastExit = { code, at, ...(signal ? { signal } : {}), ...(error ? { error: tail(error) } : {}) };
  }
  if (job.lastCheck) row.lastCheck = { ok: job.lastCheck.ok, output: tail(job.lastCheck.output.trim()), durationMs: Math.round(job.lastCheck.durationMs) };
  if (job.statusText) row.statusText = tail(job.statusText);
  if (job.waitingFor) row.waitingFor = tail(job.waitingFor);
  if (job.waitingUntil) row.waitingUntil = job.waitingUntil;
  return row;
}

function tail(text: string): string {
  return text.length <= TEXT_LIMIT ? text : `…${text.slice(-(TEXT_LIMIT - 1))}`;
}
