// What every probe reports, and the options every probe takes.
import type { ProcessSpawner } from '../process/process-table.js';

export interface ProbeResult {
  ok: boolean;
  /** Short, human-readable evidence: the tail of a command's output, an HTTP status and body start, an error. */
  output: string;
  durationMs: number;
}

/** A probe's verdict before the dispatcher times it. */
export type ProbeOutcome = Omit<ProbeResult, 'durationMs'>;

export interface ProbeOptions {
  timeoutMs: number;
  /** What exec probes spawn through: the supervisor's process table, which the orphan reaper asks. */
  processes: ProcessSpawner;
  /** The environment of exec probes; a function, since building it costs more than an HTTP check. */
  env: () => NodeJS.ProcessEnv;
  /** The working directory of exec probes. */
  cwd?: string;
  /** Let an exec probe write to our stdout/stderr untouched instead of capturing its lines. */
  rawOutput?: boolean;
  /** Each captured line of an exec probe's output, for the supervisor's log. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export function timedOutMessage(timeoutMs: number): string {
  return `timed out after ${Number((timeoutMs / 1000).toFixed(3))}s`;
}
