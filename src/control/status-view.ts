// What `GET /v1/status` answers: the supervisor's snapshot with uptimes worked out, the names (never
// the values) of variables set through the control plane, and components' status without secrets.
import type { JobConfig } from '../config/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import type { SupervisorSnapshot } from '../supervisor/supervisor.js';
import { redactSecrets } from './redact.js';

export interface JobView extends JobSnapshot {
  /** Seconds since its current process started, while it has one. */
  uptimeSeconds?: number;
  /** Whether anything decides its health (a check, or READY=1 on its NOTIFY_SOCKET); without, `health` stays `unknown` and means nothing. */
  checks?: boolean;
}

export interface StatusView {
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  configFile: string;
  configHash: string;
  maintenance: boolean;
  shuttingDown: boolean;
  jobs: JobView[];
  /** Variables set with putenv, by name only. */
  envSet: string[];
  components: Record<string, unknown>;
}

export function statusView(
  snapshot: SupervisorSnapshot,
  context: { version: string; envSet: Iterable<string>; now: Date; jobConfigs: readonly JobConfig[] },
): StatusView {
  const checked = new Set(context.jobConfigs.filter((job) => job.health !== undefined || job.notify).map((job) => job.name));
  return {
    version: context.version,
    pid: snapshot.pid,
    startedAt: snapshot.startedAt,
    uptimeSeconds: secondsSince(snapshot.startedAt, context.now),
    configFile: snapshot.configFile,
    configHash: snapshot.configHash,
    maintenance: snapshot.maintenance,
    shuttingDown: snapshot.shuttingDown,
    jobs: snapshot.jobs.map((job) => ({ ...jobView(job, context.now), checks: checked.has(job.name) })),
    envSet: [...context.envSet].sort(),
    components: redactSecrets(snapshot.components) as Record<string, unknown>,
  };
}

export function jobView(job: JobSnapshot, now: Date): JobView {
  const running = job.state === 'running' && job.startedAt !== undefined;
  return running ? { ...job, uptimeSeconds: secondsSince(job.startedAt as string, now) } : job;
}

function secondsSince(iso: string, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
}
