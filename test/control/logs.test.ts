// `GET /v1/logs?follow`: what one burst of a job's output costs PID 1 per follower.
import assert from 'node:assert/strict';
import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { streamLogs } from '../../src/control/logs.js';
import type { Job } from '../../src/jobs/job.js';
import { OutputLog } from '../../src/jobs/output-log.js';
import { waitFor } from '../helpers/wait.js';

describe('a log follower', () => {
  it('gets a burst of lines in one write, not a write per line', async () => {
    const output = new OutputLog();
    const job = { name: 'app', output } as unknown as Job;
    const followers = new Set<ServerResponse>();
    let writes = 0;
    const server = createServer((_request, response) => {
      const write = response.write.bind(response) as (chunk: string) => boolean;
      response.write = ((chunk: string) => {
        writes += 1;
        return write(chunk);
      }) as typeof response.write;
      streamLogs(response, [job], { lines: 0, follow: true, lifecycle: false, followers });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let received = '';
    const request = get({ port: (server.address() as AddressInfo).port, path: '/' }, (response) => response.setEncoding('utf8').on('data', (chunk: string) => (received += chunk)));
    try {
      await waitFor(() => followers.size === 1, 'the follower');
      // One turn of a job's output: the line splitter delivers at most 1024 lines a turn.
      for (let index = 0; index < 1024; index += 1) output.append({ time: '2026-01-01T00:00:00.000Z', job: 'app', stream: 'stdout', line: `line ${index}` });
      await waitFor(() => received.split('\n').length > 1024, 'the lines');
      const lines = received.trim().split('\n').map((line) => (JSON.parse(line) as { line: string }).line);
      assert.deepEqual(lines, Array.from({ length: 1024 }, (_, index) => `line ${index}`));
      // A write() per 64 KiB the response takes (here 2), where it was one per line: 60 followers
      // took 61 440 for one such turn, and pings of the control socket took up to a second while
      // a job wrote as fast as it could.
      assert.ok(writes <= Math.ceil(Buffer.byteLength(received) / (64 * 1024)), `${writes} writes for ${received.length} characters`);
    } finally {
      request.destroy();
      server.close();
    }
  });
});
