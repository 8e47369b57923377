// Spawning and signalling one child process in its own process group.
//
// node:child_process rather than execa: a supervisor streams output line by line and signals
// whole process groups, none of which execa's promise/buffer model helps with, and importing
// execa costs ~180 ms and ~16 MiB on every start (measured, see README "Dependencies").
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TIMED_OUT, withDeadline } from '../util/deadline.js';
import { exitCodeOfSignal, type ExitStatus } from './exit-status.js';
import { splitLines } from './line-splitter.js';
import { explainSpawnError } from './spawn-errors.js';

/** How long an exit report waits for the child's output pipes to close. */
const OUTPUT_DRAIN_GRACE_MS = 200;
/** How often waitForGroup looks for members left in a group whose leader has exited. */
const GROUP_POLL_MS = 50;

/** Where a child's pid is kept from its spawn to its exit (the process table's set). */
export interface LivePids {
  add(pid: number): void;
  delete(pid: number): void;
}

export interface SpawnOptions {
  argv: readonly [string, ...string[]];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Pass output through untouched instead of line by line. */
  raw?: boolean;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface RunningProcess {
  /** Undefined only when spawning failed synchronously. */
  pid: number | undefined;
  /** The group leader's exit (the job's own process). */
  exited: Promise<ExitStatus>;
  /**
   * Signals the whole process group: while the leader runs, and after it has exited as long as
   * members it forked are left in the group; a no-op once the group is empty.
   */
  signalGroup(signal: NodeJS.Signals): void;
  hasExited(): boolean;
  /** Whether the leader or any other member of its group is left (an orphaned zombie counts until the reaper takes it). */
  groupAlive(): boolean;
  /** Resolves true once the leader has exited and its group is empty; false after `timeoutMs`. */
  waitForGroup(timeoutMs: number): Promise<boolean>;
}

/** Spawns through a ProcessTable, which is what records the pid in `live`. */
export function spawnProcess(options: SpawnOptions, live: LivePids): RunningProcess {
  let child: ChildProcess;
  let exited = false;
  const [file, ...args] = options.argv;
  try {
    child = spawn(file, args, {
      env: options.env,
      cwd: options.cwd,
      // detached: setsid(), so the job leads its own process group and group signals reach
      // everything it forks, and a Ctrl-C on our terminal is not delivered to it twice.
      detached: true,
      stdio: ['ignore', options.raw ? 'inherit' : 'pipe', options.raw ? 'inherit' : 'pipe'],
    });
  } catch (error) {
    return failedSpawn(error);
  }
  const pid = child.pid;
  // Synchronously, before any SIGCHLD can be handled: the reaper must already know it is ours.
  if (pid !== undefined) live.add(pid);
  let leaderGone = pid === undefined;

  const linesDelivered: Array<Promise<void>> = [];
  if (!options.raw && options.onLine) {
    const onLine = options.onLine;
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source) linesDelivered.push(splitLines(source, (line) => onLine(stream, line)));
    }
  }

  const exitedPromise = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      // A failed spawn (ENOENT, EACCES…) emits 'error' and no 'exit'; no pid was assigned.
      if (pid === undefined && !exited) {
        exited = true;
        resolve({ code: 127, spawnError: explainSpawnError(error, file as string, options) });
      }
    });
    child.once('exit', (code, signal) => {
      leaderGone = true;
      if (pid !== undefined) live.delete(pid);
      const status: ExitStatus = signal ? { code: exitCodeOfSignal(signal), signal } : { code: code ?? 0 };
      const finish = () => {
        if (exited) return;
        exited = true;
        resolve(status);
      };
      // Wait for the pipes to drain and their lines to be split, a turn's budget at a time, so
      // every output line precedes the exit report, but not for long: a grandchild that inherited
      // stdout (a backgrounded daemon) can hold them open forever.
      child.once('close', () => void Promise.all(linesDelivered).then(finish));
      setTimeout(finish, OUTPUT_DRAIN_GRACE_MS).unref();
    });
  });

  const groupAlive = (): boolean => pid !== undefined && (!leaderGone || groupHasMembers(pid));
  return {
    pid,
    exited: exitedPromise,
    hasExited: () => exited,
    groupAlive,
    signalGroup(signal) {
      if (!groupAlive()) return;
      try {
        process.kill(-(pid as number), signal);
      } catch {
        // The group is already gone (ESRCH): the exit event is on its way.
      }
    },
    async waitForGroup(timeoutMs) {
      // On the monotonic clock: a system clock stepped back (NTP) must not stretch a stop.
      const deadline = performance.now() + timeoutMs;
      if ((await withDeadline(exitedPromise, timeoutMs)) === TIMED_OUT) return false;
      // Members outside our children send no event when they die: look for them.
      while (groupAlive()) {
        if (performance.now() >= deadline) return false;
        await sleep(GROUP_POLL_MS);
      }
      return true;
    },
  };
}

/**
 * Whether the group a reaped leader led still has members. While it has any, the kernel keeps the
 * leader's pid allocated (a pid in use as a process group id is never handed out); so a process
 * with that pid means the group emptied and the number was reused: the group there is not ours.
 * A signal 0 to the group asks the kernel directly, at the cost of one syscall, where scanning
 * /proc cost milliseconds on every restart.
 */
function groupHasMembers(pgid: number): boolean {
  if (existsSync(`/proc/${pgid}`)) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // ESRCH: the group is empty. EPERM: a member changed user; it is still there.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function failedSpawn(error: unknown): RunningProcess {
  const message = error instanceof Error ? error.message : String(error);
  return {
    pid: undefined,
    exited: Promise.resolve({ code: 127, spawnError: message }),
    hasExited: () => true,
    signalGroup: () => undefined,
    groupAlive: () => false,
    waitForGroup: async () => true,
  };
}
