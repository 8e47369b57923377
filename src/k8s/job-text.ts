// How a job's last exit and last check read in condition messages and Event notes: what happened,
// in the words of the log ("exited with code 3", "killed by SIGKILL"), never a stale check result.
import type { JobSnapshot } from '../jobs/job.js';

const LINE_LIMIT = 200;

/** "exited with code 1", "was killed by SIGKILL", "could not start (spawn ENOENT)"; "exited" before the first exit. */
export function exitWords(job: JobSnapshot): string {
  const exit = job.lastExit;
  if (!exit) return 'exited';
  if (exit.error) return `could not start (${exit.error})`;
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/**
 * ": <why health last changed>", or nothing: the last line of the check that flipped it, or what
 * happened to the process ("killed by SIGKILL"), never a stale check result from before.
 */
export function checkDetail(job: JobSnapshot): string {
  const line = (job.healthReason ?? job.lastCheck?.output)?.trim().split('\n').pop()?.slice(0, LINE_LIMIT);
  return line ? `: ${line}` : '';
}
