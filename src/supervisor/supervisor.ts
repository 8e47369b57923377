// The composition root: turns a Config into jobs on one event bus, decides when everything is
// done, stops it all in order, reloads, and computes the exit code. Data flows one way:
// config → supervisor → jobs → bus; the supervisor learns what jobs do only from the bus.
import { mkdirSync } from 'node:fs';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_TIMER_DELAY } from '../config/duration.js';
import { environmentBytes, MAX_ARG_TOTAL, MAX_ENV_SET_BYTES } from '../config/exec-limits.js';
import type { Config, JobConfig } from '../config/types.js';
import type { ComponentStatuses } from '../contracts/components.js';
import { EventBus, type Subscription } from '../events/bus.js';
import { GLOBAL_SOURCE, type SupervisorEvent } from '../events/types.js';
import { isActiveState, Job, type JobSnapshot } from '../jobs/job.js';
import type { Logger } from '../logging/logger.js';
import { describeExit, exitCodeOfSignal, type ExitStatus } from '../process/exit-status.js';
import type { ProcessSpawner } from '../process/process-table.js';
import { describeStragglers, killStragglers, terminateStragglers, type Straggler } from '../process/stragglers.js';
import { TIMED_OUT, withDeadline } from '../util/deadline.js';
import { sameData } from '../util/records.js';
import { WatchBoard } from '../watches/board.js';
import { anyJobCanRun, isStopHook, jobCanRun, livenessIn, stopOrder, type LivenessInput } from './dependencies.js';
import { jobEnvironment, serviceAddresses, watchNameOf } from './environment.js';

export type ShutdownReason =
  | { kind: 'signal'; signal: NodeJS.Signals }
  /** `why` says in words which job ended how, and why that ends pilotfish. */
  | { kind: 'jobExit'; code: number; why: string }
  | { kind: 'finished' }
  | { kind: 'request' };

export type ReloadResult =
  | { ok: true; started: string[]; restarted: string[]; removed: string[] }
  | { ok: false; error: string };

export interface SupervisorOptions {
  config: Config;
  log: Logger;
  /** The environment jobs inherit. */
  env: NodeJS.ProcessEnv;
  /** What jobs and their exec checks spawn through: the process table the orphan reaper asks. */
  processes: ProcessSpawner;
  /**
   * Reads the config again for a reload, rendered from `env` (pilotfish's own environment with what
   * `env set` added); throws (e.g. ConfigError) when it is invalid.
   */
  loadConfig: (env: Readonly<Record<string, string | undefined>>) => Config;
  /** Applies a reloaded config's `logging` block. */
  onLoggingChange?: (config: Config) => void;
  /** Where NOTIFY_SOCKETs are created. */
  runtimeDir?: string;
  /** The processes left once every job has stopped (src/process/stragglers.ts): undefined if unknown, none when absent. */
  findStragglers?: () => readonly Straggler[] | undefined;
}

export interface ComponentLifecycle {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  /** A reload put `next` in force (after the jobs were updated); must not block, nor throw. */
  configChanged?(next: Config, previous: Config): void;
}

export type ComponentName = keyof ComponentStatuses;

/** A component with a part in the status snapshot: under its name, of that name's shape (see src/contracts/components.ts). */
export interface ReportingComponent<Name extends ComponentName> extends ComponentLifecycle {
  readonly name: Name;
  status(): NonNullable<ComponentStatuses[Name]>;
}

/** A component with no part in the status snapshot. */
export interface SilentComponent extends ComponentLifecycle {
  readonly name: string;
  status?: never;
}

/**
 * A part that lives beside the jobs (discovery, watches, control socket, telemetry, bridges).
 * It observes the bus and the snapshot, and never drives jobs except through the supervisor's
 * public methods. `start` must not wait on anything external (an unreachable Consul or API
 * server is retried in the background); `stop` runs after every job has stopped.
 */
export type SupervisorComponent = SilentComponent | { [Name in ComponentName]: ReportingComponent<Name> }[ComponentName];

