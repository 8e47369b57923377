// How a process ended, in the shell's terms: its exit code, or 128+N when signal N killed it.
import { constants } from 'node:os';

export interface ExitStatus {
  /** Exit code, or 128+signal when killed by a signal (the shell's convention). */
  code: number;
  signal?: NodeJS.Signals;
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
}

/** The exit code a death by `signal` (a name, or the number a wait status holds) stands for. */
export function exitCodeOfSignal(signal: NodeJS.Signals | number): number {
  return 128 + (typeof signal === 'number' ? signal : (constants.signals[signal] ?? 0));
}

/** An exit in words: "exited with code 3", "killed by SIGKILL", "could not start: …". */
export function describeExit(status: ExitStatus): string {
  if (status.spawnError) return `could not start: ${status.spawnError}`;
  return status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`;
}
