// The API client against a real HTTP server on loopback that misbehaves as no API server should.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeApi, KubeApiError, MAX_RESPONSE_BYTES } from '../../src/k8s/api.js';
import { TokenFile } from '../../src/k8s/token.js';
import { recordingLogger } from '../helpers/log.js';

test('a reply larger than the bound is refused as an error, not buffered whole', async () => {
  let sent = 0;
  const chunk = Buffer.alloc(1024 * 1024, ' ');
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.write('{"items":[');
    // Endless, until the client hangs up: what it keeps must be bounded by the client itself.
    const more = () => {
      while (!response.destroyed && sent < 10 * MAX_RESPONSE_BYTES) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', more);
      }
      response.end(']}');
    };
    more();
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-api-')), 'token');
    writeFileSync(tokenFile, 'secret-token');
    const { port } = server.address() as AddressInfo;
    const api = new KubeApi({ server: `http://127.0.0.1:${port}`, token: new TokenFile(tokenFile), timeoutMs: 60_000, log: recordingLogger().log });
    const error = await api.request({ method: 'GET', path: '/apis/pilotfish.dev/v1/autopilots', verb: 'list', resource: 'autopilots' }).then(
      () => assert.fail('a reply over the bound was accepted'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof KubeApiError, String(error));
    assert.equal(error.status, 0);
    assert.match(error.message, /maxContentLength/);
    assert.ok(sent < 10 * MAX_RESPONSE_BYTES, `the server sent ${sent} bytes: the client read to the end`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
