// One job: a state machine in the manner of Pebble's servstate. Every input (its start event, a
// process exit, a timer, a health flip, an operator's request) is one JobInput, and one dispatch()
// decides what it means in the current state. An input a state does not expect is logged as an
// internal error and changes nothing.
//
//  state \ input │ trigger   │ exited{run}     │ timer{kind}, prepared, hooksDone    │ health     │ stop{by}      │ start, restart    │ kill
//  ──────────────┼───────────┼─────────────────┼─────────────────────────────────────┼────────────┼───────────────┼───────────────────┼──────────
//  idle          │ starting¹ │ stale           │ interval: starting¹                 │ ✗          │ stopped³      │ starting          │ stopped
//                │           │                 │ whenTimeout: stopped³ +timerExpired │            │               │                   │
//  starting      │ coalesce² │ ✗               │ prepared: running (spawned)         │ ✗          │ stopped³      │ –                 │ stopped
//  running       │ coalesce² │ exit policy⁴    │ runTimeout: killing (plan policy)   │ publish⁵   │ stopping      │ –, stopping(start)│ killing
//  stopping      │ coalesce² │ terminating     │ hooksDone: terminating; runTimeout: │ publish    │ plan: stop    │ plan: start       │ killing
//                │           │                 │ killing                             │            │               │                   │
//  terminating   │ coalesce² │ wait for group⁶ │ stopTimeout, runTimeout: killing    │ ✗          │ plan: stop    │ plan: start       │ killing
//  killing       │ coalesce² │ wait for group⁶ │ killGrace: given up⁶                │ ✗          │ plan: stop    │ plan: start       │ –
//  backoff       │ coalesce² │ stale           │ backoff: starting¹                  │ ✗          │ stopped³      │ starting          │ stopped
//  stopped       │ ignored   │ stale           │ ✗                                   │ ✗          │ –             │ starting          │ leftovers
//  exited/failed │ ignored   │ stale           │ ✗                                   │ ✗          │ leftovers     │ starting          │ leftovers
//
//  ✗ an internal error: logged, nothing changes. – nothing to do. `startup` is taken in idle only.
//  A timer of another state never fires: leaving a state clears its timers (STATE_TIMERS).
//  ¹ unless the supervisor is shutting down: then only stop hooks start, and nothing restarts.
//  ² an `each` job runs once more after this run; a `once` job ignores it.
//  ³ publishing `stopping`, then `stopped`.
//  ⁴ exitSuccess/exitFailed, then: a periodic job → idle (starting at once if a tick came during
//    the run: a tick in any other state than idle waits for the run to end); restarts left →
//    backoff; a trigger that came during the run → starting; an `each` job → idle; else exited
//    (code 0) or failed, and `stopping`, then `stopped` once the hooks on `stopping` are done
//    (ContainerPilot's halt: a job's stop hooks run however it ends, in order).
//  ⁵ healthy/unhealthy; unhealthy after healthy with `onUnhealthy: restart` → terminating, plan restart.
//  ⁶ once the group is empty (or given up on after SIGKILL), the plan decides: stop → stopped
//    (publishing `stopped`; a requested stop publishes no exit event: it is not the app failing),
//    start → starting, restart → exit policy with a restart, policy → exit policy.
//  `notify` (READY=1, STATUS=) is taken in every state; READY counts only while checks run.
//  stale: an exit of a run given up on; `prepared`/`hooksDone` of a stop overtaken are dropped.
//  A job a reload has stopped (retired: the reload replaces or removes it) takes no start or restart.
//  Health (unknown/healthy/unhealthy) is a separate dimension, owned by the monitor.
import type { Command, JobConfig } from '../config/types.js';
import { maskedDisplay } from '../config/command.js';
import { formatDuration } from '../config/duration.js';
import type { EventBus } from '../events/bus.js';
import type { JobState, SupervisorEvent } from '../events/types.js';
import { GLOBAL_SOURCE } from '../events/types.js';
import type { Logger } from '../logging/logger.js';
import { HealthMonitor, type Health } from '../health/monitor.js';
import { errorMessage } from '../util/errors.js';
import { isoTimestamp } from '../util/timestamp.js';
import type { ProbeResult } from '../health/probes.js';
import { openNotifySocket, type NotifyFields, type NotifySocket } from '../health/notify.js';
import { describeExit, exitCodeOfSignal, type ExitStatus } from '../process/exit-status.js';
import type { ProcessSpawner } from '../process/process-table.js';
import type { RunningProcess } from '../process/spawn.js';
import { RestartBackoff } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { OutputLog } from './output-log.js';

/** What a job needs from the supervisor that owns it. */
export interface JobContext {
  bus: EventBus;
  log: Logger;
  /** The environment for a new process of this job. */
  environment(job: Job): NodeJS.ProcessEnv;
  /** Where this job's NOTIFY_SOCKET lives. */
  notifySocketPath(job: Job): string;
  /** Values a command line logged at DEBUG must mask: those its config's template filled in. */
  templateValues?(): readonly string[];
  /** Resolves when the jobs hooked on this job's `stopping` event have finished (bounded by `timeoutMs`). */
  awaitStoppingHooks(job: Job, timeoutMs: number): Promise<void>;
  /** Resolves once every job has taken the events published so far (a `stopped` has started the postStop hooks on it). */
  jobsSettled?(): Promise<void>;
  /** A job is no longer finishing (isFinishing): it no longer keeps the supervisor waiting. */
  finished?(job: Job): void;
  /**
   * The supervisor's veto on new runs: during a shutdown only stop hooks start (`trigger`) and
   * nothing restarts (`restart`); after "kill everything now", nothing starts at all.
   */
  mayStart?(job: Job, why: 'trigger' | 'restart'): boolean;
  /** Starts a run's process: the supervisor's process table, unless a test needs a process that misbehaves as no real one can. */
  processes: ProcessSpawner;
  openNotify?: typeof openNotifySocket;
  clock?: Clock;
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
  /** Why health last changed: a check's output, or what happened to the process ("killed by SIGKILL"). */
  healthReason?: string;
  /** The last `STATUS=` an app sent through NOTIFY_SOCKET. */
  statusText?: string;
  /** What an idle job waits for before it runs (`healthy from db`, `SIGHUP`), or how a stopped one starts again. */
  waitingFor?: string;
  /** Until when it waits: the end of its `when.timeout`, when it has one. */
  waitingUntil?: string;
}

