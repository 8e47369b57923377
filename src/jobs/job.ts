// One job: an explicit state machine driven by bus events and its own timers.
//
//   idle ──trigger──▶ starting ──spawned──▶ running ──exit──▶ backoff ──delay──▶ starting …
//                                              │                 (restarts left)
//                                              ├──exit, none left──▶ exited (code 0) | failed
//                                              ├──exit, `each`/periodic──▶ idle (waits for the next trigger)
//                                              └──stop()──▶ stopping ──exit──▶ stopped
//   starting ──could not start (spawn or NOTIFY_SOCKET failed)──▶ as an exit with code 127
//
// ContainerPilot kept this state in counters and sentinel events, the source of a long tail of
// edge-case bugs (its #417, #420, #456); here every change goes through `transition`, which
// publishes it. Health (unknown/healthy/unhealthy) is a separate dimension, owned by the monitor.
import type { JobConfig } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { JobState, SupervisorEvent } from '../events/types.js';
import { GLOBAL_SOURCE } from '../events/types.js';
import type { Logger } from '../logging/logger.js';
import { HealthMonitor, type Health } from '../health/monitor.js';
import { errorMessage } from '../health/probe-result.js';
import type { ProbeResult } from '../health/probes.js';
import { openNotifySocket, type NotifySocket } from '../health/notify.js';
import { RestartBackoff } from './backoff.js';
import { OutputLog } from './output-log.js';
import { spawnProcess, type ExitStatus, type RunningProcess, type SpawnOptions } from './process.js';

/** What a job needs from the supervisor that owns it. */
export interface JobContext {
  bus: EventBus;
  log: Logger;
  /** The environment for a new process of this job. */
  environment(job: Job): NodeJS.ProcessEnv;
  /** Where this job's NOTIFY_SOCKET lives. */
  notifySocketPath(job: Job): string;
  /** Resolves when the jobs hooked on this job's `stopping` event have finished (bounded by `timeoutMs`). */
  awaitStoppingHooks(job: Job, timeoutMs: number): Promise<void>;
  /** Starts a run's process: spawnProcess, unless a test needs a process that misbehaves as no real one can. */
  spawn?: (options: SpawnOptions) => RunningProcess;
}

export interface ExitRecord extends ExitStatus {
  at: Date;
}

export interface JobSnapshot {
  name: string;
  state: JobState;
  health: Health;
  pid?: number;
  restarts: number;
  startedAt?: string;
  lastExit?: { code: number; signal?: string; at: string; error?: string };
  lastCheck?: { ok: boolean; output: string; durationMs: number };
  /** The last `STATUS=` an app sent through NOTIFY_SOCKET. */
  statusText?: string;
}

/** Whether a job may still start a process: decides when the supervisor has nothing left to do. */
export type RunPotential = 'yes' | 'no' | 'ifSourceLive';

type TimerName = 'backoff' | 'interval' | 'whenTimeout' | 'runTimeout';

/**
 * How long a stop waits for a process group after SIGKILL. A process in uninterruptible sleep
 * (a hung NFS mount, a stuck device) outlives even SIGKILL; the stop must not wait for it forever.
 */
export const KILL_GRACE_MS = 2000;

const ACTIVE_STATES: ReadonlySet<JobState> = new Set(['starting', 'running', 'stopping', 'backoff']);
const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['stopped', 'exited', 'failed']);

