import type { EventName, HookableSignal } from '../config/types.js';

/** A job's lifecycle states; see src/jobs/job.ts for the transitions. */
export type JobState = 'idle' | 'starting' | 'running' | 'stopping' | 'terminating' | 'killing' | 'backoff' | 'stopped' | 'exited' | 'failed';

/** Every state, in lifecycle order (metrics' and the CRD's list). */
export const JOB_STATES: readonly JobState[] = ['idle', 'starting', 'running', 'stopping', 'terminating', 'killing', 'backoff', 'stopped', 'exited', 'failed'];

/** Where supervisor-wide events come from (ContainerPilot's `global` source). */
export const GLOBAL_SOURCE = 'global';

export type SupervisorEvent =
  /** ContainerPilot's event vocabulary: `{code, source}`, e.g. `{kind: "healthy", source: "db"}`. */
  | { kind: EventName; source: string; detail?: string }
  /** A hookable signal received by the supervisor (source is the signal name). */
  | { kind: 'signal'; source: HookableSignal }
  /** Every job state change, for bridges, logs and tests. */
  | { kind: 'transition'; source: string; from: JobState; to: JobState }
  /** Every completed health check of a job (telemetry's check duration histogram). */
  | { kind: 'checkResult'; source: string; ok: boolean; durationMs: number };

export type EventKind = SupervisorEvent['kind'];
