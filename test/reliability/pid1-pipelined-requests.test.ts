// A client that pipelines requests and does not read the answers is dropped, on every server
// (control socket, probes, telemetry): before, PID 1 read every request and held every answer
// (720 KB of pipelined `GET /v1/status` cost 34 MB, 63 such connections 1 GB and seconds of stall).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NetConnectOpts } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_PIPELINED_REQUESTS } from '../../src/http/listen.js';
import { httpCall, startWithEveryServer } from '../helpers/control.js';
import type { PilotfishRun } from '../helpers/pilotfish.js';

const PIPELINED = 20_000;

/** Writes PIPELINED requests for `path` at once, reads nothing for a while, then counts the answers that came and whether the server closed. */
async function pipelineWithoutReading(target: NetConnectOpts, path: string): Promise<{ answers: number; closed: boolean }> {
  const socket = connect(target);
  socket.on('error', () => undefined); // the server may reset the connection while we still write
  const closedByServer = new Promise<true>((resolve) => socket.once('close', () => resolve(true)));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(PIPELINED));
  await sleep(1500);
  let text = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  const closed = await Promise.race([closedByServer, sleep(5000).then(() => false)]);
  socket.destroy();
  return { answers: text.match(/^HTTP\/1\.1 \d{3}/gm)?.length ?? 0, closed };
}

describe('a client that pipelines without reading is dropped', () => {
  let pilotfish: PilotfishRun;
  let socketPath: string;
  let servers: Record<string, { target: NetConnectOpts; path: string }>;
  before(async () => {
    const started = await startWithEveryServer();
    ({ pilotfish, socket: socketPath } = started);
    servers = {
      control: { target: started.servers.control, path: '/v1/status' },
      probes: { target: started.servers.probes, path: '/livez' },
      telemetry: { target: started.servers.telemetry, path: '/metrics' },
    };
  });
  after(async () => {
    pilotfish.signal('SIGTERM');
    await pilotfish.exited;
  });

  for (const name of ['control', 'probes', 'telemetry']) {
    it(`on the ${name} server: at most ${MAX_PIPELINED_REQUESTS} of ${PIPELINED} answers, then the connection is closed, and others are still answered`, async () => {
      const { target, path } = servers[name]!;
      const { answers, closed } = await pipelineWithoutReading(target, path);
      assert.ok(answers <= MAX_PIPELINED_REQUESTS, `${answers} answers`);
      assert.equal(closed, true);
      assert.equal((await httpCall({ socketPath }, 'GET', '/v1/status')).status, 200);
    });
  }
});
