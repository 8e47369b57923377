// `health.http.expectStatus` written as one status, as most configs need, checked by a running
// pilotfish against a real HTTP server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSupervisor } from '../helpers/control.js';
import { runPilotfish, writeConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

let server: Server;
let port: number;
before(async () => {
  server = createServer((_request, response) => response.writeHead(418).end('teapot'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

const configWith = (expectStatus: string) => `{
  jobs: [ { name: "app", exec: "sleep 60", health: { http: { url: "http://127.0.0.1:${port}/", expectStatus: ${expectStatus} }, interval: "100ms" } } ],
}`;

test('a single expectStatus number passes the check when the endpoint answers it', async () => {
  const pilotfish = await startSupervisor(configWith('418'));
  try {
    await waitFor(async () => {
      const { json } = await pilotfish.call('GET', '/v1/status');
      return (json as { jobs: Array<{ name: string; health?: string }> }).jobs.find((job) => job.name === 'app')?.health === 'healthy';
    }, 'app healthy on 418');
  } finally {
    await pilotfish.stop();
  }
});

test('an expectStatus out of range is still an error, single or in a list', async () => {
  for (const value of ['700', '[200, 700]']) {
    const { file } = writeConfig(configWith(value));
    const run = runPilotfish({ args: ['validate', '--config', file] });
    assert.equal((await run.exited).code, 2);
    assert.match(run.output(), /jobs\[0\]\.health\.http\.expectStatus/);
  }
});