export class Job {
  private currentState: JobState = 'idle';
  /** The current run's process, while it runs. */
  private process: RunningProcess | undefined;
  /** The latest run, kept after it exits: processes it forked may be left in its group. */
  private lastRun: RunningProcess | undefined;
  /** Bumped by every launch and stop: a launch that awaited something checks it is still current. */
  private runGeneration = 0;
  private runStartedAt = 0;
  private startedAtDate: Date | undefined;
  private restartsLeft: number;
  /** Runs left for a periodic job (ContainerPilot: `restarts` counts the extra runs). */
  private periodicRunsLeft: number;
  private triggered = false;
  /** An `each` trigger that arrived while a run was in progress: run once more afterwards. */
  private pendingTrigger = false;
  private restartRequested = false;
  /** Became healthy during the current run: only then may failing checks restart it. */
  private healthyThisRun = false;
  private stopPromise: Promise<void> | undefined;
  /** Stopped through the control plane: it may be started again, so it keeps the supervisor up. */
  private heldByOperator = false;
  private readonly backoff: RestartBackoff;
  private readonly monitor: HealthMonitor;
  private notify: NotifySocket | undefined;
  private statusText: string | undefined;
  private restartCount = 0;
  private lastExitRecord: ExitRecord | undefined;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly log: Logger;
  /** Recent output lines (not kept for `logging.raw` jobs, whose output bypasses pilotfish). */
  readonly output = new OutputLog();

  constructor(
    readonly config: JobConfig,
    private readonly context: JobContext,
  ) {
    this.log = context.log.child({ job: config.name });
    this.restartsLeft = config.restarts;
    this.periodicRunsLeft = config.restarts + 1;
    this.backoff = new RestartBackoff(config.backoff);
    this.monitor = new HealthMonitor(config.health, {
      probeEnv: () => context.environment(this),
      cwd: config.cwd,
      onTransition: (health, detail) => this.publishHealth(health, detail.output),
      onResult: (result) => this.publishCheckResult(result),
    });
  }

  get name(): string {
    return this.config.name;
  }

  get state(): JobState {
    return this.currentState;
  }

