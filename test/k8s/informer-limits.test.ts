// What the informer may hold of what an API server (or a proxy in front of it) sends, against a
// real HTTP server on loopback: a watch event in one-byte pieces, and a list whose objects are too
// large for a page to fit the client's bound.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeApi, MAX_RESPONSE_BYTES } from '../../src/k8s/api.js';
import { Informer, type InformerTiming, type KubeObject } from '../../src/k8s/informer.js';
import { TokenFile } from '../../src/k8s/token.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { peakRssGrowth, piecemeal } from './piecemeal.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const HANG_MS = 20_000;

/** An informer on ConfigMaps served by `listener`, started, with its log. */
async function informOn(listener: RequestListener, timing: Partial<InformerTiming> = {}) {
  const server = createServer(listener).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-informer-')), 'token');
  writeFileSync(tokenFile, 't');
  const { port } = server.address() as AddressInfo;
  const api = new KubeApi({ server: `http://127.0.0.1:${port}`, token: new TokenFile(tokenFile), timeoutMs: 10_000, log: recordingLogger().log });
  const { log, lines } = recordingLogger();
  const informer = new Informer<ConfigMap>({ api, path: '/api/v1/namespaces/ns/configmaps', resource: 'configmaps', log, timing: { backoff: { initialMs: 100, maxMs: 1_000 }, ...timing } });
  informer.start();
  return {
    informer,
    lines,
    close() {
      informer.stop();
      server.closeAllConnections();
      server.close();
    },
  };
}

const event = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

// 512 Ki pieces are 512 KiB of event, 1/8 of the bound in bytes; held whole, they took ~240 MiB.
test('a watch event in one-byte pieces counts what holding each piece costs: the watch is dropped before it can grow memory', async () => {
  const pieces = 512 * 1024;
  const watches: Array<Promise<number>> = [];
  const { informer, lines, close } = await informOn((request, response) => {
    if (!request.url?.includes('watch=1')) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [{ metadata: { name: 'a', resourceVersion: '10' }, data: { v: 'listed' } }] }));
    } else if (watches.length === 0) {
      const object = JSON.stringify({ metadata: { name: 'a', resourceVersion: '11' }, data: { v: '' } });
      const [head, tail] = object.split('""');
      watches.push(piecemeal(response, `{"type":"MODIFIED","object":${head}"`, pieces, `"${tail}}\n`));
    } else {
      watches.push(Promise.resolve(0));
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write(event('MODIFIED', { metadata: { name: 'a', resourceVersion: '12' }, data: { v: 'after' } }));
    }
  });
  const seen: string[] = [];
  informer.onChange(() => seen.push(informer.items().get('a')?.data?.v ?? ''));
  try {
    const growth = await peakRssGrowth(waitFor(() => seen.includes('after'), 'the event of the next watch', HANG_MS));
    assert.deepEqual(seen, ['listed', 'after'], 'the event in pieces was never applied');
    const bound = `a watch event of more than ${MAX_RESPONSE_BYTES} bytes to hold`;
    assert.ok(lines.some((line) => line.startsWith('WARN') && line.includes(bound)), lines.join('\n'));
    const sent = await watches[0]!;
    assert.ok(sent < pieces / 8, `${sent} pieces were sent before the client left`);
    // As for a reply (test/k8s/api.test.ts): the bound's 4 MiB, V8's young generation, the server's buffers.
    assert.ok(growth < 96 * 1024 * 1024, `resident memory rose by ${(growth / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    close();
  }
});

// axios applied its cap on a whole reply to a watch's stream too: a watch broke once it had
// delivered that much in all, however small its events.
test('a watch delivers more than a reply may hold in all, event by event', async () => {
  const events = 64;
  const value = 'x'.repeat((2 * MAX_RESPONSE_BYTES) / events);
  const { informer, lines, close } = await informOn((request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    if (!request.url?.includes('watch=1')) {
      response.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [] }));
      return;
    }
    const write = (index: number): void => {
      if (index > events || response.destroyed) return;
      const more = response.write(event('ADDED', { metadata: { name: `cm-${index}`, resourceVersion: String(10 + index) }, data: { v: value } }));
      if (more) write(index + 1);
      else response.once('drain', () => write(index + 1));
    };
    write(1);
  });
  try {
    await waitFor(() => informer.items().size === events, `${events} objects`, HANG_MS);
    assert.deepEqual(lines.filter((line) => line.startsWith('WARN') || line.startsWith('ERROR')), []);
  } finally {
    close();
  }
});

test('a list whose page is too large to hold is asked for again in smaller pages, until it fits, and lists again so', async () => {
  // 30 objects of 200 kB: 6 MB in one page, over the client's bound; 16 of them fit.
  const names = Array.from({ length: 30 }, (_, index) => `cm-${index}`);
  const value = 'x'.repeat(200_000);
  const limits: number[] = [];
  let watches = 0;
  const { informer, close } = await informOn((request, response) => {
    const query = new URL(request.url ?? '/', 'http://server').searchParams;
    response.writeHead(200, { 'Content-Type': 'application/json' });
    // The first watch makes it list again; the next ones stay open.
    if (query.has('watch') && ++watches === 1) response.end(event('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
    if (query.has('watch')) return;
    const limit = Number(query.get('limit'));
    const start = Number(query.get('continue') ?? '0');
    limits.push(limit);
    const end = Math.min(start + limit, names.length);
    const items = names.slice(start, end).map((name) => ({ metadata: { name, resourceVersion: '10' }, data: { v: value } }));
    response.end(JSON.stringify({ metadata: { resourceVersion: '10', ...(end < names.length ? { continue: String(end) } : {}) }, items }));
  });
  try {
    await waitFor(() => watches === 2, 'the watch after the second list', HANG_MS);
    assert.equal(informer.items().size, names.length);
    assert.deepEqual(limits, [500, 250, 125, 63, 32, 16, 16, 16, 16]);
  } finally {
    close();
  }
});

test('an object too large to hold even alone is an error said once and retried with backoff, not an outage to probe for', async () => {
  const value = 'x'.repeat(MAX_RESPONSE_BYTES);
  let lonelyLists = 0;
  let probes = 0;
  const { lines, close } = await informOn(
    (request, response) => {
      const query = new URL(request.url ?? '/', 'http://server').searchParams;
      if (request.url === '/readyz') {
        probes += 1;
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('ok');
        return;
      }
      if (query.get('limit') === '1') lonelyLists += 1;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [{ metadata: { name: 'huge', resourceVersion: '10' }, data: { v: value } }] }));
    },
    // A probe would be at the server long before the first retry.
    { probe: { intervalMs: 10, timeoutMs: 5_000 } },
  );
  try {
    await waitFor(() => lonelyLists >= 3, 'three lists of one object a page', HANG_MS);
    assert.equal(probes, 0, 'the server was probed as if it were away');
    const said = lines.filter((line) => line.includes('is too large'));
    assert.equal(said.length, 1, lines.join('\n'));
    assert.match(said[0]!, /^ERROR .*list configmaps is too large \(the reply took more than \d+ bytes to hold\)/);
    assert.deepEqual(lines.filter((line) => line.includes('unavailable')), []);
  } finally {
    close();
  }
});
