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

/** ": <last line of the check's output>", or nothing. */
export function checkDetail(job: JobSnapshot): string {
  const line = job.lastCheck?.output.trim().split('\n').pop()?.slice(0, LINE_LIMIT);
  return line ? `: ${line}` : '';
}