  get health(): Health {
    return this.monitor.health;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get lastExit(): ExitRecord | undefined {
    return this.lastExitRecord;
  }

  isActive(): boolean {
    return ACTIVE_STATES.has(this.currentState);
  }

  isTerminal(): boolean {
    return TERMINAL_STATES.has(this.currentState);
  }

  runPotential(): RunPotential {
    if (this.heldByOperator) return 'yes';
    if (this.isTerminal() || this.stopPromise) return 'no';
    if (this.isActive()) return 'yes';
    const when = this.config.when;
    if (when.kind !== 'event') return 'yes';
    if (when.repeat === 'once' && this.triggered) return 'no';
    return 'ifSourceLive';
  }

  snapshot(): JobSnapshot {
    const exit = this.lastExitRecord;
    const check = this.monitor.lastResult;
    return {
      name: this.name,
      state: this.currentState,
      health: this.health,
      pid: this.pid,
      restarts: this.restartCount,
      startedAt: this.startedAtDate?.toISOString(),
      lastExit: exit && { code: exit.code, signal: exit.signal, at: exit.at.toISOString(), error: exit.spawnError },
      lastCheck: check && { ok: check.ok, output: check.output, durationMs: check.durationMs },
      statusText: this.statusText,
    };
  }

  /** The job's bus subscription: starts it when its `when` says so. */
  handle(event: SupervisorEvent): void {
    if (this.stopPromise) return;
    const when = this.config.when;
    if (event.kind === 'startup' && event.source === GLOBAL_SOURCE) this.onStartup();
    // Not exclusive of the above: `{source: "global", once: "startup"}` is a spelling of the default.
    if (when.kind === 'event' && event.source === when.source && event.kind === when.event) this.trigger();
  }

  /** Starts the job now, whatever its `when` (control plane, and reloads of changed startup jobs). */
  startNow(): void {
    if (this.isActive()) return;
    this.heldByOperator = false;
    this.stopPromise = undefined;
    this.restartRequested = false;
    this.restartsLeft = this.config.restarts;
    this.backoff.reset();
    if (this.config.when.kind === 'interval') {
      this.periodicRunsLeft = this.config.restarts + 1;
      this.onStartup();
    } else {
      void this.launch();
    }
  }

  /**
   * Graceful stop: publishes `stopping`, lets the jobs hooked on it run, sends `stopSignal` to the
   * process group, SIGKILLs it after `stopTimeout`, then publishes `stopped`. Idempotent.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.stopGracefully();
    return this.stopPromise;
  }

  /**
   * An operator's stop (control plane): as stop(), but the job counts as able to run again until
   * it is started, so stopping the last job does not end the supervisor (Pebble's behaviour).
   */
  stopByOperator(): Promise<void> {
    this.heldByOperator = true;
    return this.stop();
  }

  /** Immediate SIGKILL of the process group, or of what is left in it (a second SIGTERM to the supervisor). */
  kill(): void {
    this.lastRun?.signalGroup('SIGKILL');
  }

  /** Sends a signal to the job's process group; false when it has no process. */
  sendSignal(signal: NodeJS.Signals): boolean {
    if (!this.process || this.process.hasExited()) return false;
    this.process.signalGroup(signal);
    return true;
  }

  private onStartup(): void {
    const when = this.config.when;
    if (when.kind !== 'interval' && when.timeout !== undefined) this.armWhenTimeout(when.timeout);
    if (when.kind === 'startup') this.trigger();
    if (when.kind === 'interval') {
      this.runPeriodic();
      this.setTimer('interval', setInterval(() => this.runPeriodic(), when.interval));
    }
  }

  private trigger(): void {
    const when = this.config.when;
    if (when.kind === 'event' && when.repeat === 'once' && this.triggered) return;
    this.triggered = true;
    this.clearTimer('whenTimeout');
    if (this.isActive()) {
      // ContainerPilot queued overlapping triggers behind a mutex and could hang; coalesce instead.
      if (when.kind === 'event' && when.repeat === 'each') this.pendingTrigger = true;
      return;
    }
    this.restartsLeft = this.config.restarts;
    this.backoff.reset();
    void this.launch();
  }

  private runPeriodic(): void {
    if (this.isActive()) {
      this.log.debug('previous run still in progress: skipping this interval');
      return;
    }
    if (this.periodicRunsLeft <= 0) return;
    this.periodicRunsLeft -= 1;
    void this.launch();
  }

  private armWhenTimeout(timeout: number): void {
    this.setTimer(
      'whenTimeout',
      setTimeout(() => {
        if (this.triggered) return;
        this.log.warn(`its start event did not arrive within ${timeout} ms: giving up`);
        this.context.bus.publish({ kind: 'timerExpired', source: this.name });
        void this.stop();
      }, timeout),
    );
  }

  private async launch(): Promise<void> {
    const generation = ++this.runGeneration;
    this.transition('starting');
    this.healthyThisRun = false;
    const exec = this.config.exec;
    if (!exec) {
      // A registration-only service: "running" for as long as the supervisor is.
      this.startedAtDate = new Date();
      this.transition('running');
      this.monitor.start();
      return;
    }
    let process: RunningProcess;
    try {
      if (this.config.notify && !this.notify) {
        const notify = await this.openNotify();
        // A stop, or a newer launch, came while the socket was being bound: this run is off.
        if (generation !== this.runGeneration) {
          await notify.close();
          return;
        }
        this.notify = notify;
      }
      this.killLeftovers();
      process = (this.context.spawn ?? spawnProcess)({
        argv: exec.argv,
        env: this.context.environment(this),
        cwd: this.config.cwd,
        raw: this.config.logging.raw,
        onLine: (stream, line) => {
          this.output.append({ time: new Date().toISOString(), job: this.name, stream, line });
          this.log.info(line, { pid: process.pid, stream: stream === 'stderr' ? 'stderr' : undefined });
        },
      });
    } catch (error) {
      if (generation !== this.runGeneration) return;
      // Like a failed spawn: an exit with a reason, and the restart policy decides what follows.
      this.runStartedAt = Date.now();
      this.onExit(undefined, { code: 127, spawnError: errorMessage(error) });
      return;
    }
    this.process = process;
    this.lastRun = process;
    this.runStartedAt = Date.now();
    this.startedAtDate = new Date();
    if (process.pid !== undefined) this.log.info(`started: ${exec.display}`, { pid: process.pid });
    this.transition('running');
    if (this.config.timeout !== undefined) this.armRunTimeout(process, this.config.timeout);
    this.monitor.start();
    void process.exited.then((status) => this.onExit(process, status));
  }

  private async openNotify(): Promise<NotifySocket> {
    try {
      return await openNotifySocket(this.context.notifySocketPath(this), (fields) => this.onNotify(fields));
    } catch (error) {
      throw new Error(`cannot open its NOTIFY_SOCKET: ${errorMessage(error)}`);
    }
  }

  /** A new run starts with an empty process group: what the last run forked and left there is killed. */
  private killLeftovers(): void {
    const last = this.lastRun;
    if (!last?.groupAlive()) return;
    this.log.warn('killing the processes its previous run left in its process group', { pgid: last.pid });
    last.signalGroup('SIGKILL');
  }

  /** Stops what an ended run left in its process group, as a stop stops a running one. */
  private async stopLeftovers(): Promise<void> {
    const last = this.lastRun;
    if (!last?.groupAlive()) return;
    this.log.info('stopping the processes its last run left in its process group', { pgid: last.pid });
    await this.terminate(last);
  }

  private armRunTimeout(process: RunningProcess, timeout: number): void {
    this.setTimer(
      'runTimeout',
      setTimeout(() => {
        this.log.warn(`still running after its timeout of ${timeout} ms: killing it`, { pid: process.pid });
        process.signalGroup('SIGKILL');
      }, timeout),
    );
  }

  /** The end of a run; `process` is undefined for a run that could not start. */
  private onExit(process: RunningProcess | undefined, status: ExitStatus): void {
    const exitText = `exited with code ${status.code}${status.signal ? ` (${status.signal})` : ''}`;
    if (process && process !== this.process) {
      // A stop gave up waiting for it (see KILL_GRACE_MS) and the job has moved on.
      this.log.info(`${exitText}, after it was given up on`, { pid: process.pid });
      return;
    }
    this.clearTimer('runTimeout');
    this.process = undefined;
    this.lastExitRecord = { ...status, at: new Date() };
    const runMillis = Date.now() - this.runStartedAt;
    this.stopHealth();
    if (status.spawnError) this.log.error(`could not start: ${status.spawnError}`);
    else this.log.info(exitText, { pid: process?.pid });
    this.context.bus.publish({ kind: status.code === 0 ? 'exitSuccess' : 'exitFailed', source: this.name, detail: String(status.code) });

    // A stop in progress owns the rest of the lifecycle.
    if (this.stopPromise) return;
    if (this.restartRequested) {
      this.restartRequested = false;
      this.scheduleRestart(runMillis);
      return;
    }
    const when = this.config.when;
    if (when.kind === 'interval') {
      if (this.periodicRunsLeft > 0) this.transition('idle');
      else this.endForGood(status);
      return;
    }
    if (this.restartsLeft > 0) {
      this.restartsLeft -= 1;
      this.scheduleRestart(runMillis);
      return;
    }
    if (this.pendingTrigger) {
      this.pendingTrigger = false;
      this.restartsLeft = this.config.restarts;
      void this.launch();
      return;
    }
    if (when.kind === 'event' && when.repeat === 'each') this.transition('idle');
    else this.endForGood(status);
  }

  private scheduleRestart(runMillis: number): void {
    this.killLeftovers();
    const delay = this.backoff.nextDelay(runMillis);
    this.restartCount += 1;
    this.transition('backoff');
    this.log.info(delay > 0 ? `restarting in ${delay} ms` : 'restarting at once');
    this.setTimer(
      'backoff',
      setTimeout(() => {
        this.timers.delete('backoff');
        if (this.currentState === 'backoff') void this.launch();
      }, delay),
    );
  }

  private endForGood(status: ExitStatus): void {
    this.clearAllTimers();
    this.transition(status.code === 0 ? 'exited' : 'failed');
    // ContainerPilot's halt: a job that is done publishes `stopping` then `stopped`, so that
    // preStop/postStop-style hooks run when it ends on its own too.
    this.context.bus.publish({ kind: 'stopping', source: this.name });
    this.context.bus.publish({ kind: 'stopped', source: this.name });
    void this.closeNotify();
  }

  private async stopGracefully(): Promise<void> {
    this.clearAllTimers();
    this.pendingTrigger = false;
    this.restartRequested = false;
    this.runGeneration += 1;
    if (this.isTerminal()) {
      await this.stopLeftovers();
      return;
    }
    this.context.bus.publish({ kind: 'stopping', source: this.name });
    const process = this.process;
    if (process && !process.hasExited()) {
      await this.context.awaitStoppingHooks(this, this.config.stopTimeout);
      this.transition('stopping');
      this.stopHealth();
      await this.terminate(process);
      if (this.process === process) this.process = undefined;
    } else {
      this.stopHealth();
      await this.stopLeftovers();
    }
    this.transition('stopped');
    this.context.bus.publish({ kind: 'stopped', source: this.name });
    await this.closeNotify();
  }

  /**
   * stopSignal to the group, SIGKILL if anything of it is still there after stopTimeout, and a
   * last deadline after that. The whole group counts, not only its leader: whatever the job
   * forked must not outlive its stop.
   */
  private async terminate(group: RunningProcess): Promise<void> {
    group.signalGroup(this.config.stopSignal);
    if (await group.waitForGroup(this.config.stopTimeout)) return;
    this.log.warn(`did not stop within ${this.config.stopTimeout} ms of ${this.config.stopSignal}: sending SIGKILL`, { pid: group.pid });
    group.signalGroup('SIGKILL');
    if (await group.waitForGroup(KILL_GRACE_MS)) return;
    this.log.error(`still not gone ${KILL_GRACE_MS} ms after SIGKILL: giving up on it`, { pid: group.pid });
  }

  private publishHealth(health: Health, output: string): void {
    if (health === 'unknown') return;
    const level = health === 'healthy' ? 'info' : 'warn';
    this.log[level](`is ${health}${output ? `: ${output}` : ''}`);
    this.context.bus.publish({ kind: health, source: this.name, detail: output });
    if (health === 'healthy') this.healthyThisRun = true;
    // Failures before the first success are an app still starting up, not one to restart.
    if (health === 'unhealthy' && this.healthyThisRun && this.config.health?.onUnhealthy === 'restart' && this.process && !this.stopPromise) {
      this.restartRequested = true;
      this.log.warn('restarting it because it is unhealthy');
      void this.terminate(this.process);
    }
  }

  /** Health checks run only while there is something to check; a job that went away is no longer healthy. */
  private stopHealth(): void {
    const wasHealthy = this.monitor.health === 'healthy';
    this.monitor.stop();
    if (wasHealthy) this.context.bus.publish({ kind: 'unhealthy', source: this.name, detail: 'process exited' });
  }

  private publishCheckResult(result: ProbeResult): void {
    if (!result.ok) this.log.debug(`health check failed: ${result.output}`);
    this.context.bus.publish({ kind: 'checkResult', source: this.name, ok: result.ok, durationMs: result.durationMs });
  }

  private onNotify(fields: Record<string, string>): void {
    if (fields.STATUS !== undefined) this.statusText = fields.STATUS;
    if (fields.READY === '1') this.monitor.reportReady(fields.STATUS ?? 'READY=1');
  }

  private async closeNotify(): Promise<void> {
    const notify = this.notify;
    this.notify = undefined;
    await notify?.close();
  }

  private transition(to: JobState): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    this.log.debug(`${from} → ${to}`);
    this.context.bus.publish({ kind: 'transition', source: this.name, from, to });
  }

  private setTimer(name: TimerName, timer: NodeJS.Timeout): void {
    this.clearTimer(name);
    this.timers.set(name, timer);
  }

  private clearTimer(name: TimerName): void {
    const timer = this.timers.get(name);
    if (timer) clearTimeout(timer);
    this.timers.delete(name);
  }

  private clearAllTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
