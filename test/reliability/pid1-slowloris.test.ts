// A slow-header client (slowloris) cannot keep the probes from answering. It holds connections by
// sending a request's headers a line at a time, never ending them, and reopens each one that is
// closed. Before, it held all of the probes server's MAX_CONNECTIONS and every other connection
// was closed as soon as it was accepted: `curl -m 2 /livez` failed 30 times in 30, and a kubelet
// would have restarted the container. Now a new connection evicts a waiting one (src/http/connection-slots.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { MAX_CONNECTIONS } from '../../src/http/listen.js';
import { freePorts } from '../helpers/peers.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

const HEADER_LINE_EVERY_MS = 500;
/** How a kubelet probes: a new connection each time, and a failure after 2 s without an answer (`curl -m 2`). */
const PROBE_TIMEOUT_MS = 2000;
const PROBES = 20;

interface Slowloris {
  /** Its connections open now. */
  held(): number;
  /** How many times one of its connections was opened. */
  opened(): number;
  stop(): void;
}

/**
 * `count` connections from `source` to the probes, each sending `GET /livez`, its Host header and
 * then one more header line every 0.5 s; each one closed is reopened at once.
 */
function slowloris(port: number, source: string, count: number): Slowloris {
  const sockets = new Set<Socket>();
  let opened = 0;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    const socket = connect({ port, host: '127.0.0.1', localAddress: source });
    sockets.add(socket);
    socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n');
    socket.once('connect', () => (opened += 1));
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), HEADER_LINE_EVERY_MS);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(drip);
      sockets.delete(socket);
      open();
    });
  };
  for (let i = 0; i < count; i += 1) open();
  return {
    held: () => [...sockets].filter((socket) => !socket.connecting).length,
    opened: () => opened,
    stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** GET /livez on a connection of its own: the status, or why there was none. */
function probeLivez(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const call = request({ port, host: '127.0.0.1', path: '/livez', agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume().once('end', () => resolve(response.statusCode ?? 0));
    });
    call.once('timeout', () => call.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    call.once('error', (error) => resolve(error.message));
    call.end();
  });
}

/** Probes `/livez` PROBES times, 0.25 s apart, while slow clients from `sources` each try to hold `perSource` connections. */
async function probesUnderAttack(sources: string[], perSource: number, diagnostic: (message: string) => void): Promise<Array<number | string>> {
  const port = (await freePorts(1))[0]!;
  const run = runConfig(`{ probes: { port: ${port}, address: "127.0.0.1" }, jobs: [{ name: "app", exec: "sleep 600" }] }`);
  const attackers: Slowloris[] = [];
  try {
    await run.waitForLine(/probes listening on/);
    attackers.push(...sources.map((source) => slowloris(port, source, perSource)));
    const held = () => attackers.reduce((sum, attacker) => sum + attacker.held(), 0);
    await waitFor(() => held() >= MAX_CONNECTIONS, `the slow clients holding ${MAX_CONNECTIONS} connections`);
    await sleep(2 * HEADER_LINE_EVERY_MS);
    const statuses: Array<number | string> = [];
    for (let i = 0; i < PROBES; i += 1) {
      statuses.push(await probeLivez(port));
      await sleep(250);
    }
    const opened = attackers.reduce((sum, attacker) => sum + attacker.opened(), 0);
    diagnostic(`slow clients held ${held()} connections at the end, opened ${opened} in all; /livez: ${statuses.join(' ')}`);
    return statuses;
  } finally {
    for (const attacker of attackers) attacker.stop();
    run.signal('SIGTERM');
    await run.exited;
  }
}

test(`a slowloris holding all ${MAX_CONNECTIONS} probe connections: every /livez from another address is answered within ${PROBE_TIMEOUT_MS} ms`, async (t) => {
  const statuses = await probesUnderAttack(['127.0.0.2'], MAX_CONNECTIONS, (message) => t.diagnostic(message));
  assert.deepEqual(statuses, Array(PROBES).fill(200));
});

test('four slowloris addresses wanting twice the connections the server keeps: every /livez from another address is answered', async (t) => {
  const statuses = await probesUnderAttack(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'], MAX_CONNECTIONS / 2, (message) => t.diagnostic(message));
  assert.deepEqual(statuses, Array(PROBES).fill(200));
});