export interface SupervisorSnapshot {
  pid: number;
  startedAt: string;
  configFile: string;
  configHash: string;
  shuttingDown: boolean;
  maintenance: boolean;
  jobs: JobSnapshot[];
  /** Each component's own status, by component name. */
  components: ComponentStatuses;
}

/**
 * The most the whole shutdown may take beyond the jobs' own stop timeouts: for the components
 * (Consul deregistration is bounded by 5 s) and for the SIGKILL grace of stuck processes.
 */
const SHUTDOWN_SLACK_MS = 10_000;
/** How long the components' bus subscribers get to see the last events before they are stopped. */
const FINAL_EVENTS_GRACE_MS = 1000;
/** How often the stragglers are looked for while they have their grace: a walk of /proc each time. */
const STRAGGLER_POLL_MS = 100;
/** SIGKILL passes over the stragglers: one that forks as fast as it can may leave a child per pass. */
const STRAGGLER_KILL_ROUNDS = 5;

/**
 * The deadline of a whole shutdown: each job's stop may take its preStop hooks' time and its own
 * stop, each bounded by its stopTimeout; the postStop hooks get the top-level stopTimeout, and so
 * do the processes left after the jobs (stopStragglers).
 */
export function shutdownDeadline(config: Config): number {
  const jobs = config.jobs.reduce((total, job) => total + 2 * job.stopTimeout, 0);
  // Past Node's timer limit a timeout fires at once; a deadline that far out is no deadline anyway.
  return Math.min(jobs + 2 * config.stopTimeout + SHUTDOWN_SLACK_MS, MAX_TIMER_DELAY);
}

interface Waiter {
  predicate: () => boolean;
  resolve: (met: boolean) => void;
}

