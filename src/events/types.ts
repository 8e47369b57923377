import type { EventName, HookableSignal } from '../config/types.js';
import type { DiscoveryStatus } from '../contracts/components.js';

/** A job's lifecycle states; see src/jobs/job.ts for the transitions. */
export type JobState = 'idle' | 'starting' | 'running' | 'stopping' | 'terminating' | 'killing' | 'backoff' | 'stopped' | 'exited' | 'failed';

/** Every state, in lifecycle order (metrics' and the CRD's list). */
export const JOB_STATES: readonly JobState[] = ['idle', 'starting', 'running', 'stopping', 'terminating', 'killing', 'backoff', 'stopped', 'exited', 'failed'];

/** Where supervisor-wide events come from (ContainerPilot's `global` source). */
export const GLOBAL_SOURCE = 'global';

/** The source of the discovery component's own events. */
export const DISCOVERY_SOURCE = 'discovery';

export type SupervisorEvent =
  /**
   * ContainerPilot's event vocabulary: `{code, source}`, e.g. `{kind: "healthy", source: "db"}`.
   * A job's events name it (`job`, its identity) besides the source, its name as written: jobs
   * repeating a name publish under that name, as in ContainerPilot (`web#2` as `web`).
   */
  | { kind: EventName; source: string; detail?: string; job?: string }
  /** A hookable signal received by the supervisor (source is the signal name). */
  | { kind: 'signal'; source: HookableSignal }
  /** Every job state change, for bridges, logs and tests. */
  | { kind: 'transition'; source: string; from: JobState; to: JobState }
  /** Every completed health check of a job (telemetry's check duration histogram). */
  | { kind: 'checkResult'; source: string; ok: boolean; durationMs: number }
  /**
   * Discovery's status changed: a service's registration (its state, TTL check, maintenance or
   * error), the connection to the catalog, or whether a watch's queries fail. Readers of that
   * status (the Kubernetes bridge) learn of it here instead of polling; it is no job's trigger.
   */
  | { kind: 'discoveryChanged'; source: typeof DISCOVERY_SOURCE; status: DiscoveryStatus }
  /**
   * A Kubernetes watch's list/watch began or stopped failing (source `watch.NAME`; `error`
   * undefined once it recovers): its status changed with no change of endpoints. For readers of
   * that status, as discoveryChanged is for Consul's watches; it is no job's trigger.
   */
  | { kind: 'watchTrouble'; source: string; error: string | undefined };

export type EventKind = SupervisorEvent['kind'];

/** The job an event is about: the job that published it, else its source (job events other than ContainerPilot's are published under the job's identity). */
export function jobOfEvent(event: SupervisorEvent): string {
  return ('job' in event && event.job) || event.source;
}
