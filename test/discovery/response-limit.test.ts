// A Consul that answers without end (a broken proxy in front of the agent, a hostile one) cannot
// grow PID 1's memory: the `consul` package reads a response whole, so what it may read is capped.
// The peer here is a real HTTP server on a real socket, answering like Consul but without limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { consulConnection } from '../../src/discovery/connection.js';
import { MAX_RESPONSE_BYTES, connectConsul } from '../../src/discovery/consul.js';
import type { DiscoveryError } from '../../src/discovery/discovery.js';
import { silentLogger } from '../../src/logging/logger.js';
import { waitFor } from '../helpers/wait.js';

const HANG_MS = 20_000;
const ENTRY = JSON.stringify({ Node: { Address: '10.0.0.1' }, Service: { ID: 'big-1', Address: '10.0.0.1', Port: 80 } });

/** Writes `[ENTRY,ENTRY,…]` until `bytes` are out or the client goes; resolves with what was written. */
function stream(response: ServerResponse, bytes: number): Promise<{ written: number; clientLeft: boolean }> {
  response.writeHead(200, { 'Content-Type': 'application/json', 'X-Consul-Index': '7' });
  let written = 0;
  return new Promise((resolve) => {
    response.on('close', () => resolve({ written, clientLeft: written < bytes }));
    const more = () => {
      while (written < bytes) {
        const chunk = `${written === 0 ? '[' : ','}${ENTRY}`;
        written += Buffer.byteLength(chunk);
        if (!response.write(chunk)) return void response.once('drain', more);
      }
      response.end(']');
    };
    more();
  });
}

test(`a Consul answer of more than ${MAX_RESPONSE_BYTES} bytes fails the query instead of being read whole`, async () => {
  const served: Array<Promise<{ written: number; clientLeft: boolean }>> = [];
  const server = createServer((request, response) => {
    const size = request.url?.startsWith('/v1/health/service/big') ? 4 * MAX_RESPONSE_BYTES : 2 * ENTRY.length;
    served.push(stream(response, size));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const discovery = await connectConsul(consulConnection({ address: `127.0.0.1:${port}`, scheme: 'http' }, {}), silentLogger);
  const errors: DiscoveryError[] = [];
  const answers: number[] = [];
  const big = discovery.watch({ service: 'big' }, { waitMs: 60_000 }, { onInstances: () => answers.push(-1), onError: (error) => errors.push(error) });
  try {
    await waitFor(() => errors.length > 0, 'the oversized answer to fail the query', HANG_MS);
    assert.equal(answers.length, 0, 'nothing of the oversized answer reached the listener');
    assert.equal(errors[0]!.failure, 'unreachable');
    assert.match(errors[0]!.message, new RegExp(`more than ${MAX_RESPONSE_BYTES} bytes`));
    const first = await served[0]!;
    assert.ok(first.clientLeft, 'the connection was closed before the answer ended');
    assert.ok(first.written < 2 * MAX_RESPONSE_BYTES, `${first.written} bytes were sent before the client left`);
  } finally {
    big.stop();
  }
  // The same client still reads answers within the limit.
  const instances: number[] = [];
  const small = discovery.watch({ service: 'small' }, { waitMs: 60_000 }, { onInstances: (found) => instances.push(found.length), onError: () => undefined });
  try {
    await waitFor(() => instances.length > 0, 'a normal answer', HANG_MS);
    assert.equal(instances[0], 2);
  } finally {
    small.stop();
    discovery.close();
    server.closeAllConnections();
    server.close();
  }
});

test('an answer in tiny chunks counts what holding each piece costs, not only its bytes', async () => {
  // 256 KiB of body in one-byte chunks: far below the cap in bytes, but the package keeps each
  // chunk as a Buffer of its own (~400 bytes each; a million held 450 MiB).
  const chunks = MAX_RESPONSE_BYTES / 64;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Consul-Index: 7\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n');
      const batch = '1\r\n \r\n'.repeat(1024);
      let sent = 0;
      const more = () => {
        while (sent < chunks) {
          sent += 1024;
          if (!socket.write(batch)) return void socket.once('drain', more);
        }
        socket.end('1\r\n]\r\n0\r\n\r\n');
      };
      more();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const discovery = await connectConsul(consulConnection({ address: `127.0.0.1:${port}`, scheme: 'http' }, {}), silentLogger);
  const errors: DiscoveryError[] = [];
  const answers: number[] = [];
  const watch = discovery.watch({ service: 'tiny' }, { waitMs: 60_000 }, { onInstances: (found) => answers.push(found.length), onError: (error) => errors.push(error) });
  try {
    await waitFor(() => errors.length > 0 || answers.length > 0, 'the answer to end the query', HANG_MS);
    assert.deepEqual(answers, [], 'the answer was read whole');
    assert.match(errors[0]!.message, new RegExp(`more than ${MAX_RESPONSE_BYTES} bytes`));
  } finally {
    watch.stop();
    discovery.close();
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});
