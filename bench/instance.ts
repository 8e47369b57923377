// One supervisor running one workload, in a scratch directory, timed from the moment the
// harness execs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JobStartLog } from './job-starts.js';
import { processTree } from './proc.js';
import type { Launch, Supervisor } from './supervisors/types.js';
import { makeWorkload, type JobOptions } from './workload.js';

/** How to start the supervisor in `dir`, given the log its jobs announce their starts on. */
export type LaunchFor = (starts: JobStartLog, dir: string) => Launch;

/** Supervisors the harness has started and not yet disposed of. */
const live = new Set<Instance>();
let signalsHandled = false;

/**
 * A harness stopped by a signal (Ctrl-C, a test's timeout) kills the supervisors it started, jobs
 * included, instead of leaving them running, then exits as the shell reports a death by that signal.
 */
function killLiveInstancesOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const instance of live) {
        instance.killTree();
        rmSync(instance.dir, { recursive: true, force: true });
      }
      process.exit(128 + constants.signals[signal]);
    });
  }
}

export class Instance {
  readonly starts: JobStartLog;
  readonly dir: string;
  /** performance.now() just before the supervisor was spawned. */
  readonly spawnedAt: number;
  /** performance.now() when the supervisor's exit was seen. */
  exitedAt: number | undefined;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(name: string, launchFor: LaunchFor) {
    this.dir = mkdtempSync(join(tmpdir(), `pilotfish-bench-${name}-`));
    this.starts = new JobStartLog(join(this.dir, 'starts.fifo'));
    const launch = launchFor(this.starts, this.dir);
    const output = openSync(join(this.dir, 'output.log'), 'w');
    if (!signalsHandled) {
      signalsHandled = true;
      killLiveInstancesOnSignals();
    }
    this.spawnedAt = performance.now();
    this.child = spawn(launch.command, launch.args, { cwd: this.dir, env: { ...process.env, ...launch.env }, stdio: ['ignore', output, output] });
    closeSync(output);
    live.add(this);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', () => {
        this.exitedAt = performance.now();
        resolve();
      }),
    );
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the supervisor could not be spawned');
    return this.child.pid;
  }

  /** Waits until `count` job starts have been announced; returns the last one's. */
  async started(count: number, timeoutMs = 10_000): Promise<number> {
    return (await this.starts.nth(count - 1, timeoutMs)).at;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGKILLs the supervisor and every process under it, if it is still running. */
  killTree(): void {
    if (this.exitedAt !== undefined || this.child.pid === undefined) return;
    // Collect the tree first: once the supervisor dies, its jobs are reparented away.
    for (const process_ of processTree(this.child.pid)) {
      try {
        process.kill(process_.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Kills whatever is left of the supervisor and its jobs, and removes the scratch directory. */
  async dispose(): Promise<void> {
    if (this.exitedAt === undefined && this.child.pid !== undefined) {
      this.killTree();
      await this.exited;
    }
    live.delete(this);
    this.starts.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `body` on a fresh instance of `supervisor` running the workload `jobs`, and always disposes of it. */
export function withInstance<T>(supervisor: Supervisor, jobs: JobOptions, body: (instance: Instance) => Promise<T>): Promise<T> {
  return withLaunch(supervisor.name, (starts, dir) => supervisor.prepare(makeWorkload((name) => starts.announceCommand(name), jobs), dir), body);
}

/** The same for a launch of the caller's making (a scenario with its own config). */
export async function withLaunch<T>(name: string, launchFor: LaunchFor, body: (instance: Instance) => Promise<T>): Promise<T> {
  const instance = new Instance(name, launchFor);
  try {
    return await body(instance);
  } catch (error) {
    // The supervisor's own words are the quickest way to see why a run failed.
    const output = readFileSync(join(instance.dir, 'output.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${error instanceof Error ? error.message : String(error)}${output ? ` (its output: ${output})` : ''}`);
  } finally {
    await instance.dispose();
  }
}
