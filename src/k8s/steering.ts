// Operators steer a pod through its Autopilot's spec, with kubectl and label selectors: maintenance
// on or off, a job restarted, stopped or started, the config reloaded. Each new generation of the
// spec is applied once, in the order seen, through the same supervisor operations the control API
// uses, and only where it differs from what the generation before asked — so `pilotfish
// maintenance off` on the pod holds until the spec changes again. Generations that arrive while
// one is being applied (a job's stop can take its whole stopTimeout) wait their turn: each may be
// the only one naming a job. Restarts and reloads are timestamps, like `kubectl rollout
// restart`'s annotation: acted on once when newer than the job's last start (or the last reload),
// so a relist or a pilotfish restart does not repeat them — unless they lie ahead of the clock,
// which is why a time further ahead than clocks plausibly differ is refused.
import type { JobSnapshot } from '../jobs/job.js';
import type { Logger } from '../logging/logger.js';
import type { ReloadResult, SupervisorSnapshot } from '../supervisor/supervisor.js';
import type { Verdict } from './assessment.js';
import type { KubeObject } from './informer.js';
import type { AutopilotSpec } from './resource.js';

/** The supervisor operations steering needs: those of the control API. */
export interface Steerable {
  readonly isShuttingDown: boolean;
  snapshot(): SupervisorSnapshot;
  job(name: string): { snapshot(): JobSnapshot; acceptsStart(): boolean } | undefined;
  setMaintenance(enabled: boolean): void;
  startJob(name: string): boolean;
  stopJob(name: string): Promise<boolean>;
  restartJob(name: string): Promise<boolean>;
  reload(): Promise<ReloadResult>;
}

export interface SteeredAutopilot extends KubeObject {
  spec?: AutopilotSpec;
}

/** What this pilotfish did on the spec's behalf, to tell what a new generation changes. */
interface Applied {
  maintenance: boolean;
  /** Jobs the spec stopped (and so the spec starts again). */
  stopped: Set<string>;
  /** The restartedAt acted on, by job. */
  restartedAt: Map<string, string>;
  reloadedAt: string | undefined;
}

interface Problem {
  reason: string;
  message: string;
}

/**
 * Generations waiting beyond this are skipped, all but the latest: a spec patched faster than it
 * can be applied is not worth applying step by step for ever.
 */
export const MAX_WAITING_GENERATIONS = 100;

