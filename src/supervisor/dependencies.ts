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

/** The job this one starts after, if its `when` names another job. */
function sourceJob(job: JobConfig, names: ReadonlySet<string>): string | undefined {
  return job.when.kind === 'event' && names.has(job.when.source) ? job.when.source : undefined;
}

/**
 * Groups of jobs to stop together, in order: the jobs furthest down a `when` chain first (an app
 * before the preStart it waited for). Stop hooks are left out: they run during the stop.
 */
export function stopOrder(jobs: readonly JobConfig[]): string[][] {
  const names = new Set(jobs.map((job) => job.name));
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const depthCache = new Map<string, number>();
  const depth = (job: JobConfig): number => {
    const cached = depthCache.get(job.name);
    if (cached !== undefined) return cached;
    const source = sourceJob(job, names);
    // Cycles are rejected by the config loader, so this recursion ends.
    const value = source === undefined ? 0 : depth(byName.get(source) as JobConfig) + 1;
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
}

/**
 * ContainerPilot's rule: the supervisor is done when no job is running or can run again. A job
 * waiting on another job's event can run again only while that job can. One waiting on a watch,
 * a signal or a global event (maintenance) can always still run: those sources fire whatever the
 * jobs do. Global `startup` has fired already, and `shutdown` fires only once we are done.
 */
export function anyJobCanRun(jobs: readonly LivenessInput[]): boolean {
  const byName = new Map(jobs.map((job) => [job.config.name, job]));
  const live = (job: LivenessInput, seen: Set<string>): boolean => {
    if (job.potential === 'yes') return true;
    const when = job.config.when;
    if (job.potential === 'no' || when.kind !== 'event') return false;
    if (firesWhateverJobsDo(when.source, when.event)) return true;
    const source = byName.get(when.source);
    if (!source || seen.has(source.config.name)) return false;
    seen.add(source.config.name);
    return live(source, seen);
  };
  return jobs.some((job) => live(job, new Set([job.config.name])));
}

function firesWhateverJobsDo(source: string, event: Extract<When, { kind: 'event' }>['event']): boolean {
  if (source === GLOBAL_SOURCE) return event !== 'startup' && event !== 'shutdown';
  return source.startsWith('watch.') || (HOOKABLE_SIGNALS as readonly string[]).includes(source);
}