/** Whether a job may still start a process: decides when the supervisor has nothing left to do. */
export type RunPotential = 'yes' | 'no' | 'ifSourceLive';

export type StopCause = 'operator' | 'shutdown' | 'reload';

export type TimerKind = 'backoff' | 'interval' | 'whenTimeout' | 'runTimeout' | 'stopTimeout' | 'killGrace' | 'groupPoll';

/** Everything that can happen to a job. `run` names the run an input belongs to. */
export type JobInput =
  | { kind: 'startup' }
  | { kind: 'trigger' }
  | { kind: 'prepared'; run: number; notify?: NotifySocket; error?: string }
  | { kind: 'hooksDone'; run: number }
  | { kind: 'exited'; run: number; status: ExitStatus }
  | { kind: 'timer'; timer: TimerKind; run: number }
  | { kind: 'health'; health: Health; output: string }
  | { kind: 'notify'; fields: NotifyFields }
  | { kind: 'stop'; by: StopCause }
  | { kind: 'start' }
  | { kind: 'restart' }
  | { kind: 'kill' };

/** What follows once a stopping run is over. */
type StopPlan = 'stop' | 'start' | 'restart' | 'policy';

interface Run {
  readonly id: number;
  /** On the monotonic clock. */
  readonly startedAt: number;
  process?: RunningProcess;
  /** Set once the leader has exited (the group may still have members). */
  exit?: ExitStatus;
  /** Became healthy: only then may failing checks restart it. */
  becameHealthy: boolean;
}

/**
 * How long a stop waits for a process group after SIGKILL. A process in uninterruptible sleep
 * (a hung NFS mount, a stuck device) outlives even SIGKILL; the stop must not wait for it forever.
 */
export const KILL_GRACE_MS = 2000;
/** How often a stop looks for members left in a group whose leader has exited. */
const GROUP_POLL_MS = 50;

const ACTIVE_STATES: ReadonlySet<JobState> = new Set(['starting', 'running', 'stopping', 'terminating', 'killing', 'backoff']);
/** Starting, running, stopping or about to restart: not at rest. */
export function isActiveState(state: JobState): boolean {
  return ACTIVE_STATES.has(state);
}
const STOPPING_STATES: ReadonlySet<JobState> = new Set(['stopping', 'terminating', 'killing']);
const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['stopped', 'exited', 'failed']);
/** The timers that belong to a state are cleared when the job leaves it; the others live with the job. */
const STATE_TIMERS: Partial<Record<TimerKind, ReadonlySet<JobState>>> = {
  backoff: new Set(['backoff']),
  runTimeout: new Set(['running', 'stopping', 'terminating']),
  stopTimeout: new Set(['terminating']),
  killGrace: new Set(['killing']),
  groupPoll: new Set(['terminating', 'killing']),
};

export class Job {
  private currentState: JobState = 'idle';
  private run: Run | undefined;
  private runCount = 0;
  /** The latest process, kept after it exits: processes it forked may be left in its group. */
  private lastProcess: RunningProcess | undefined;
  private plan: StopPlan = 'stop';
  private startedAtDate: Date | undefined;
  private restartsLeft: number;
  /** Runs left for a periodic job (ContainerPilot: `restarts` counts the extra runs). */
  private periodicRunsLeft: number;
  /** Its start event has come (a `once` job runs on the first only). */
  private triggered = false;
  /** When its `when.timeout` runs out, while that timer runs: status says until when it waits. */
  private whenDeadline: Date | undefined;
  /** When the restart waiting out its backoff is due, for `status`. */
  private restartDue: Date | undefined;
  /** An `each` trigger that arrived while a run was in progress: run once more afterwards. */
  private pendingTrigger = false;
  /** A periodic job's tick that came while a run was in progress: the next run starts when it ends. */
  private intervalDue = false;
  /**
   * A periodic job's last run exited 0: its next run is routine, and its start and clean exit are
   * logged at DEBUG (every 5 s, two INFO lines would bury the app's own). The first run, the first
   * after a failure or an operator's start, the last one, and every failure are news, at INFO and WARN.
   */
  private periodicRunSucceeded = false;
  /**
   * Stopped by a reload, which replaces or removes it: a start or restart that comes meanwhile is
   * not taken, or it would run on beside its successor, unsupervised once the reload drops it.
   */
  private retired = false;
  /** Stopped through the control plane: it may be started again, so it keeps the supervisor up. */
  private heldByOperator = false;
  /** Ended on its own; `stopped` waits for the hooks on its `stopping` (table note ⁴). */
  private finishing = false;
  /** Which end of the job a pending `stopped` belongs to: a newer end, a restart or a reload makes it stale. */
  private finishGeneration = 0;
  private readonly backoff: RestartBackoff;
  private readonly monitor: HealthMonitor;
  private notify: NotifySocket | undefined;
  private statusText: string | undefined;
  private healthReason: string | undefined;
  private restartCount = 0;
  private lastExitRecord: ExitRecord | undefined;
  private leftovers: Promise<void> = Promise.resolve();
  private readonly timers = new Map<TimerKind, unknown>();
  private readonly stateWaiters = new Set<{ until: (state: JobState) => boolean; resolve: () => void }>();
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Recent output lines (not kept for `logging.raw` jobs, whose output bypasses pilotfish). */
  readonly output = new OutputLog();

