// `GET /v1/logs`: the recent output of one job or all, as JSON lines (Pebble's format), then, with
// `follow`, every new line until the client goes away or the supervisor stops.
import type { ServerResponse } from 'node:http';
import type { Job } from '../jobs/job.js';
import type { OutputLine } from '../jobs/output-log.js';

export const DEFAULT_LOG_LINES = 100;

/**
 * `followers` holds the responses still following, so that a stopping supervisor can end them
 * cleanly (the client sees the end of the stream, not a reset connection).
 */
export function streamLogs(
  response: ServerResponse,
  jobs: readonly Job[],
  options: { lines: number; follow: boolean; followers: Set<ServerResponse> },
): void {
  response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const recent = jobs
    .flatMap((job) => job.output.recent(options.lines))
    .sort((a, b) => a.time.localeCompare(b.time))
    .slice(-options.lines);
  for (const line of recent) response.write(toJsonLine(line));
  if (!options.follow) {
    response.end();
    return;
  }
  response.flushHeaders();
  const unsubscribers = jobs.map((job) => job.output.follow((line) => response.write(toJsonLine(line))));
  options.followers.add(response);
  response.once('close', () => {
    options.followers.delete(response);
    unsubscribers.forEach((unsubscribe) => unsubscribe());
  });
}

function toJsonLine(line: OutputLine): string {
  return `${JSON.stringify(line)}\n`;
}
