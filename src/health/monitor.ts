// The health dimension of a job: runs its check every `interval`, turns results into
// `unknown | healthy | unhealthy` with thresholds, and reports only the flips (edge-triggered,
// as ContainerPilot's healthy/unhealthy events are).
//
// Timing follows ContainerPilot: the first check runs one interval after start() (rounded up to
// the step of check-clock.ts, at most a tenth of it, so that checks share wake-ups). Checks never
// overlap: a tick that comes while a check is still running is skipped rather than queued
// (ContainerPilot queued them behind a lock and hung: its issues #548, #590).
//
// Checks are timed by check-clock.ts, whose timer is unref'd: a health check alone must not keep
// pilotfish alive. The jobs being checked (child processes) keep the event loop running; when
// none is left, the supervisor decides to exit, and pending checks must not hold that up.
import type { HealthConfig } from '../config/types.js';
import type { ProcessSpawner } from '../process/process-table.js';
import { everyInterval } from './check-clock.js';
import { runProbe, type ProbeResult } from './probes.js';

export type Health = 'unknown' | 'healthy' | 'unhealthy';

export interface HealthMonitorOptions {
  /** What exec checks spawn through. */
  processes: ProcessSpawner;
  /** The environment of exec checks, read at each check (it may change between them). */
  probeEnv: () => NodeJS.ProcessEnv;
  cwd?: string;
  /** Called only when health changes. Must not throw. */
  onTransition: (health: Health, detail: { output: string }) => void;
  /** Called with every completed check that was not discarded by stop(). Must not throw. */
  onResult?: (result: ProbeResult) => void;
  /** Each line an exec check prints (unless the check's `rawLogging` passes it through). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export class HealthMonitor {
  private currentHealth: Health = 'unknown';
  private latestResult: ProbeResult | undefined;
  private started = false;
  private cancelChecks: (() => void) | undefined;
  private checkInFlight = false;
  /** Bumped by stop(): a check that started in an earlier generation is discarded when it ends. */
  private generation = 0;
  private consecutiveSuccesses = 0;
  private consecutiveFailures = 0;

  constructor(
    private readonly config: HealthConfig | undefined,
    private readonly options: HealthMonitorOptions,
  ) {}

  get health(): Health {
    return this.currentHealth;
  }

  /** The last check that completed, kept across stop() so a status can still say why a job was unhealthy. */
  get lastResult(): ProbeResult | undefined {
    return this.latestResult;
  }

  /** Begins checking (and accepting reportReady). Calling it while started does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const config = this.config;
    if (!config) return;
    this.cancelChecks = everyInterval(config.interval, () => void this.check(config));
  }

  /**
   * Stops checking: timers are cleared, an in-flight check's result is discarded, the counters
   * reset and health goes back to `unknown` **without** an onTransition call. stop() means the
   * job is going away (or restarting): it is not a verdict about the app, and reporting
   * `unhealthy` would fire restart-on-unhealthy and dependents' `unhealthy` triggers for a job
   * that was simply stopped. The owner of the job decides what to publish; the next start()
   * begins from `unknown`, so its first flip is reported again.
   */
  stop(): void {
    this.started = false;
    this.cancelChecks?.();
    this.cancelChecks = undefined;
    this.generation += 1;
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures = 0;
    this.currentHealth = 'unknown';
  }

  /**
   * The app itself says it is ready (NOTIFY_SOCKET `READY=1`): healthy now, whatever the
   * thresholds. Checks, if any, go on and can still make it unhealthy. Ignored unless started,
   * so a late message from a process that is going away cannot revive it.
   */
  reportReady(output: string): void {
    if (!this.started) return;
    this.consecutiveFailures = 0;
    this.become('healthy', output);
  }

  private async check(config: HealthConfig): Promise<void> {
    // Also guards across stop()/start(): a discarded check that is still running counts.
    if (this.checkInFlight) return;
    this.checkInFlight = true;
    const generation = this.generation;
    let result: ProbeResult;
    try {
      // runProbe never throws: whatever goes wrong, the environment included, is a failed check.
      result = await runProbe(config.probe, {
        timeoutMs: config.timeout,
        processes: this.options.processes,
        env: this.options.probeEnv,
        cwd: this.options.cwd,
        rawOutput: config.rawLogging,
        onLine: this.options.onLine,
      });
    } finally {
      this.checkInFlight = false;
    }
    if (generation === this.generation) this.record(result, config);
  }

  private record(result: ProbeResult, config: HealthConfig): void {
    this.latestResult = result;
    this.options.onResult?.(result);
    if (result.ok) {
      this.consecutiveSuccesses += 1;
      this.consecutiveFailures = 0;
      if (this.consecutiveSuccesses >= config.successThreshold) this.become('healthy', result.output);
    } else {
      this.consecutiveFailures += 1;
      this.consecutiveSuccesses = 0;
      if (this.consecutiveFailures >= config.threshold) this.become('unhealthy', result.output);
    }
  }

  private become(health: Health, output: string): void {
    if (health === this.currentHealth) return;
    this.currentHealth = health;
    this.options.onTransition(health, { output });
  }
}
