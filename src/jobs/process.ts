// Spawning and signalling one child process in its own process group.
//
// node:child_process rather than execa: a supervisor streams output line by line and signals
// whole process groups, none of which execa's promise/buffer model helps with, and importing
// execa costs ~180 ms and ~16 MiB on every start (measured, see README "Dependencies").
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { constants } from 'node:os';

/** How long an exit report waits for the child's output pipes to close. */
const OUTPUT_DRAIN_GRACE_MS = 200;

/**
 * Pids of children this process spawned and has not yet seen exit. The PID 1 reaper must never
 * wait on these: libuv reaps them itself, and stealing the status would lose the exit code.
 */
export const ownedPids = new Set<number>();

export interface ExitStatus {
  /** Exit code, or 128+signal when killed by a signal (the shell's convention). */
  code: number;
  signal?: NodeJS.Signals;
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
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
  exited: Promise<ExitStatus>;
  /** Signals the whole process group; a no-op once it has exited. */
  signalGroup(signal: NodeJS.Signals): void;
  hasExited(): boolean;
}

export function exitCodeOfSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export function spawnProcess(options: SpawnOptions): RunningProcess {
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
  if (pid !== undefined) ownedPids.add(pid);

  if (!options.raw && options.onLine) {
    const onLine = options.onLine;
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source) createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => onLine(stream, line));
    }
  }

  const exitedPromise = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      // A failed spawn (ENOENT, EACCES…) emits 'error' and no 'exit'; no pid was assigned.
      if (pid === undefined && !exited) {
        exited = true;
        resolve({ code: 127, spawnError: error.message });
      }
    });
    child.once('exit', (code, signal) => {
      if (pid !== undefined) ownedPids.delete(pid);
      const status: ExitStatus = signal ? { code: exitCodeOfSignal(signal), signal } : { code: code ?? 0 };
      const finish = () => {
        if (exited) return;
        exited = true;
        resolve(status);
      };
      // Wait for the pipes to drain so every output line precedes the exit report, but not for
      // long: a grandchild that inherited stdout (a backgrounded daemon) can hold them open forever.
      child.once('close', finish);
      setTimeout(finish, OUTPUT_DRAIN_GRACE_MS).unref();
    });
  });

  return {
    pid,
    exited: exitedPromise,
    hasExited: () => exited,
    signalGroup(signal) {
      if (exited || pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // The group is already gone (ESRCH): the exit event is on its way.
      }
    },
  };
}

function failedSpawn(error: unknown): RunningProcess {
  const message = error instanceof Error ? error.message : String(error);
  return {
    pid: undefined,
    exited: Promise.resolve({ code: 127, spawnError: message }),
    hasExited: () => true,
    signalGroup: () => undefined,
  };
}