/**
 * How far ahead of this pod's clock a restartedAt or reloadedAt may be (kubectl's machine and the
 * node disagree a little); a later one would be acted on again at every pilotfish start until then.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

export class Steering {
  /** The generation last applied, for `status.observedGeneration`. */
  observedGeneration = 0;
  /** The SpecApplied condition's verdict; undefined until a generation has been applied. */
  verdict: Verdict | undefined;
  /** The object and generation last taken in, to tell a new generation from one seen again (a relist). */
  private seen: { uid: string | undefined; generation: number } = { uid: undefined, generation: 0 };
  private readonly waiting: SteeredAutopilot[] = [];
  /** Generations dropped from `waiting` since one was last applied, for its SpecApplied condition to say. */
  private skipped: { from: number; to: number } | undefined;
  private applying = false;
  private readonly applied: Applied = { maintenance: false, stopped: new Set(), restartedAt: new Map(), reloadedAt: undefined };

  constructor(
    private readonly target: Steerable,
    private readonly log: Logger,
    /** A generation was applied: the status should say so. */
    private readonly onApplied: () => void,
  ) {}

  /** The Autopilot as last seen; a generation not seen before is applied after those waiting. */
  offer(object: SteeredAutopilot): void {
    const generation = object.metadata.generation ?? 0;
    // An object created again (deleted by hand) starts its generations over.
    if (object.metadata.uid === this.seen.uid && generation <= this.seen.generation) return;
    this.seen = { uid: object.metadata.uid, generation };
    this.waiting.push(object);
    if (this.waiting.length > MAX_WAITING_GENERATIONS) this.skipToLatest();
    if (!this.applying) void this.drain();
  }

  private skipToLatest(): void {
    const dropped = this.waiting.splice(0, this.waiting.length - 1);
    const [first, last] = [dropped[0]?.metadata.generation ?? 0, dropped.at(-1)?.metadata.generation ?? 0];
    this.skipped = { from: this.skipped?.from ?? first, to: last };
    this.log.warn(`the Autopilot's spec: more than ${MAX_WAITING_GENERATIONS} generations came while one was being applied: skipping to the latest, ${this.seen.generation}`);
  }

  /** What skipping generations lost, said once, by the next generation applied. */
  private takeSkipped(): Problem[] {
    const skipped = this.skipped;
    this.skipped = undefined;
    if (!skipped) return [];
    const message = `generations ${skipped.from} to ${skipped.to} were not applied (more than ${MAX_WAITING_GENERATIONS} came while one was being applied)`;
    return [{ reason: 'GenerationsSkipped', message }];
  }

  private async drain(): Promise<void> {
    this.applying = true;
    try {
      for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
        if (this.target.isShuttingDown) return;
        await this.apply(next);
      }
    } catch (error) {
      this.log.error(`applying the Autopilot's spec failed: ${(error as Error).stack ?? String(error)}`);
    } finally {
      this.applying = false;
    }
  }

  private async apply(object: SteeredAutopilot): Promise<void> {
    const spec = object.spec ?? { podName: object.metadata.name };
    const generation = object.metadata.generation ?? 0;
    const problems = this.takeSkipped();
    const reload = await this.reloadIfAsked(spec.reloadedAt);
    if (reload) problems.push(reload);
    const maintenance = spec.maintenance === true;
    if (maintenance !== this.applied.maintenance) {
      this.log.info(`the Autopilot's spec (generation ${generation}) turns maintenance ${maintenance ? 'on' : 'off'}`);
      this.applied.maintenance = maintenance;
      this.target.setMaintenance(maintenance);
    }
    problems.push(...(await this.steerJobs(spec.jobs ?? [], generation)));
    this.observedGeneration = generation;
    this.verdict =
      problems.length === 0
        ? { status: 'True', reason: 'Applied', message: `generation ${generation} applied` }
        : { status: 'False', reason: problems[0]!.reason, message: problems.map((problem) => problem.message).join('; ') };
    if (problems.length > 0) this.log.warn(`the Autopilot's spec (generation ${generation}) is not fully applied: ${this.verdict.message}`);
    this.onApplied();
  }

  private async reloadIfAsked(reloadedAt: string | undefined): Promise<Problem | undefined> {
    if (!reloadedAt) return undefined;
    if (isAheadOfClock(reloadedAt)) return aheadOfClock('reloadedAt', reloadedAt);
    const last = this.applied.reloadedAt;
    // Not newer than the reload last done, or older than pilotfish's start (the config it read is newer than the request).
    if (last !== undefined ? Date.parse(reloadedAt) <= Date.parse(last) : !isAfterSecondOf(reloadedAt, this.target.snapshot().startedAt)) return undefined;
    this.applied.reloadedAt = reloadedAt;
    this.log.info(`the Autopilot's spec asks for a reload (reloadedAt ${reloadedAt})`);
    const result = await this.target.reload();
    return result.ok ? undefined : { reason: 'ReloadFailed', message: `reload rejected, the running config stays in force: ${firstLine(result.error)}` };
  }

  private async steerJobs(requests: NonNullable<AutopilotSpec['jobs']>, generation: number): Promise<Problem[]> {
    const problems: Problem[] = [];
    const listed = new Set(requests.map((request) => request.name));
    // A job the spec stopped and no longer mentions runs again, as with `stopped: false`.
    for (const name of this.applied.stopped) if (!listed.has(name)) this.startAgain(name, generation);
    for (const request of requests) {
      const job = this.target.job(request.name);
      if (!job) {
        problems.push({ reason: 'UnknownJob', message: `no job named ${JSON.stringify(request.name)}` });
        continue;
      }
      if (request.stopped === true && !this.applied.stopped.has(request.name)) {
        this.applied.stopped.add(request.name);
        this.log.info(`the Autopilot's spec (generation ${generation}) stops job ${request.name}`);
        await this.target.stopJob(request.name);
      } else if (request.stopped !== true && this.applied.stopped.has(request.name)) {
        this.startAgain(request.name, generation);
      }
      if (request.stopped === true) continue;
      const refused = await this.restartIfAsked(request.name, request.restartedAt, job.snapshot().startedAt);
      if (refused) problems.push(refused);
    }
    return problems;
  }

  private async restartIfAsked(name: string, restartedAt: string | undefined, startedAt: string | undefined): Promise<Problem | undefined> {
    if (!restartedAt || restartedAt === this.applied.restartedAt.get(name)) return undefined;
    if (isAheadOfClock(restartedAt)) return aheadOfClock(`jobs[${name}].restartedAt`, restartedAt);
    this.applied.restartedAt.set(name, restartedAt);
    if (startedAt === undefined || !isAfterSecondOf(restartedAt, startedAt)) return undefined;
    this.log.info(`the Autopilot's spec restarts job ${name} (restartedAt ${restartedAt})`);
    await this.target.restartJob(name);
    return undefined;
  }

  private startAgain(name: string, generation: number): void {
    this.applied.stopped.delete(name);
    if (!this.target.job(name)?.acceptsStart()) return;
    this.log.info(`the Autopilot's spec (generation ${generation}) starts job ${name} again`);
    this.target.startJob(name);
  }
}

/**
 * `at` (an RFC 3339 time from the spec, usually to the second) is at or after the second of
 * `since`: a request written in the same second as a start may have come after it, and is acted on.
 */
function isAfterSecondOf(at: string, since: string): boolean {
  const requested = Date.parse(at);
  return !Number.isNaN(requested) && requested >= Math.floor(Date.parse(since) / 1000) * 1000;
}

function isAheadOfClock(at: string): boolean {
  return Date.parse(at) > Date.now() + CLOCK_SKEW_MS;
}

function aheadOfClock(field: string, at: string): Problem {
  return { reason: 'TimeInFuture', message: `${field} ${at} is more than ${CLOCK_SKEW_MS / 60_000} minutes ahead of this pod's clock: not acted on` };
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}
