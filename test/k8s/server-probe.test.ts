// The probe of an API server that is away, against a real HTTP server on loopback that answers
// /readyz as a kube-apiserver does while it starts (500) and once it is ready (200).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeApi } from '../../src/k8s/api.js';
import { ServerProbe } from '../../src/k8s/server-probe.js';
import { TokenFile } from '../../src/k8s/token.js';
import { recordingLogger } from '../helpers/log.js';
import { sleep, waitFor } from '../helpers/wait.js';

let answer = 500;
const seen: Array<{ path: string; at: number; authorization: string | undefined }> = [];
let server: Server;
let api: KubeApi;

before(async () => {
  server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', at: Date.now(), authorization: request.headers.authorization });
    response.writeHead(answer, { 'Content-Type': 'text/plain' }).end(answer === 200 ? 'ok' : '[-]etcd failed: reason withheld\nreadyz check failed');
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-probe-')), 'token');
  writeFileSync(tokenFile, 'secret-token');
  const { port } = server.address() as AddressInfo;
  api = new KubeApi({ server: `http://127.0.0.1:${port}`, token: new TokenFile(tokenFile), timeoutMs: 10_000, log: recordingLogger().log });
});
after(() => server?.close());

describe('the API server probe', () => {
  it('asks /readyz on a jittered interval until it passes, then says so once and stops', async () => {
    answer = 500;
    seen.length = 0;
    let back = 0;
    const probe = new ServerProbe(api, { intervalMs: 50, timeoutMs: 1_000 }, () => back++);
    probe.start();
    probe.start();
    await waitFor(() => seen.length >= 4, 'four probes of a server that is not ready');
    assert.equal(back, 0);
    answer = 200;
    await waitFor(() => back === 1, 'the probe to see the server back');
    const probes = seen.length;
    await sleep(300);
    probe.stop();
    assert.equal(seen.length, probes, 'no probe after the server is back');
    assert.equal(back, 1);
    assert.ok(seen.every((request) => request.path === '/readyz' && request.authorization === 'Bearer secret-token'));
    // Each wait is drawn from half to one and a half of the interval: never two at once.
    const gaps = seen.slice(1).map((request, index) => request.at - (seen[index]?.at ?? 0));
    assert.ok(gaps.every((gap) => gap >= 20), `gaps ${gaps.join(', ')} ms`);
  });

  it('takes a refusal for an answer: the server is there', async () => {
    answer = 403;
    seen.length = 0;
    let back = 0;
    const probe = new ServerProbe(api, { intervalMs: 50, timeoutMs: 1_000 }, () => back++);
    probe.start();
    await waitFor(() => back === 1, 'a 403 to count as back');
    probe.stop();
    assert.equal(seen.length, 1);
  });

  it('probes nothing once cancelled (a write got through)', async () => {
    answer = 500;
    seen.length = 0;
    const probe = new ServerProbe(api, { intervalMs: 50, timeoutMs: 1_000 }, () => assert.fail('not back'));
    probe.start();
    probe.cancel();
    await sleep(200);
    probe.stop();
    assert.equal(seen.length, 0);
  });
});
