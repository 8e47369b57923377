// `GET /v1/logs`: the recent output of one job or all, as JSON lines (Pebble's format), then, with
// `follow`, every new line until the client goes away or the supervisor stops. With `lifecycle`,
// pilotfish's own lines about the jobs (stream `pilotfish`: started, exited, restarting…) come
// among their output, in time order; without it a reader gets the output alone, as Pebble's does.
//
// Written at the pace the client reads: lines are serialised only as the response's buffer
// empties, and a follower that reads slower than the jobs write (or not at all) has at most
// FOLLOWER_BUFFER_BYTES of lines waiting; newer lines are skipped, and a marker line says how many
// before the next one it gets. PID 1's memory never depends on a client.
import type { ServerResponse } from 'node:http';
import type { Job } from '../jobs/job.js';
import { isLifecycleLine, type OutputLine } from '../jobs/output-log.js';

export const DEFAULT_LOG_LINES = 100;
/** Live lines a follower may have waiting beyond the response's own buffer. */
export const FOLLOWER_BUFFER_BYTES = 1024 * 1024;
/** The response's buffer is topped up to this, then written again on 'drain'. */
const RESPONSE_HIGH_WATER_BYTES = 64 * 1024;

/**
 * `followers` holds the responses still following, so that a stopping supervisor can end them
 * cleanly (the client sees the end of the stream, not a reset connection).
 */
export function streamLogs(
  response: ServerResponse,
  jobs: readonly Job[],
  options: { lines: number; follow: boolean; lifecycle: boolean; followers: Set<ServerResponse> },
): void {
  response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const wanted = options.lifecycle ? () => true : (line: OutputLine) => !isLifecycleLine(line);
  let history = recentLines(jobs, options.lines, wanted);
  let next = 0;
  const waiting: string[] = [];
  /** Lines of `waiting` before this one are written. */
  let waitingFrom = 0;
  let waitingBytes = 0;
  let skipped = 0;

  // Lines go out joined, one write() per pump: a write per line per follower (a job's turn of
  // 1024 lines to 60 followers, 61 440 writes) kept the event loop from everything else.
  const pump = (): void => {
    pumpScheduled = false;
    // A pump scheduled before the client went away.
    if (response.destroyed) return;
    let batch = '';
    while (!response.writableEnded && response.writableLength + batch.length < RESPONSE_HIGH_WATER_BYTES) {
      if (next < history.length) {
        batch += toJsonLine(history[next++] as OutputLine);
      } else if (waitingFrom < waiting.length) {
        const line = waiting[waitingFrom++] as string;
        waitingBytes -= line.length;
        batch += line;
      } else if (skipped > 0) {
        // After the lines that came before the skipped ones; it ends the skipping.
        batch += skipMarker(skipped);
        skipped = 0;
      } else {
        if (batch) response.write(batch);
        if (!options.follow) response.end();
        waiting.length = waitingFrom = 0;
        return;
      }
    }
    // One splice per pump: shifting line by line is quadratic in a megabyte of short lines.
    waiting.splice(0, waitingFrom);
    waitingFrom = 0;
    if (batch) response.write(batch);
  };
  let pumpScheduled = false;
  // A write past the response's highWaterMark returned false, so 'drain' comes when it empties.
  response.on('drain', pump);

  if (options.follow) {
    const onLine = (line: OutputLine): void => {
      if (!wanted(line)) return;
      // Once skipping, skip until the marker is out: cheap, and the lines stay in order.
      if (skipped > 0) {
        skipped += 1;
        return;
      }
      const text = toJsonLine(line);
      if (waitingBytes + text.length > FOLLOWER_BUFFER_BYTES) {
        skipped = 1;
        return;
      }
      waiting.push(text);
      waitingBytes += text.length;
      // Once the lines of this turn of the event loop are in (a job's burst comes in one turn).
      if (!pumpScheduled) {
        pumpScheduled = true;
        setImmediate(pump);
      }
    };
    response.flushHeaders();
    const unsubscribers = jobs.map((job) => job.output.follow(onLine));
    options.followers.add(response);
    response.once('close', () => {
      options.followers.delete(response);
      unsubscribers.forEach((unsubscribe) => unsubscribe());
      history = [];
      waiting.length = waitingFrom = 0;
    });
  }
  pump();
}

/** The last `count` lines `wanted` of all `jobs` together, oldest first (references to the kept lines). */
function recentLines(jobs: readonly Job[], count: number, wanted: (line: OutputLine) => boolean): OutputLine[] {
  const lines = jobs.flatMap((job) => job.output.recent(count, wanted));
  if (jobs.length > 1) lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return count <= 0 ? [] : lines.slice(-count);
}

// Every follower gets the same line object in turn: serialised once for all of them.
let lastLine: OutputLine | undefined;
let lastText = '';

function toJsonLine(line: OutputLine): string {
  if (line !== lastLine) {
    lastText = `${JSON.stringify(line)}\n`;
    lastLine = line;
  }
  return lastText;
}

/** Shaped like an output line, so that any reader of the stream (`pilotfish logs`) shows it as one. */
function skipMarker(count: number): string {
  const line = `… ${count} line${count === 1 ? '' : 's'} skipped: this client was not reading as fast as the jobs wrote`;
  return `${JSON.stringify({ time: new Date().toISOString(), job: 'pilotfish', stream: 'stderr', line, skipped: count })}\n`;
}
