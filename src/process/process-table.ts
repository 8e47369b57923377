// The processes pilotfish spawned and has not yet seen exit. The orphan reaper must never wait on
// these: libuv reaps them itself, and stealing the status would lose the exit code (libuv #4179).
// One table per supervisor, built by the composition root and handed to the reaper (which asks
// it) and to everything that spawns (jobs, exec checks), which spawns through it.
import { spawnProcess, type RunningProcess, type SpawnOptions } from './spawn.js';

/** What starts processes: the table, or in a test a fake whose processes misbehave as no real one can. */
export interface ProcessSpawner {
  spawn(options: SpawnOptions): RunningProcess;
}

export class ProcessTable implements ProcessSpawner {
  private readonly pids = new Set<number>();

  /** Spawns a process; its pid is in the table from the moment spawn returns until its exit event. */
  spawn(options: SpawnOptions): RunningProcess {
    return spawnProcess(options, this.pids);
  }

  /** Whether `pid` is a child we spawned that has not exited yet: not the reaper's to take. */
  readonly owns = (pid: number): boolean => this.pids.has(pid);
}
