// Issue 10, critical 4: a `logs --follow` client that stops reading must not grow PID 1. Its
// lines wait in a bounded buffer; beyond it they are skipped, and a marker line says how many.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { startSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

const FLOOD_BYTES = 300_000_000;

function rssBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

test('a follower that stops reading costs PID 1 a bounded buffer, not the flood; it is told how many lines it missed', async () => {
  const pilotfish = await startSupervisor(`{
    // Output lines are INFO: not logged, so the flood goes to the job's output log and the follower only.
    logging: { level: "warn" },
    jobs: [
      { name: "flood", exec: ["sh", "-c", "head -c ${FLOOD_BYTES} /dev/zero | tr '\\\\0' x | fold -w 1000"], when: { source: "SIGHUP" } },
    ],
  }`);
  const client = connect(pilotfish.socket);
  try {
    const pid = (await pilotfish.call('GET', '/v1/ping')).json.pid as number;
    let received = '';
    client.setEncoding('utf8').on('data', (chunk: string) => {
      received = (received + chunk).slice(-200_000);
    });
    client.write('GET /v1/logs?job=flood&lines=0&follow=true HTTP/1.1\r\nHost: pilotfish\r\n\r\n');
    await waitFor(() => received.includes('200 OK'), 'the response headers');
    // From now on the client reads nothing: the kernel's buffers fill, then pilotfish's.
    client.pause();
    const before = rssBytes(pid);
    pilotfish.signal('SIGHUP');
    let peak = before;
    let started = false;
    // A job started on SIGHUP waits for the next one once it has run: done is running, then not.
    await waitFor(
      async () => {
        peak = Math.max(peak, rssBytes(pid));
        const { json } = await pilotfish.call('GET', '/v1/status');
        const running = (json.jobs as { name: string; state: string }[]).some((job) => job.name === 'flood' && job.state === 'running');
        started ||= running;
        return started && !running;
      },
      'the flood to end',
      120_000,
      50,
    );
    const growth = peak - before;
    // The old pilotfish buffered the whole flood (as JSON, more than FLOOD_BYTES); what is left is
    // the garbage of a flood, which grows RSS by about 60 MB with no follower at all.
    assert.ok(growth < FLOOD_BYTES / 3, `RSS grew by ${(growth / 1e6).toFixed(1)} MB during a ${FLOOD_BYTES / 1e6} MB flood`);
    client.resume();
    const marker = await waitFor(() => /"skipped":(\d+)/.exec(received), 'the skip marker', 20_000);
    assert.ok(Number(marker[1]) > 1000, `${marker[1]} lines skipped`);
    assert.match(received, /"job":"pilotfish","stream":"stderr","line":"… \d+ lines skipped: this client was not reading as fast as the jobs wrote"/);
    console.log(`follower: RSS before ${(before / 1e6).toFixed(1)} MB, peak ${(peak / 1e6).toFixed(1)} MB, ${marker[1]} lines skipped`);
  } finally {
    client.destroy();
    await pilotfish.stop();
  }
});
