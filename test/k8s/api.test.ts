// The API client against a real HTTP server on loopback that misbehaves as no API server should.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeApi, KubeApiError, MAX_RESPONSE_BYTES, REPLY_TOO_LARGE, type ApiRequest } from '../../src/k8s/api.js';
import { TokenFile } from '../../src/k8s/token.js';
import { recordingLogger } from '../helpers/log.js';
import { peakRssGrowth, piecemeal } from './piecemeal.js';

const list = (path: string): ApiRequest => ({ method: 'GET', path, verb: 'list', resource: 'autopilots' });

/** A client of `server`, once it listens. */
async function apiOn(server: Server, timeoutMs = 60_000): Promise<KubeApi> {
  await once(server, 'listening');
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-api-')), 'token');
  writeFileSync(tokenFile, 'secret-token');
  const { port } = server.address() as AddressInfo;
  return new KubeApi({ server: `http://127.0.0.1:${port}`, token: new TokenFile(tokenFile), timeoutMs, log: recordingLogger().log });
}

/** What `request` fails with (it must fail). */
function failureOf(api: KubeApi, request: ApiRequest): Promise<KubeApiError> {
  return api.request(request).then(
    () => assert.fail(`${request.path} was answered`),
    (thrown: unknown) => {
      assert.ok(thrown instanceof KubeApiError, String(thrown));
      return thrown;
    },
  );
}

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
  try {
    const error = await failureOf(await apiOn(server), list('/apis/pilotfish.dev/v1/autopilots'));
    assert.equal(error.status, 0);
    assert.equal(error.reason, REPLY_TOO_LARGE);
    assert.match(error.message, new RegExp(`more than ${MAX_RESPONSE_BYTES} bytes to hold`));
    assert.ok(sent < 10 * MAX_RESPONSE_BYTES, `the server sent ${sent} bytes: the client read to the end`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

// 512 Ki pieces are 512 KiB of body, 1/8 of the bound in bytes; held whole, they took ~240 MiB.
test('a reply in one-byte pieces counts what holding each piece costs: it is refused before it can grow memory', async () => {
  const pieces = 512 * 1024;
  let served: Promise<number> | undefined;
  const server = createServer((_request, response) => {
    served = piecemeal(response, '{"items":[', pieces, ']}');
  }).listen(0, '127.0.0.1');
  try {
    const api = await apiOn(server);
    const failing = failureOf(api, list('/apis/pilotfish.dev/v1/autopilots'));
    const growth = await peakRssGrowth(failing);
    const error = await failing;
    assert.equal(error.status, 0);
    assert.equal(error.reason, REPLY_TOO_LARGE);
    assert.match(error.message, new RegExp(`more than ${MAX_RESPONSE_BYTES} bytes to hold`));
    const sent = await served!;
    assert.ok(sent < pieces / 8, `${sent} pieces were sent before the client left`);
    // What the bound lets it hold (4 MiB), V8's young generation, which the pieces churn through,
    // and the server's buffers: 16-23 MiB measured; holding every piece, the old code's process reached 359 MiB.
    assert.ok(growth < 96 * 1024 * 1024, `resident memory rose by ${(growth / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a text reply is its text; one that is not the JSON it says, breaks off or comes too slowly is no answer', async () => {
  const server = createServer((request, response) => {
    if (request.url === '/readyz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
      return;
    }
    const cutAt = '{"items":[';
    if (request.url === '/cut') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(cutAt);
      return;
    }
    // '/broken' promises more than it sends; '/slow' never ends.
    response.writeHead(200, { 'Content-Type': 'application/json', ...(request.url === '/broken' ? { 'Content-Length': '100' } : {}) });
    response.write(cutAt, () => {
      if (request.url === '/broken') response.socket?.destroy();
    });
  }).listen(0, '127.0.0.1');
  try {
    const api = await apiOn(server);
    assert.equal(await api.request({ method: 'GET', path: '/readyz', verb: 'get', resource: '/readyz' }), 'ok');
    const cut = await failureOf(api, list('/cut'));
    assert.equal(cut.status, 0);
    assert.match(cut.message, /^the reply is not valid JSON: /);
    const broken = await failureOf(api, list('/broken'));
    assert.equal(broken.status, 0);
    assert.match(broken.message, /^reading the reply: /);
    const slow = await failureOf(api, { ...list('/slow'), timeoutMs: 300 });
    assert.equal(slow.status, 0);
    assert.match(slow.message, /timeout of 300ms exceeded/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a watch refused with a head and no body fails within the time of a request, not at the deadline of the watch', async () => {
  const server = createServer((_request, response) => {
    response.writeHead(500, { 'Content-Type': 'application/json' });
    response.flushHeaders();
  }).listen(0, '127.0.0.1');
  // The watch's own deadline, never reached here: what a caller's signal is.
  const watchDeadline = new AbortController();
  let hangDetector: NodeJS.Timeout | undefined;
  try {
    const api = await apiOn(server, 300);
    const refused = api.stream({ path: '/api/v1/services?watch=1', verb: 'watch', resource: 'services' }, watchDeadline.signal).then(
      () => assert.fail('the watch was accepted'),
      (thrown: unknown) => thrown,
    );
    const hung = new Promise<never>((_resolve, reject) => {
      hangDetector = setTimeout(() => reject(new Error('the refusal was still being read 15 s on')), 15_000);
    });
    const error = await Promise.race([refused, hung]);
    assert.ok(error instanceof KubeApiError, String(error));
    assert.equal(error.status, 500);
  } finally {
    clearTimeout(hangDetector);
    watchDeadline.abort();
    server.closeAllConnections();
    server.close();
  }
});