export class Supervisor {
  readonly bus: EventBus;
  /** The running watches' endpoints, kept by the components that run them. */
  readonly watches = new WatchBoard();
  /** Resolves with the exit code once everything has stopped. */
  readonly done: Promise<number>;
  private config: Config;
  private readonly jobs = new Map<string, { job: Job; subscription: Subscription }>();
  private readonly components: SupervisorComponent[] = [];
  /** Components whose start() was called: only these are stopped. */
  private readonly startedComponents: SupervisorComponent[] = [];
  private readonly ownSubscription: Subscription;
  /** Where NOTIFY_SOCKETs live: decided once, created when the first one is needed. */
  private readonly runtimeDir: string;
  private runtimeDirCreated = false;
  /** Reloads run one after the other, never interleaved. */
  private reloadQueue: Promise<unknown> = Promise.resolve();
  /** The queued reload that has not started yet, which later requests join. */
  private waitingReload: Promise<ReloadResult> | undefined;
  private maintenance = false;
  private readonly waiters = new Set<Waiter>();
  private readonly envOverlay: Record<string, string> = {};
  private readonly startedAt = new Date();
  private readonly log: Logger;
  private resolveDone!: (code: number) => void;
  private shutdownPromise: Promise<void> | undefined;
  /** After a second stop signal nothing starts any more, stop hooks included. */
  private killing = false;
  private firstFailure: { job: string; code: number } | undefined;
  private livenessCheckScheduled = false;
  private stoppingHooks: Map<string, Job[]> | undefined;
  private reloading = false;
  private started = false;
  /** The addresses services advertise, resolved once per config rather than at every spawn. */
  private advertisedAddresses: Map<string, string> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.config = options.config;
    this.log = options.log;
    this.bus = new EventBus((subscriber, error) => this.log.error(`event handler failed: ${(error as Error).message}`, { subscriber }));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.ownSubscription = this.bus.subscribe('supervisor', (event) => this.observe(event), { kinds: ['transition'] });
    this.runtimeDir = options.runtimeDir ?? options.env.PILOTFISH_RUNTIME_DIR ?? join(tmpdir(), `pilotfish-${process.pid}`);
  }

  /** Adds a component; it is started with the supervisor and stopped after the jobs. */
  attach(component: SupervisorComponent): void {
    this.components.push(component);
  }

  /** Starts the components, creates the jobs and publishes `startup`; does nothing once shutting down. */
  async start(): Promise<void> {
    if (this.started || this.isShuttingDown) return;
    this.started = true;
    // What the components publish while they start (a watch's first answer) waits for the jobs
    // and comes after `startup`: nothing a job hears comes before it.
    this.bus.hold();
    let startup: SupervisorEvent | undefined;
    try {
      for (const component of this.components) {
        this.startedComponents.push(component);
        await component.start();
        // A stop signal may come while a component starts: then no job may start at all.
        if (this.isShuttingDown) return;
      }
      this.addJobs();
      startup = { kind: 'startup', source: GLOBAL_SOURCE };
    } finally {
      this.bus.release(startup);
    }
    this.scheduleLivenessCheck();
  }

  /** The config's jobs, subscribed to the bus; `startup` then starts them. */
  private addJobs(): void {
    // Jobs without a process and unref'd check timers hold no handle of their own: the
    // supervisor itself keeps the process alive until it is done.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    void this.done.then(() => clearInterval(keepAlive));
    this.logWarnings(this.config);
    for (const config of this.config.jobs) this.addJob(config);
    this.log.info(`pilotfish started with ${this.config.jobs.length} job(s) from ${this.config.file}`);
  }

  get currentConfig(): Config {
    return this.config;
  }

  get isShuttingDown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  job(name: string): Job | undefined {
    return this.jobs.get(name)?.job;
  }

  snapshot(): SupervisorSnapshot {
    return {
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      configFile: this.config.file,
      configHash: this.config.hash,
      shuttingDown: this.isShuttingDown,
      maintenance: this.maintenance,
      jobs: this.jobSnapshots(),
      components: this.componentStatuses(),
    };
  }

  /** The jobs' snapshots, with what a job waits for as the supervisor knows it: an event that can no longer come says so, and during a shutdown only stop hooks wait. */
  private jobSnapshots(): JobSnapshot[] {
    const jobs = [...this.jobs.values()].map(({ job }) => ({ job, input: livenessInput(job) }));
    const canRun = livenessIn(jobs.map(({ input }) => input));
    return jobs.map(({ job, input }) => {
      const { waitingFor, waitingUntil, ...snapshot } = job.snapshot();
      if (waitingFor === undefined || (this.isShuttingDown && !isStopHook(job.config))) return snapshot;
      if (input.potential === 'ifSourceLive' && !canRun(input)) return { ...snapshot, waitingFor: `${waitingFor}, which can no longer come` };
      return { ...snapshot, waitingFor, ...(waitingUntil === undefined ? {} : { waitingUntil }) };
    });
  }

  private componentStatuses(): ComponentStatuses {
    const statuses: ComponentStatuses = {};
    for (const component of this.components) if (component.status) reportInto(statuses, component);
    return statuses;
  }

  get inMaintenance(): boolean {
    return this.maintenance;
  }

  /**
   * Maintenance mode: jobs keep running; `enterMaintenance`/`exitMaintenance` from `global` tell
   * discovery to take services out of rotation and hooks to react. Idempotent, as in ContainerPilot.
   */
  setMaintenance(enabled: boolean): void {
    if (this.maintenance === enabled) return;
    this.maintenance = enabled;
    this.log.info(enabled ? 'entering maintenance mode' : 'leaving maintenance mode');
    this.bus.publish({ kind: enabled ? 'enterMaintenance' : 'exitMaintenance', source: GLOBAL_SOURCE });
  }

  /** Starts a job now, whatever its `when` (control plane); during backoff, at once. False for an unknown job, and while shutting down. */
  startJob(name: string): boolean {
    const job = this.job(name);
    if (!job || this.isShuttingDown) return false;
    job.startNow();
    return true;
  }

  /**
   * Stops a job gracefully (control plane); it stays stopped until started again, and until then
   * it keeps the supervisor running even when no other job can run (as Pebble does).
   */
  async stopJob(name: string): Promise<boolean> {
    const job = this.job(name);
    await job?.stopByOperator();
    return job !== undefined;
  }

  /** A graceful stop then a fresh start (during backoff: a start at once); not a failure, so no exit event. */
  async restartJob(name: string): Promise<boolean> {
    const job = this.job(name);
    if (!job) return false;
    await job.restart();
    return true;
  }

  /** Sends a signal to a job's process group. False for an unknown job or one with no process. */
  signalJob(name: string, signal: NodeJS.Signals): boolean {
    return this.job(name)?.sendSignal(signal) ?? false;
  }

  /**
   * Sets variables for jobs started from now on and for the config's next rendering (ContainerPilot's
   * putenv); refused, with why, when the variables set would pass MAX_ENV_SET_BYTES.
   */
  setEnv(variables: Readonly<Record<string, string>>): string | undefined {
    const bytes = environmentBytes({ ...this.envOverlay, ...variables });
    if (bytes > MAX_ENV_SET_BYTES) {
      return `the variables set would take ${bytes} bytes, over the limit of ${MAX_ENV_SET_BYTES} for all of them: every job's environment must stay within the kernel's ${MAX_ARG_TOTAL} for arguments and environment`;
    }
    Object.assign(this.envOverlay, variables);
    return undefined;
  }

  /** Republishes a hookable signal as an event; SIGHUP reloads when no job hooks it. */
  onHookableSignal(signal: 'SIGHUP' | 'SIGUSR2'): void {
    const hooked = this.config.jobs.some((job) => job.when.kind === 'event' && job.when.source === signal);
    if (hooked) this.bus.publish({ kind: 'signal', source: signal });
    else if (signal === 'SIGHUP') void this.reload();
    else this.log.debug(`${signal} received; no job hooks it`);
  }

  /**
   * Stops every job in reverse dependency order, lets stop hooks run, and resolves `done`; at the
   * latest after shutdownDeadline(), when whatever is left is SIGKILLed.
   */
  shutdown(reason: ShutdownReason): Promise<void> {
    this.shutdownPromise ??= this.shutdownWithinDeadline(reason);
    return this.shutdownPromise;
  }

  /** Second SIGTERM/SIGINT: no more waiting, and nothing starts any more, postStop hooks included. */
  killAll(): void {
    this.log.warn('killing every job now');
    this.killing = true;
    for (const { job } of this.jobs.values()) job.kill();
  }

  /**
   * The supervisor's veto on new runs. Once shutdown begins only stop hooks (on `stopping`,
   * `stopped`, global `shutdown`) start, as ContainerPilot halts every other job, and nothing
   * restarts; after killAll nothing starts at all.
   */
  private mayStart(job: Job, why: 'trigger' | 'restart'): boolean {
    if (!this.isShuttingDown) return true;
    return why === 'trigger' && !this.killing && isStopHook(job.config);
  }

  /**
   * Re-reads the config. An invalid one is rejected and the running config stays; a valid one
   * restarts only the jobs whose definition changed, stops removed ones and starts new ones.
   * Reloads are queued: each one starts from the config the previous one left. Requests that
   * come while one is waiting to start join it (a storm of SIGHUPs queued thousands of reloads
   * back to back, and an unchanged config reloads without yielding to the event loop).
   */
  reload(): Promise<ReloadResult> {
    if (this.waitingReload) return this.waitingReload;
    // It starts a turn of the event loop later, not in a microtask: Node runs the microtasks
    // after each signal's handler, before the next signal of the same burst, so a reload started
    // there ran (and, the config being large, blocked the loop) between two SIGHUPs, and each
    // of a storm's SIGHUPs got one of its own while the sockets waited.
    const result = this.reloadQueue.then(nextTurn).then(() => {
      this.waitingReload = undefined;
      return this.reloadNow();
    });
    this.waitingReload = result;
    this.reloadQueue = result.catch(() => undefined);
    return result;
  }

  private async reloadNow(): Promise<ReloadResult> {
    if (this.isShuttingDown) return { ok: false, error: 'shutting down' };
    let next: Config;
    try {
      // As ContainerPilot's putenv changed its own environment, a reload renders with what `env set` set.
      next = this.options.loadConfig({ ...this.options.env, ...this.envOverlay });
    } catch (error) {
      const message = (error as Error).message;
      this.log.error(`reload rejected, the running config stays in force:\n${message}`);
      return { ok: false, error: message };
    }
    this.logWarnings(next);
    this.reloading = true;
    try {
      return await this.applyConfig(next);
    } catch (error) {
      const message = (error as Error).message;
      this.log.error(`reload failed: ${message}`);
      return { ok: false, error: message };
    } finally {
      this.reloading = false;
      this.scheduleLivenessCheck();
    }
  }

  private async applyConfig(next: Config): Promise<ReloadResult> {
    const previous = new Map(this.config.jobs.map((job) => [job.name, job]));
    const removed = this.config.jobs.filter((job) => !next.jobs.some((candidate) => candidate.name === job.name)).map((job) => job.name);
    const changed = next.jobs.filter((job) => previous.has(job.name) && !sameDefinition(previous.get(job.name) as JobConfig, job));
    const added = next.jobs.filter((job) => !previous.has(job.name));
    const previousConfig = this.config;
    this.config = next;
    this.advertisedAddresses = undefined;
    this.options.onLoggingChange?.(next);

    const wasTriggered = new Set(changed.filter((job) => this.jobs.get(job.name)?.job.runPotential() !== 'ifSourceLive').map((job) => job.name));
    await Promise.all([...removed, ...changed.map((job) => job.name)].map((name) => this.removeJob(name)));
    // A shutdown that began while the old jobs stopped owns what is left: nothing new starts.
    if (this.isShuttingDown) return { ok: false, error: 'shutting down' };
    for (const config of changed) {
      const job = this.addJob(config);
      // Its trigger already happened under the old definition: it would wait forever otherwise.
      if (wasTriggered.has(config.name) && config.when.kind === 'event') job.startNow();
      else job.handle({ kind: 'startup', source: GLOBAL_SOURCE });
    }
    for (const config of added) this.addJob(config).handle({ kind: 'startup', source: GLOBAL_SOURCE });
    for (const component of this.components) component.configChanged?.(next, previousConfig);
    const result = { ok: true as const, started: added.map((job) => job.name), restarted: changed.map((job) => job.name), removed };
    this.log.info(`config reloaded: ${describeReload(result)}`);
    return result;
  }

  private logWarnings(config: Config): void {
    for (const warning of config.warnings) this.log.warn(warning);
  }

  private addJob(config: JobConfig): Job {
    // Jobs are added only by start() and reloads, which check first; a job added now would outlive us.
    if (this.isShuttingDown) throw new Error(`cannot add job ${config.name}: shutting down`);
    const job = new Job(config, {
      bus: this.bus,
      log: this.log,
      environment: (target) => this.environmentFor(target),
      notifySocketPath: (target) => this.notifySocketPath(target.name, { create: true }),
      templateValues: () => this.config.templateValues,
      awaitStoppingHooks: (target, timeoutMs) => this.awaitStoppingHooks(target, timeoutMs),
      jobsSettled: () => this.jobsSettled(),
      // As a transition to rest would: waiters and the liveness check look at isFinishing too.
      finished: () => {
        this.checkWaiters();
        this.scheduleLivenessCheck();
      },
      mayStart: (target, why) => this.mayStart(target, why),
      processes: this.options.processes,
    });
    const sources = config.when.kind === 'event' ? [GLOBAL_SOURCE, config.when.source] : [GLOBAL_SOURCE];
    const subscription = this.bus.subscribe(config.name, (event) => job.handle(event), { sources });
    this.jobs.set(config.name, { job, subscription });
    this.stoppingHooks = undefined;
    return job;
  }

  private async removeJob(name: string): Promise<void> {
    const entry = this.jobs.get(name);
    if (!entry) return;
    await entry.job.stop('reload');
    entry.subscription.unsubscribe();
    if (this.jobs.get(name) === entry) this.jobs.delete(name);
    this.stoppingHooks = undefined;
  }

  private environmentFor(job: Job): NodeJS.ProcessEnv {
    const runningPids = new Map<string, number>();
    // Under the name as written: of jobs sharing one, the last added with a process is named (ContainerPilot named the last started).
    for (const { job: other } of this.jobs.values()) if (other.pid !== undefined) runningPids.set(other.config.writtenName, other.pid);
    const watch = watchNameOf(job.config.when);
    return jobEnvironment({
      base: this.options.env,
      overlay: this.envOverlay,
      supervisorPid: process.pid,
      runningPids,
      serviceAddresses: (this.advertisedAddresses ??= serviceAddresses(this.config, networkInterfaces())),
      jobEnv: job.config.env,
      notifySocket: job.config.notify ? this.notifySocketPath(job.name, { create: false }) : undefined,
      watch: watch === undefined ? undefined : { name: watch, endpoints: this.watches.endpoints(watch) ?? [] },
    });
  }

  /** Throws when the runtime directory cannot be created: the job's launch reports it as a failed start. */
  private notifySocketPath(jobName: string, options: { create: boolean }): string {
    if (options.create && !this.runtimeDirCreated) {
      mkdirSync(this.runtimeDir, { recursive: true, mode: 0o700 });
      this.runtimeDirCreated = true;
    }
    return join(this.runtimeDir, `${jobName}.notify`);
  }

  /** Resolves once the jobs and the supervisor itself have handled every event so far; components are not waited for. */
  private jobsSettled(): Promise<void> {
    return this.bus.idle([this.ownSubscription, ...[...this.jobs.values()].map(({ subscription }) => subscription)]);
  }

  private observe(event: SupervisorEvent): void {
    if (event.kind !== 'transition') return;
    // Every waiter waits for jobs to go quiet: only a job coming to rest can satisfy one.
    if (!isActiveState(event.to)) this.checkWaiters();
    if (event.to === 'failed' || event.to === 'exited') this.onJobEnded(event.source, event.to);
    this.scheduleLivenessCheck();
  }

  private checkWaiters(): void {
    for (const waiter of this.waiters) {
      if (waiter.predicate()) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  private onJobEnded(name: string, state: 'failed' | 'exited'): void {
    const job = this.job(name);
    if (!job) return;
    const code = job.lastExit?.code ?? 0;
    // A failing stop hook (a postStop cleanup, say) says nothing about how the app went, unless its onExit says it matters.
    const counts = !isStopHook(job.config) || job.config.onExit !== 'ignore';
    if (state === 'failed' && counts) this.firstFailure ??= { job: name, code };
    const policy = job.config.onExit;
    if (policy === 'shutdown' || (policy === 'shutdownOnFailure' && state === 'failed')) {
      const ended = jobEnded(name, job.lastExit);
      const why = name === this.config.main ? `the main job ${ended}` : `${ended} and its onExit is ${policy}`;
      void this.shutdown({ kind: 'jobExit', code, why });
    }
  }

  /** After the bus settles, exit if no job is running or can run again. */
  private scheduleLivenessCheck(): void {
    if (this.livenessCheckScheduled || !this.started) return;
    this.livenessCheckScheduled = true;
    setImmediate(() => {
      void this.jobsSettled().then(() => {
        this.livenessCheckScheduled = false;
        if (this.isShuttingDown || this.reloading) return;
        const jobs = [...this.jobs.values()].map(({ job }) => livenessInput(job));
        const why = this.whyMainCannotStart(jobs);
        // As a main job that failed would (never with code 0): periodic jobs and watches do not keep a
        // container alive whose app can never start. Asked first: with nothing else left to run, the
        // container whose app never ran would otherwise exit 0 as if every job had done its work.
        if (why) {
          void this.shutdown({ kind: 'jobExit', code: this.firstFailure?.code || 1, why });
          return;
        }
        if (!anyJobCanRun(jobs)) {
          this.log.info('no job is running or can run again');
          void this.shutdown({ kind: 'finished' });
        }
      });
    });
  }

  /** Why the main job, waiting for another job's event that can no longer come, will never start; undefined if it may. */
  private whyMainCannotStart(jobs: readonly LivenessInput[]): string | undefined {
    const main = jobs.find((job) => job.config.name === this.config.main);
    if (!main || main.config.onExit === 'ignore' || main.potential !== 'ifSourceLive' || jobCanRun(jobs, main)) return undefined;
    const when = main.config.when;
    const awaited = when.kind === 'event' ? ` for ${when.event} from ${when.source}` : '';
    return `the main job ${main.config.name} can never start: it waits${awaited}, which can no longer come`;
  }

  private async shutdownWithinDeadline(reason: ShutdownReason): Promise<void> {
    const deadlineMs = shutdownDeadline(this.config);
    const stopped = this.stopEverything(reason).catch((error: unknown) => {
      this.log.error(`shutdown failed: ${(error as Error).message}`);
      return 'failed' as const;
    });
    const outcome = await withDeadline(stopped, deadlineMs);
    if (outcome === TIMED_OUT) this.log.error(`shutdown did not finish within ${deadlineMs} ms: killing whatever is left and exiting`);
    // Whatever went wrong, pilotfish exits, and nothing it started may outlive it.
    if (outcome !== 'done') {
      this.killAll();
      await this.killLeftStragglers();
    }
    const { code, why } = this.exitCode(reason);
    const line = `stopped; exiting with code ${code}: ${why}`;
    // A failure's exit code is news even to a log that shows only warnings.
    if (code !== 0 && reason.kind !== 'signal') this.log.warn(line);
    else this.log.info(line);
    this.resolveDone(code);
  }

  private async stopEverything(reason: ShutdownReason): Promise<'done'> {
    if (reason.kind !== 'finished') this.log.info(`shutting down (${describeReason(reason)})`);
    this.bus.publish({ kind: 'shutdown', source: GLOBAL_SOURCE });
    await this.jobsSettled();
    for (const layer of stopOrder(this.config.jobs)) {
      await Promise.all(layer.map((name) => this.job(name)?.stop()));
    }
    // Stop hooks (preStop/postStop, shutdown hooks) have had their trigger; let them finish.
    const hooksDone = await this.waitUntil(() => this.allJobsIdle(), this.config.stopTimeout);
    if (!hooksDone) this.log.warn(`stop hooks still running after ${this.config.stopTimeout} ms: stopping them`);
    await Promise.all([...this.jobs.values()].map(({ job }) => job.stop()));
    await this.stopStragglers();
    // Bridges may report the last transitions, but a stuck one must not hold up the exit.
    await withDeadline(this.bus.idle(), FINAL_EVENTS_GRACE_MS, { unref: true });
    for (const component of [...this.startedComponents].reverse()) {
      try {
        await component.stop();
      } catch (error) {
        this.log.error(`${component.name} did not stop cleanly: ${(error as Error).message}`);
      }
    }
    return 'done';
  }

  /**
   * Processes that outlived their jobs (daemons that left the job's process group) get SIGTERM
   * (and SIGCONT: a stopped one would never see it) and the top-level stopTimeout to exit, then
   * SIGKILL; a second stop signal cuts the wait short.
   */
  private async stopStragglers(): Promise<void> {
    const stragglers = this.findStragglers();
    if (stragglers === undefined) this.log.warn('cannot look for processes that outlived their jobs: /proc cannot be read now');
    if (!stragglers?.length) return;
    const graceMs = this.config.stopTimeout;
    this.log.warn(`${stragglers.length} process(es) outlived their jobs: ${describeStragglers(stragglers)}; SIGTERM, then SIGKILL after ${graceMs} ms`);
    terminateStragglers(stragglers);
    // Their exits are no job's transitions: they are looked for again until none is left, less
    // often when there are many (a scan then takes long), so that the loop still answers.
    let pollMs = STRAGGLER_POLL_MS;
    for (const until = performance.now() + graceMs; !this.killing && performance.now() < until; ) {
      await sleep(pollMs);
      const scanStart = performance.now();
      const left = this.findStragglers();
      pollMs = Math.max(STRAGGLER_POLL_MS, 4 * (performance.now() - scanStart));
      if (left?.length === 0) return;
    }
    await this.killLeftStragglers();
  }

  /** SIGKILL to the processes left (and their groups), again while any is found, a few rounds at most. */
  private async killLeftStragglers(): Promise<void> {
    for (let round = 0; round < STRAGGLER_KILL_ROUNDS; round++) {
      const left = this.findStragglers() ?? [];
      if (left.length === 0) return;
      if (round === 0) this.log.warn(`SIGKILL to ${left.length} process(es) still there: ${describeStragglers(left)}`);
      killStragglers(left);
      await sleep(STRAGGLER_POLL_MS / 10);
    }
  }

  private findStragglers(): readonly Straggler[] | undefined {
    return this.options.findStragglers ? this.options.findStragglers() : [];
  }

  private allJobsIdle(): boolean {
    return [...this.jobs.values()].every(({ job }) => !job.isActive() && !job.isFinishing());
  }

  /** The jobs hooked on each job's `stopping` event, by that job's name as written; built when first needed after the jobs change. */
  private stoppingHooksOf(name: string): readonly Job[] {
    if (!this.stoppingHooks) {
      this.stoppingHooks = new Map();
      for (const { job } of this.jobs.values()) {
        const when = job.config.when;
        if (when.kind !== 'event' || when.event !== 'stopping') continue;
        this.stoppingHooks.set(when.source, [...(this.stoppingHooks.get(when.source) ?? []), job]);
      }
    }
    return this.stoppingHooks.get(name) ?? [];
  }

  private async awaitStoppingHooks(target: Job, timeoutMs: number): Promise<void> {
    const name = target.config.writtenName;
    if (this.stoppingHooksOf(name).length === 0) return;
    await this.jobsSettled();
    // Looked up again at each check: a reload may replace a hook meanwhile.
    const finished = await this.waitUntil(() => this.stoppingHooksOf(name).every((hook) => !hook.isActive()), timeoutMs);
    if (!finished) this.log.warn(`hooks on ${target.name}'s stopping event still running after ${timeoutMs} ms: stopping it anyway`);
  }

  private waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        predicate,
        resolve: (met) => {
          clearTimeout(timer);
          resolve(met);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * The main job's code when `main` names one that ran; else the code of the job whose onExit
   * shut us down; else 128+signal for a signal; else the first job that failed for good; else 0.
   */
  private exitCode(reason: ShutdownReason): { code: number; why: string } {
    const main = this.config.main ? this.job(this.config.main) : undefined;
    if (main?.lastExit) return { code: main.lastExit.code, why: `the main job ${jobEnded(main.name, main.lastExit)}` };
    if (reason.kind === 'jobExit') return { code: reason.code, why: reason.why };
    if (reason.kind === 'signal') return { code: exitCodeOfSignal(reason.signal), why: `${reason.signal} received` };
    if (this.firstFailure) return { code: this.firstFailure.code, why: `${this.firstFailure.job} failed with code ${this.firstFailure.code}` };
    return { code: 0, why: reason.kind === 'request' ? 'shutdown requested' : 'every job has ended' };
  }
}

function reportInto<Name extends ComponentName>(statuses: ComponentStatuses, component: ReportingComponent<Name>): void {
  statuses[component.name] = component.status();
}

/** Whether a reload leaves a job as it was: a change of key order alone (in `env`…) is no change. */
function sameDefinition(a: JobConfig, b: JobConfig): boolean {
  return sameData(a, b);
}

/** A job's end as a sentence: `app exited with code 4`, `app was killed by SIGKILL`. */
function jobEnded(name: string, exit: ExitStatus | undefined): string {
  if (!exit) return `${name} ended`;
  return `${name} ${exit.signal && !exit.spawnError ? 'was ' : ''}${describeExit(exit)}`;
}

function describeReason(reason: ShutdownReason): string {
  switch (reason.kind) {
    case 'signal':
      return reason.signal;
    case 'jobExit':
      return reason.why;
    case 'finished':
      return 'nothing left to run';
    case 'request':
      return 'requested';
  }
}

function describeReload(result: { started: string[]; restarted: string[]; removed: string[] }): string {
  const parts = [
    result.started.length > 0 ? `started ${result.started.join(', ')}` : '',
    result.restarted.length > 0 ? `restarted ${result.restarted.join(', ')}` : '',
    result.removed.length > 0 ? `removed ${result.removed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'no job changed';
}

function livenessInput(job: Job): LivenessInput {
  return { config: job.config, potential: job.runPotential(), stopping: job.isStopping() };
}
