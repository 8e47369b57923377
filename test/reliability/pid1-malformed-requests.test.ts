// Malformed requests answer 4xx on every server (control socket, probes, telemetry), never 500:
// `/v1/jobs/%E0%A4%A/start` (bad percent-encoding) answered 500. Sent as raw bytes, since a
// well-behaved client would not send them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NetConnectOpts } from 'node:net';
import { startWithEveryServer } from '../helpers/control.js';
import type { PilotfishRun } from '../helpers/pilotfish.js';

/** Writes `raw` and returns the status code of the answer (0 when the connection closed without one). */
function rawStatus(target: NetConnectOpts, raw: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(target);
    let text = '';
    socket.on('connect', () => socket.write(raw));
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      text += chunk;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('close', () => resolve(0));
    socket.on('error', reject);
  });
}

const request = (method: string, target: string, body = '', headers = '') =>
  `${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`;

describe('malformed requests answer 4xx on every server', () => {
  let pilotfish: PilotfishRun;
  let servers: Record<string, NetConnectOpts>;
  before(async () => {
    ({ pilotfish, servers } = await startWithEveryServer());
  });
  after(async () => {
    pilotfish.signal('SIGTERM');
    await pilotfish.exited;
  });

  it('bad percent-encoding in a path parameter: 400', async () => {
    assert.equal(await rawStatus(servers.control!, request('POST', '/v1/jobs/%E0%A4%A/start')), 400);
    assert.equal(await rawStatus(servers.control!, request('POST', '/v1/jobs/%ZZ/stop')), 400);
  });

  it('a request target that is not a path: 400, on each server', async () => {
    for (const [name, target] of Object.entries(servers)) {
      for (const path of ['//livez', 'http://evil/metrics', '*']) {
        const status = await rawStatus(target, request('GET', path));
        assert.ok(status >= 400 && status < 500, `${name} ${path}: ${status}`);
      }
    }
  });

  it('unknown paths, bad percent-encoding and wrong methods: 404 and 405, on each server', async () => {
    for (const [name, target] of Object.entries(servers)) {
      assert.equal(await rawStatus(target, request('GET', '/%E0%A4%A')), 404, name);
      const known = name === 'control' ? '/v1/status' : name === 'probes' ? '/readyz' : '/metrics';
      assert.equal(await rawStatus(target, request('DELETE', known)), 405, name);
    }
  });

  it('bad JSON and bodies over the limit on the control socket: 400 and 413', async () => {
    assert.equal(await rawStatus(servers.control!, request('POST', '/v1/env', '{"A": ')), 400);
    assert.equal(await rawStatus(servers.control!, request('POST', '/v1/env', 'x'.repeat(70 * 1024))), 413);
  });

  it('garbage instead of HTTP, and oversized headers: 4xx, on each server', async () => {
    for (const [name, target] of Object.entries(servers)) {
      assert.equal(await rawStatus(target, 'NOT HTTP AT ALL\r\n\r\n'), 400, name);
      assert.equal(await rawStatus(target, request('GET', '/x', '', `X-Big: ${'a'.repeat(20_000)}\r\n`)), 431, name);
    }
  });

  it('and every server still answers afterwards', async () => {
    assert.equal(await rawStatus(servers.control!, request('GET', '/v1/ping')), 200);
    assert.equal(await rawStatus(servers.probes!, request('GET', '/livez')), 200);
    assert.equal(await rawStatus(servers.telemetry!, request('GET', '/metrics')), 200);
  });
});