  constructor(
    readonly config: JobConfig,
    private readonly context: JobContext,
  ) {
    this.log = context.log.child({ job: config.name });
    this.clock = context.clock ?? systemClock;
    this.restartsLeft = config.restarts;
    this.periodicRunsLeft = config.restarts + 1;
    this.backoff = new RestartBackoff(config.backoff);
    this.monitor = new HealthMonitor(config.health, {
      processes: context.processes,
      probeEnv: () => context.environment(this),
      cwd: config.cwd,
      onTransition: (health, detail) => this.dispatch({ kind: 'health', health, output: detail.output }),
      onResult: (result) => this.publishCheckResult(result),
      onLine: (stream, line) => this.log.debug(`health check: ${line}`, { stream: stream === 'stderr' ? 'stderr' : undefined }),
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
    return this.run?.exit ? undefined : this.run?.process?.pid;
  }

  /** The current run's number, for inputs that name it. */
  get runNumber(): number {
    return this.run?.id ?? 0;
  }

  get lastExit(): ExitRecord | undefined {
    return this.lastExitRecord;
  }

  isActive(): boolean {
    return isActiveState(this.currentState);
  }

  /** Its run has ended, and its `stopped` waits for the hooks on its `stopping`: the supervisor is not done yet. */
  isFinishing(): boolean {
    return this.finishing;
  }

  /** Its process is being stopped (stopping, terminating, killing): its `stopped` is still to come. */
  isStopping(): boolean {
    return STOPPING_STATES.has(this.currentState);
  }

  isTerminal(): boolean {
    return TERMINAL_STATES.has(this.currentState);
  }

  /** Whether `start` would start it now (it is not running, nor about to). */
  acceptsStart(): boolean {
    // While it is being stopped, a start is its plan once stopped, as a restart is.
    return !this.isActive() || this.currentState === 'backoff' || STOPPING_STATES.has(this.currentState);
  }

  runPotential(): RunPotential {
    if (this.heldByOperator || this.finishing) return 'yes';
    const state = this.currentState;
    if (TERMINAL_STATES.has(state)) return 'no';
    if (STOPPING_STATES.has(state)) return this.plan === 'stop' ? 'no' : 'yes';
    if (state !== 'idle') return 'yes';
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
      healthReason: this.healthReason,
      statusText: this.statusText,
      ...this.waiting(),
    };
  }

  /** In words, for `pilotfish status`: an idle job with nothing in view reads as stuck. */
  private waiting(): Pick<JobSnapshot, 'waitingFor' | 'waitingUntil'> {
    if (this.currentState === 'stopped' && this.heldByOperator) return { waitingFor: 'pilotfish start (stopped by an operator)' };
    if (this.currentState === 'backoff' && this.restartDue) return { waitingFor: `its restart, at ${this.restartDue.toISOString()} (backoff)` };
    if (this.currentState !== 'idle' || this.runPotential() === 'no') return {};
    const when = this.config.when;
    if (when.kind === 'interval') return { waitingFor: `its next run (every ${formatDuration(when.interval)})` };
    const until = this.timers.has('whenTimeout') && this.whenDeadline ? { waitingUntil: this.whenDeadline.toISOString() } : {};
    if (when.kind === 'startup') return { waitingFor: 'the start-up', ...until };
    // As the config says it: `healthy from db`, `changed from watch.db`, `shutdown from global`.
    return { waitingFor: when.event === 'signal' ? when.source : `${when.event} from ${when.source}`, ...until };
  }

  /** The job's bus subscription: turns the events it waits for into inputs. */
  handle(event: SupervisorEvent): void {
    const when = this.config.when;
    if (event.kind === 'startup' && event.source === GLOBAL_SOURCE) this.dispatch({ kind: 'startup' });
    // Not exclusive of the above: `{source: "global", once: "startup"}` is a spelling of the default.
    if (when.kind === 'event' && event.source === when.source && event.kind === when.event) this.dispatch({ kind: 'trigger' });
  }

  /** Starts the job now, whatever its `when` (control plane, and reloads of changed startup jobs). */
  startNow(): void {
    this.dispatch({ kind: 'start' });
  }

  /**
   * Graceful stop: publishes `stopping`, lets the jobs hooked on it run, sends `stopSignal` to the
   * process group, SIGKILLs it after `stopTimeout`, then publishes `stopped`. Idempotent.
   */
  stop(by: StopCause = 'shutdown'): Promise<void> {
    this.dispatch({ kind: 'stop', by });
    // Over once the job has left the stopping states: at rest, or started again by a start or
    // restart that came during the stop (waiting for rest then waited for ever, and with it the
    // operator's `pilotfish stop`).
    return Promise.all([this.until((state) => !STOPPING_STATES.has(state)), this.leftovers]).then(() => undefined);
  }

  /** A reload is replacing or removing it: it never starts again (the reload starts its successor). */
  isRetired(): boolean {
    return this.retired;
  }

  /**
   * An operator's stop (control plane): the job counts as able to run again until it is started,
   * so stopping the last job does not end the supervisor (Pebble's behaviour).
   */
  stopByOperator(): Promise<void> {
    return this.stop('operator');
  }

  /** An operator's restart: a graceful stop, then a fresh start; resolves once it is starting again (or ended). */
  restart(): Promise<void> {
    this.dispatch({ kind: 'restart' });
    return this.until((state) => !STOPPING_STATES.has(state));
  }

  /** Immediate SIGKILL of the process group, or of what is left in it (a second SIGTERM to the supervisor). */
  kill(): void {
    this.dispatch({ kind: 'kill' });
  }

  /** Sends a signal to the job's process group; false when it has no process. */
  sendSignal(signal: NodeJS.Signals): boolean {
    const process = this.run?.process;
    if (!process || this.run?.exit || process.hasExited()) return false;
    process.signalGroup(signal);
    return true;
  }

  /** The one entry point of every input; see the table at the top of this file. */
  dispatch(input: JobInput): void {
    try {
      this.handleInput(input);
    } catch (error) {
      // A bug here must not take PID 1 down with it: say so loudly and keep supervising.
      this.log.error(`internal error handling ${input.kind} in state ${this.currentState}: ${(error as Error).stack ?? errorMessage(error)}`);
    }
  }

  private handleInput(input: JobInput): void {
    // Taken the same way in every state: datagrams from the app, and exits of runs given up on.
    if (input.kind === 'notify') return this.onNotify(input.fields);
    if (input.kind === 'exited' && (input.run !== this.run?.id || this.run.exit)) {
      this.lifecycle('info', `${describeExit(input.status)}, after it was given up on`);
      return;
    }
    if (input.kind === 'prepared' && (this.currentState !== 'starting' || input.run !== this.run?.id)) {
      // A stop overtook the launch that was binding this socket.
      void input.notify?.close();
      return;
    }
    if (input.kind === 'hooksDone' && (this.currentState !== 'stopping' || input.run !== this.run?.id)) return;
    if (input.kind === 'stop' && input.by === 'reload') this.retired = true;
    if (this.retired && (input.kind === 'start' || input.kind === 'restart')) {
      this.log.debug(`${input.kind} not taken: a reload is replacing or removing this job`);
      return;
    }
    switch (this.currentState) {
      case 'idle':
        return this.inIdle(input);
      case 'starting':
        return this.inStarting(input);
      case 'running':
        return this.inRunning(input);
      case 'stopping':
      case 'terminating':
      case 'killing':
        return this.inStopping(input);
      case 'backoff':
        return this.inBackoff(input);
      case 'stopped':
      case 'exited':
      case 'failed':
        return this.inTerminal(input);
    }
  }

  private inIdle(input: JobInput): void {
    switch (input.kind) {
      case 'startup':
        return this.onStartup();
      case 'trigger':
        return this.onTrigger();
      case 'timer':
        if (input.timer === 'interval' && this.config.when.kind === 'interval') return this.onInterval();
        if (input.timer === 'whenTimeout' && !this.triggered) return this.onWhenTimeout();
        return this.invalid(input);
      default:
        return this.betweenRuns(input);
    }
  }

  private inStarting(input: JobInput): void {
    switch (input.kind) {
      case 'prepared':
        if (input.error !== undefined) return this.onRunEnded({ code: 127, spawnError: input.error });
        this.notify = input.notify;
        return this.spawn();
      case 'trigger':
        return this.coalesce();
      case 'timer':
        if (input.timer === 'interval') return this.deferInterval();
        return this.invalid(input);
      case 'stop':
        return this.stopWithoutRun(input.by);
      case 'start':
      case 'restart':
        return;
      case 'kill':
        return this.settle('stopped');
      default:
        return this.invalid(input);
    }
  }

  private inRunning(input: JobInput): void {
    const run = this.run as Run;
    switch (input.kind) {
      case 'exited':
        run.exit = input.status;
        return this.onRunEnded(input.status);
      case 'trigger':
        return this.coalesce();
      case 'timer':
        if (input.timer === 'interval') return this.deferInterval();
        if (input.timer === 'runTimeout') {
          this.lifecycle('warn', `still running after its timeout of ${this.config.timeout} ms: killing it`, run.process?.pid);
          return this.beginKill('policy');
        }
        return this.invalid(input);
      case 'health':
        return this.onHealth(input.health, input.output);
      case 'stop':
        this.heldByOperator = input.by === 'operator';
        return this.beginStop('stop');
      case 'start':
        return;
      case 'restart':
        return this.beginStop('start');
      case 'kill':
        if (!run.process) return this.stopWithoutRun('shutdown');
        this.publish('stopping');
        return this.beginKill('stop');
      default:
        return this.invalid(input);
    }
  }

  /** stopping, terminating and killing: the run is being stopped; `plan` says what follows. */
  private inStopping(input: JobInput): void {
    const state = this.currentState;
    switch (input.kind) {
      case 'hooksDone':
        return this.terminate();
      case 'exited':
        (this.run as Run).exit = input.status;
        if (state === 'stopping') return this.terminate();
        return this.finishWhenGroupGone();
      case 'trigger':
        return this.plan === 'stop' ? undefined : this.coalesce();
      case 'timer':
        if (input.timer === 'interval') return this.deferInterval();
        if (input.timer === 'runTimeout' && state !== 'killing') return this.beginKill(this.plan);
        if (input.timer === 'stopTimeout' && state === 'terminating') {
          this.lifecycle('warn', `did not stop within ${this.config.stopTimeout} ms of ${this.config.stopSignal}: sending SIGKILL`, this.run?.process?.pid);
          return this.beginKill(this.plan);
        }
        if (input.timer === 'killGrace' && state === 'killing') {
          this.lifecycle('error', `still not gone ${KILL_GRACE_MS} ms after SIGKILL: giving up on it`, this.run?.process?.pid);
          return this.finishStop();
        }
        if (input.timer === 'groupPoll' && state !== 'stopping' && this.run?.exit) return this.finishWhenGroupGone();
        return this.invalid(input);
      case 'health':
        if (state !== 'stopping') return this.invalid(input);
        return this.publishHealth(input.health, input.output);
      case 'stop':
        if (input.by === 'operator') this.heldByOperator = true;
        // A restart on its way becomes a stop: the `stopping` its hooks wait for is still due.
        if (this.plan === 'restart' || this.plan === 'policy') this.publish('stopping');
        this.plan = 'stop';
        return;
      case 'start':
      case 'restart':
        this.heldByOperator = false;
        this.plan = 'start';
        return;
      case 'kill':
        if (state === 'killing') return;
        return this.beginKill(this.plan);
      default:
        return this.invalid(input);
    }
  }

  private inBackoff(input: JobInput): void {
    switch (input.kind) {
      case 'timer':
        if (input.timer === 'backoff') {
          if (this.mayStart('restart')) return this.launch();
          return this.endForGood(this.lastExitRecord ?? { code: 0 });
        }
        if (input.timer === 'interval') return this.deferInterval();
        return this.invalid(input);
      case 'trigger':
        return this.coalesce();
      default:
        return this.betweenRuns(input);
    }
  }

  /** What idle and backoff share: no process runs, so a stop, start or kill acts at once. */
  private betweenRuns(input: JobInput): void {
    switch (input.kind) {
      case 'stop':
        return this.stopWithoutRun(input.by);
      case 'start':
      case 'restart':
        return this.startFresh();
      case 'kill':
        this.killLeftovers();
        return this.settle('stopped');
      default:
        return this.invalid(input);
    }
  }

  private inTerminal(input: JobInput): void {
    switch (input.kind) {
      case 'trigger':
        return;
      case 'stop':
        if (input.by === 'operator') this.heldByOperator = true;
        // Replaced by a reload: the new instance has its own hooks, and a late `stopped` from this one would run them.
        if (input.by === 'reload') this.abandonFinishing();
        this.leftovers = this.stopLeftovers();
        return;
      case 'start':
      case 'restart':
        return this.startFresh();
      case 'kill':
        return this.killLeftovers();
      default:
        return this.invalid(input);
    }
  }

  private invalid(input: JobInput): void {
    this.log.error(`internal error: ${describeInput(input)} is not expected in state ${this.currentState}; ignored`);
  }

  private mayStart(why: 'trigger' | 'restart'): boolean {
    return this.context.mayStart?.(this, why) ?? true;
  }

  private onStartup(): void {
    const when = this.config.when;
    if (when.kind !== 'interval' && when.timeout !== undefined) {
      this.setTimer('whenTimeout', when.timeout);
      this.whenDeadline = new Date(this.clock.wallTime().getTime() + when.timeout);
    }
    if (when.kind === 'startup') this.onTrigger();
    if (when.kind === 'interval') this.onInterval();
  }

  private onTrigger(): void {
    const when = this.config.when;
    if (when.kind === 'event' && when.repeat === 'once' && this.triggered) return;
    if (!this.mayStart('trigger')) {
      this.log.debug('not started: pilotfish is shutting down');
      return;
    }
    this.triggered = true;
    this.clearTimer('whenTimeout');
    this.restartsLeft = this.config.restarts;
    this.backoff.reset();
    this.launch();
  }

  /** A trigger while a run is in progress: ContainerPilot queued them behind a mutex and could hang; coalesce instead. */
  private coalesce(): void {
    const when = this.config.when;
    if (when.kind === 'event' && when.repeat === 'each') this.pendingTrigger = true;
  }

  /** A periodic job's run after one that exited 0, and not its last (`restarts` counts them): logged at DEBUG. */
  private isRoutineRun(): boolean {
    return this.periodicRunSucceeded && this.periodicRunsLeft > 0;
  }

  /** Only for a periodic job. */
  private onInterval(): void {
    const when = this.config.when as Extract<JobConfig['when'], { kind: 'interval' }>;
    if (this.periodicRunsLeft <= 0) return;
    this.setTimer('interval', when.interval);
    if (!this.mayStart('trigger')) return;
    this.periodicRunsLeft -= 1;
    this.launch();
  }

  /**
   * A tick during a run: the next run starts as soon as this one ends (one waits at most), as
   * ContainerPilot's did; a run killed by its timeout (the interval, by default) is followed at once,
   * not one interval later.
   */
  private deferInterval(): void {
    const when = this.config.when;
    if (when.kind !== 'interval') return this.invalid({ kind: 'timer', timer: 'interval', run: this.runNumber });
    if (!this.intervalDue) {
      // A run whose start was logged at DEBUG would hang unseen at INFO: say so once, with its pid.
      const note = `still running after its interval of ${formatDuration(when.interval)}: the next run starts when it ends`;
      if (this.isRoutineRun()) this.lifecycle('info', note, this.run?.process?.pid);
      else this.log.debug('previous run still in progress: the next starts when it ends');
    }
    this.intervalDue = true;
    this.setTimer('interval', when.interval);
  }

  private onWhenTimeout(): void {
    this.lifecycle('warn', `its start event did not arrive within ${String((this.config.when as { timeout?: number }).timeout)} ms: giving up`);
    this.publish('timerExpired');
    this.stopWithoutRun('shutdown');
  }

  /** Start, or restart, from a clean slate: the control plane's start, or a reload's. */
  private startFresh(): void {
    this.abandonFinishing();
    this.heldByOperator = false;
    this.pendingTrigger = false;
    this.intervalDue = false;
    // Started by hand: what it waited for no longer matters, and its first run is news again.
    this.clearTimer('whenTimeout');
    this.periodicRunSucceeded = false;
    this.restartsLeft = this.config.restarts;
    this.backoff.reset();
    if (this.config.when.kind === 'interval') {
      this.periodicRunsLeft = this.config.restarts + 1;
      this.clearTimer('interval');
      return this.onInterval();
    }
    this.launch();
  }

  private launch(): void {
    const run: Run = { id: ++this.runCount, startedAt: this.clock.monotonicNow(), becameHealthy: false };
    this.run = run;
    this.transitionTo('starting');
    if (!this.config.exec) {
      // A registration-only service: "running" for as long as the supervisor is.
      this.startedAtDate = this.clock.wallTime();
      this.transitionTo('running');
      this.monitor.start();
      return;
    }
    if (this.config.notify && !this.notify) {
      const open = this.context.openNotify ?? openNotifySocket;
      void Promise.resolve()
        .then(() => open(this.context.notifySocketPath(this), (fields) => this.dispatch({ kind: 'notify', fields })))
        .then(
          (notify) => this.dispatch({ kind: 'prepared', run: run.id, notify }),
          (error: unknown) => this.dispatch({ kind: 'prepared', run: run.id, error: `cannot open its NOTIFY_SOCKET: ${errorMessage(error)}` }),
        );
      return;
    }
    this.spawn();
  }

  private spawn(): void {
    const run = this.run as Run;
    const exec = this.config.exec as Command;
    this.killLeftovers();
    let process: RunningProcess;
    let outputLogs: Record<'stdout' | 'stderr', Logger>;
    let env: NodeJS.ProcessEnv = {};
    try {
      env = this.context.environment(this);
      process = this.context.processes.spawn({
        argv: exec.argv,
        env,
        cwd: this.config.cwd,
        raw: this.config.logging.raw,
        onLine: (stream, line) => {
          this.output.append({ time: isoTimestamp(), job: this.name, stream, line });
          outputLogs[stream].info(line);
        },
      });
    } catch (error) {
      // Like a failed spawn: an exit with a reason, and the restart policy decides what follows.
      return this.onRunEnded({ code: 127, spawnError: errorMessage(error) });
    }
    // Made once per run rather than fields merged once per line. A `stream` field, even undefined,
    // marks the job's output apart from pilotfish's own lines (which may use the log's reserve).
    outputLogs = { stdout: this.log.child({ pid: process.pid, stream: undefined }), stderr: this.log.child({ pid: process.pid, stream: 'stderr' }) };
    run.process = process;
    this.lastProcess = process;
    this.startedAtDate = this.clock.wallTime();
    if (process.pid !== undefined) {
      this.lifecycle(this.isRoutineRun() ? 'debug' : 'info', `started: ${programName(exec)}`, process.pid);
      this.log.debug(`command line: ${redactedCommandLine(exec, this.context.templateValues?.() ?? [])}`, { pid: process.pid });
    }
    this.transitionTo('running');
    if (this.config.timeout !== undefined) this.setTimer('runTimeout', this.config.timeout);
    this.monitor.start();
    void process.exited.then((status) => this.dispatch({ kind: 'exited', run: run.id, status }));
  }

  /** A new run starts with an empty process group: what the last run forked and left there is killed. */
  private killLeftovers(): void {
    const last = this.lastProcess;
    if (!last?.groupAlive()) return;
    this.log.warn('killing the processes its previous run left in its process group', { pgid: last.pid });
    last.signalGroup('SIGKILL');
  }

  /** Stops what an ended run left in its process group, as a stop stops a running one; the state stays. */
  private async stopLeftovers(): Promise<void> {
    const last = this.lastProcess;
    if (!last?.groupAlive()) return;
    this.log.info('stopping the processes its last run left in its process group', { pgid: last.pid });
    last.signalGroup(this.config.stopSignal);
    if (await last.waitForGroup(this.config.stopTimeout)) return;
    last.signalGroup('SIGKILL');
    if (await last.waitForGroup(KILL_GRACE_MS)) return;
    this.log.error(`still not gone ${KILL_GRACE_MS} ms after SIGKILL: giving up on it`, { pgid: last.pid });
  }

  /** Stop of a job with no process of its own running: `stopping`, then `stopped` at once. */
  private stopWithoutRun(by: StopCause): void {
    this.heldByOperator = by === 'operator';
    this.pendingTrigger = false;
    this.publish('stopping');
    this.leftovers = this.stopLeftovers();
    this.publish('stopped');
    this.settle('stopped');
  }

  /** A graceful stop of the running process: `stopping` first, and its hooks get to run. */
  private beginStop(plan: StopPlan): void {
    const run = this.run as Run;
    this.plan = plan;
    this.publish('stopping');
    if (!run.process) {
      // Registration-only: nothing to signal.
      this.stopHealth('stopped');
      this.publish('stopped');
      return plan === 'start' && this.mayStart('restart') ? this.startFresh() : this.settle('stopped');
    }
    this.transitionTo('stopping');
    void this.context.awaitStoppingHooks(this, this.config.stopTimeout).then(() => this.dispatch({ kind: 'hooksDone', run: run.id }));
  }

  /** stopSignal to the group; SIGKILL if anything of it is still there after stopTimeout. */
  private terminate(): void {
    const run = this.run as Run;
    this.stopHealth('stopped');
    this.transitionTo('terminating');
    run.process?.signalGroup(this.config.stopSignal);
    this.setTimer('stopTimeout', this.config.stopTimeout);
    if (run.exit) this.finishWhenGroupGone();
  }

  private beginKill(plan: StopPlan): void {
    const run = this.run as Run;
    this.plan = plan;
    this.stopHealth(plan === 'policy' ? 'killed: still running after its timeout' : 'stopped');
    this.transitionTo('killing');
    run.process?.signalGroup('SIGKILL');
    this.setTimer('killGrace', KILL_GRACE_MS);
    if (run.exit) this.finishWhenGroupGone();
  }

  /** The whole group counts, not only its leader: whatever the job forked must not outlive its stop. */
  private finishWhenGroupGone(): void {
    if (this.run?.process?.groupAlive()) return this.setTimer('groupPoll', GROUP_POLL_MS);
    this.finishStop();
  }

  /** The stopping run is over (or given up on): the plan decides what follows. */
  private finishStop(): void {
    const run = this.run as Run;
    const status = run.exit ?? { code: exitCodeOfSignal('SIGKILL'), signal: 'SIGKILL' as const };
    // A run given up on is no longer ours to report: its pid is not shown, its exit is stale.
    this.run = { ...run, exit: status };
    switch (this.plan) {
      case 'restart':
        return this.onRunEnded(status, true);
      case 'policy':
        return this.onRunEnded(status);
      case 'stop':
      case 'start':
        this.recordExit(status, 'info', 'stopped: ');
        this.publish('stopped');
        if (this.plan === 'start' && this.mayStart('restart')) return this.startFresh();
        this.settle('stopped');
        return;
    }
  }

  /** The end of a run that was not asked to stop: the exit policy (table note ⁴). */
  private onRunEnded(status: ExitStatus, forceRestart = false): void {
    this.stopHealth(describeExit(status));
    this.recordExit(status, status.code !== 0 ? 'warn' : this.isRoutineRun() ? 'debug' : 'info');
    this.periodicRunSucceeded = this.config.when.kind === 'interval' && status.code === 0;
    this.publish(status.code === 0 ? 'exitSuccess' : 'exitFailed', String(status.code));
    const when = this.config.when;
    const runMillis = this.clock.monotonicNow() - (this.run as Run).startedAt;
    if (forceRestart) {
      if (this.mayStart('restart')) return this.scheduleRestart(runMillis);
      return this.endForGood(status);
    }
    if (when.kind === 'interval') {
      if (this.periodicRunsLeft <= 0) return this.endForGood(status);
      if (this.intervalDue && this.mayStart('trigger')) {
        this.intervalDue = false;
        this.periodicRunsLeft -= 1;
        return this.launch();
      }
      this.intervalDue = false;
      return this.transitionTo('idle');
    }
    if (this.restartsLeft > 0 && this.mayStart('restart')) {
      this.restartsLeft -= 1;
      return this.scheduleRestart(runMillis);
    }
    if (this.pendingTrigger && this.mayStart('trigger')) {
      this.pendingTrigger = false;
      this.restartsLeft = this.config.restarts;
      return this.launch();
    }
    if (when.kind === 'event' && when.repeat === 'each' && this.mayStart('trigger')) return this.transitionTo('idle');
    this.endForGood(status);
  }

  private recordExit(status: ExitStatus, level: 'debug' | 'info' | 'warn', prefix = ''): void {
    this.clearTimer('runTimeout');
    this.lastExitRecord = { ...status, at: this.clock.wallTime() };
    const pid = this.run?.process?.pid;
    if (status.spawnError) this.lifecycle('error', `could not start: ${status.spawnError}`);
    else this.lifecycle(level, prefix + describeExit(status), pid);
  }

  private scheduleRestart(runMillis: number): void {
    this.killLeftovers();
    const delay = this.backoff.nextDelay(runMillis);
    this.restartCount += 1;
    this.transitionTo('backoff');
    this.restartDue = new Date(this.clock.wallTime().getTime() + delay);
    this.lifecycle('info', delay > 0 ? `restarting in ${delay} ms` : 'restarting at once');
    this.setTimer('backoff', delay);
  }

  private endForGood(status: ExitStatus): void {
    const shuttingDown = !this.mayStart('restart');
    if (status.code !== 0) {
      if (shuttingDown) this.lifecycle('info', 'not restarted: pilotfish is shutting down');
      else this.lifecycle('error', 'failed, no restarts left');
    }
    // ContainerPilot's halt: a job that is done publishes `stopping` then `stopped`, so that
    // preStop/postStop-style hooks run when it ends on its own too, in order: `stopped` waits for
    // the hooks on `stopping` (a postStop cleanup ran beside the preStop still deregistering).
    this.publish('stopping');
    const ended = status.code === 0 ? 'exited' : 'failed';
    this.settle(ended);
    const generation = ++this.finishGeneration;
    this.finishing = true;
    const current = () => generation === this.finishGeneration;
    void this.context
      .awaitStoppingHooks(this, this.config.stopTimeout)
      .then(() => {
        if (!current()) return;
        this.publish('stopped');
        // Finishing until the hooks on `stopped` have started: a shutdown waiting for every job to
        // rest must not find them all at rest in between, and stop the postStop as it starts.
        return this.context.jobsSettled?.();
      })
      .then(() => {
        if (current()) this.endFinishing();
      });
  }

  /** A restart or a reload's replacement: the `stopped` of the last end is no longer due. */
  private abandonFinishing(): void {
    this.finishGeneration += 1;
    if (this.finishing) this.endFinishing();
  }

  private endFinishing(): void {
    this.finishing = false;
    this.context.finished?.(this);
  }

  /** Into a state where nothing of the job runs: its timers and notify socket go. */
  private settle(state: 'stopped' | 'exited' | 'failed'): void {
    this.clearAllTimers();
    this.pendingTrigger = false;
    this.intervalDue = false;
    this.monitor.stop();
    this.transitionTo(state);
    void this.closeNotify();
  }

  private onHealth(health: Health, output: string): void {
    const run = this.run as Run;
    this.publishHealth(health, output);
    if (health === 'healthy') run.becameHealthy = true;
    // Failures before the first success are an app still starting up, not one to restart.
    if (health === 'unhealthy' && run.becameHealthy && this.config.health?.onUnhealthy === 'restart' && run.process) {
      this.lifecycle('warn', 'restarting it because it is unhealthy');
      this.plan = 'restart';
      this.terminate();
    }
  }

  private publishHealth(health: Health, output: string): void {
    if (health === 'unknown') return;
    const level = health === 'healthy' ? 'info' : 'warn';
    this.lifecycle(level, `is ${health}${output ? `: ${output}` : ''}`);
    this.healthReason = output;
    this.publish(health, output);
  }

  /** Health checks run only while there is something to check; a job that went away is no longer healthy, and `why` says what happened. */
  private stopHealth(why: string): void {
    const wasHealthy = this.monitor.health === 'healthy';
    this.monitor.stop();
    if (!wasHealthy) return;
    this.healthReason = why;
    this.publish('unhealthy', why);
  }

  /** Logs a step in the job's life, and keeps it among its output for `pilotfish logs`. */
  private lifecycle(level: 'debug' | 'info' | 'warn' | 'error', message: string, pid?: number): void {
    this.log[level](message, { pid });
    this.output.appendLifecycle(this.name, message, pid);
  }

  private publishCheckResult(result: ProbeResult): void {
    if (!result.ok) this.log.debug(`health check failed: ${result.output}`);
    this.context.bus.publish({ kind: 'checkResult', source: this.name, ok: result.ok, durationMs: result.durationMs });
  }

  private onNotify(fields: NotifyFields): void {
    if (fields.STATUS !== undefined) this.statusText = fields.STATUS;
    if (fields.READY === '1') this.monitor.reportReady(fields.STATUS ?? 'READY=1');
  }

  private async closeNotify(): Promise<void> {
    const notify = this.notify;
    this.notify = undefined;
    await notify?.close();
  }

  private publish(kind: 'stopping' | 'stopped' | 'exitSuccess' | 'exitFailed' | 'healthy' | 'unhealthy' | 'timerExpired', detail?: string): void {
    const event = { kind, source: this.config.writtenName, job: this.name };
    this.context.bus.publish(detail === undefined ? event : { ...event, detail });
  }

  private transitionTo(to: JobState): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    for (const [kind, states] of Object.entries(STATE_TIMERS) as Array<[TimerKind, ReadonlySet<JobState>]>) {
      if (!states.has(to)) this.clearTimer(kind);
    }
    this.log.debug(`${from} → ${to}`);
    this.context.bus.publish({ kind: 'transition', source: this.name, from, to });
    for (const waiter of this.stateWaiters) {
      if (!waiter.until(to)) continue;
      this.stateWaiters.delete(waiter);
      waiter.resolve();
    }
  }

