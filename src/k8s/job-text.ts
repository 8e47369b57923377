// How a job's last exit and last check read in condition messages and Event notes.
import type { JobSnapshot } from '../jobs/job.js';

const LINE_LIMIT = 200;

/** " with code 1", " on SIGKILL", " (spawn ENOENT)", or nothing before the first exit. */
export function exitDetail(job: JobSnapshot): string {
  const exit = job.lastExit;
  if (!exit) return '';
  if (exit.error) return ` (${exit.error})`;
  return exit.signal ? ` on ${exit.signal}` : ` with code ${exit.code}`;
}

/**
 * ": <why health last changed>", or nothing: the last line of the check that flipped it, or what
 * happened to the process ("killed by SIGKILL"), never a stale check result from before.
 */
export function checkDetail(job: JobSnapshot): string {
  const line = (job.healthReason ?? job.lastCheck?.output)?.trim().split('\n').pop()?.slice(0, LINE_LIMIT);
  return line ? `: ${line}` : '';
}
