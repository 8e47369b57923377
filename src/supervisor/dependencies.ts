// The order facts that follow from `when` clauses: which jobs start because of which, so that
// shutdown stops dependents before what they depend on, and the supervisor knows when nothing
// can run any more. Pure functions over configs and job states.
import { HOOKABLE_SIGNALS, type JobConfig, type When } from '../config/types.js';
import { GLOBAL_SOURCE } from '../events/types.js';
import type { RunPotential } from '../jobs/job.js';

/** Hooks on these events run *because* their source stops; they are not stopped with it. */
export function isStopHook(job: JobConfig): boolean {
  const when = job.when;
  if (when.kind !== 'event') return false;
  return when.event === 'stopping' || when.event === 'stopped' || (when.source === 'global' && when.event === 'shutdown');
}

/** Jobs by their name as written: a `when.source` names every job of that name (ContainerPilot's events). */
function byWrittenName<T>(items: readonly T[], configOf: (item: T) => JobConfig): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const name = configOf(item).writtenName;
    map.set(name, [...(map.get(name) ?? []), item]);
  }
  return map;
}

/**
 * Groups of jobs to stop together, in order: the jobs furthest down a `when` chain first (an app
 * before the preStart it waited for). Stop hooks are left out: they run during the stop.
 */
export function stopOrder(jobs: readonly JobConfig[]): string[][] {
  const sources = byWrittenName(jobs, (job) => job);
  const depthCache = new Map<string, number>();
  const depth = (job: JobConfig): number => {
    const cached = depthCache.get(job.name);
    if (cached !== undefined) return cached;
    // Below every job of its source's name. The loader rejects cycles, except through a repeated
    // name whose other job starts otherwise: a job met again on the way counts as a first.
    depthCache.set(job.name, 0);
    const sourceJobs = job.when.kind === 'event' ? (sources.get(job.when.source) ?? []) : [];
    const value = Math.max(-1, ...sourceJobs.map(depth)) + 1;
    depthCache.set(job.name, value);
    return value;
  };
  const layers: string[][] = [];
  for (const job of jobs) {
    if (isStopHook(job)) continue;
    const level = depth(job);
    (layers[level] ??= []).push(job.name);
  }
  return layers.filter((layer) => layer !== undefined).reverse();
}

export interface LivenessInput {
  config: JobConfig;
  potential: RunPotential;
  /** Its process is being stopped: its `stopped` is still to come, even when it will not run again. */
  stopping?: boolean;
}

/**
 * ContainerPilot's rule: the supervisor is done when no job is running or can run again. A job
 * waiting on another job's event can run again only while that job can. One waiting on a watch,
 * a signal or a global event (maintenance) can always still run: those sources fire whatever the
 * jobs do. Global `startup` has fired already, and `shutdown` fires only once we are done.
 */
export function anyJobCanRun(jobs: readonly LivenessInput[]): boolean {
  return jobs.some(livenessIn(jobs));
}

/** Whether `job`, one of `jobs`, is running or can run again, by the same rule. */
export function jobCanRun(jobs: readonly LivenessInput[], job: LivenessInput): boolean {
  return livenessIn(jobs)(job);
}

/** `jobCanRun` for many jobs of one set: the set is indexed once. */
export function livenessIn(jobs: readonly LivenessInput[]): (job: LivenessInput) => boolean {
  const byName = byWrittenName(jobs, (job) => job.config);
  const live = (job: LivenessInput, seen: Set<string>): boolean => {
    if (job.potential === 'yes') return true;
    const when = job.config.when;
    if (job.potential === 'no' || when.kind !== 'event') return false;
    if (firesWhateverJobsDo(when.source, when.event)) return true;
    return (byName.get(when.source) ?? []).some((source) => {
      // A postStop hook during a shutdown: its source will not run again, but it does stop.
      if (when.event === 'stopped' && source.stopping) return true;
      if (seen.has(source.config.name)) return false;
      seen.add(source.config.name);
      return live(source, seen);
    });
  };
  return (job) => live(job, new Set([job.config.name]));
}

function firesWhateverJobsDo(source: string, event: Extract<When, { kind: 'event' }>['event']): boolean {
  if (source === GLOBAL_SOURCE) return event !== 'startup' && event !== 'shutdown';
  return source.startsWith('watch.') || (HOOKABLE_SIGNALS as readonly string[]).includes(source);
}