  private until(predicate: (state: JobState) => boolean): Promise<void> {
    if (predicate(this.currentState)) return Promise.resolve();
    return new Promise((resolve) => this.stateWaiters.add({ until: predicate, resolve }));
  }

  private setTimer(kind: TimerKind, ms: number): void {
    this.clearTimer(kind);
    const run = this.runNumber;
    this.timers.set(
      kind,
      this.clock.setTimeout(() => {
        this.timers.delete(kind);
        this.dispatch({ kind: 'timer', timer: kind, run });
      }, ms),
    );
  }

  private clearTimer(kind: TimerKind): void {
    if (!this.timers.has(kind)) return;
    this.clock.clearTimeout(this.timers.get(kind));
    this.timers.delete(kind);
  }

  private clearAllTimers(): void {
    for (const kind of [...this.timers.keys()]) this.clearTimer(kind);
  }
}

function describeInput(input: JobInput): string {
  return input.kind === 'timer' ? `timer ${input.timer}` : input.kind;
}

/**
 * What the start line says at INFO: the program, not its arguments, which may carry templated
 * secrets (`--password {{ .DB_PASSWORD }}`). A shell command's program is its first word.
 */
export function programName(exec: Command): string {
  const [program, ...args] = exec.argv;
  const shellScript = (program === '/bin/sh' || program === 'sh') && args[0] === '-c' ? args[1] : undefined;
  if (shellScript !== undefined) {
    // Not a first word such as `PASSWORD=x` or `$SECRET`: only a plain program name is shown.
    const first = shellScript.trim().split(/\s+/)[0] ?? '';
    return `${/^[\w./-]+$/.test(first) ? first : program} (shell command)`;
  }
  return args.length > 0 ? `${program} (${args.length} argument${args.length === 1 ? '' : 's'})` : program;
}

/**
 * The command line for DEBUG, with every value the config's template filled in masked: templated
 * secrets come from there. Only those: masking every environment value would turn `CI=true` or
 * `SHELL=/bin/sh` into holes in every command line. Values under 4 characters are left alone, or
 * every templated `1` and `yes` would be masked.
 */
export function redactedCommandLine(exec: Command, templateValues: readonly string[]): string {
  const secrets = templateValues.filter((value) => value.length >= 4);
  // Longest first, so that a value containing another is masked whole.
  secrets.sort((a, b) => b.length - a.length);
  return maskedDisplay(exec, secrets);
}
