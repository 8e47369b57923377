// The Consul example as the README runs it: a backend registers itself, the frontend's watch
// sees it and its onChange hook points the proxy at it; when the backend goes, so does the route.
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ConsulAgent } from '../helpers/consul.js';
import { runPilotfish } from '../helpers/pilotfish.js';
import { freePorts } from '../helpers/peers.js';
import { waitFor } from '../helpers/wait.js';

let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start();
});
after(() => consul.stop());

async function fetchText(url: string): Promise<string> {
  try {
    return await (await fetch(url)).text();
  } catch {
    return '';
  }
}

test('the frontend proxies to the backend once Consul says it is healthy, and stops when it leaves', async () => {
  const [backendPort, frontendPort] = await freePorts(2);
  const env = {
    CONSUL: consul.address,
    BACKEND_PORT: String(backendPort),
    FRONTEND_PORT: String(frontendPort),
    UPSTREAMS_FILE: join(mkdtempSync(join(tmpdir(), 'pilotfish-example-')), 'upstreams.json'),
  };
  const frontend = runPilotfish({ args: ['run', '--config', 'examples/consul/frontend.json5'], env });
  const backend = runPilotfish({ args: ['run', '--config', 'examples/consul/backend.json5'], env });
  const url = `http://127.0.0.1:${frontendPort}/`;
  try {
    await waitFor(async () => /hello from the backend/.test(await fetchText(url)), `the frontend to reach the backend:\n${frontend.output()}`, 15_000, 200);
    await frontend.waitForLine(/\[update-upstreams\] 1 backend\(s\); reloading the frontend/);

    backend.signal('SIGTERM');
    await backend.exited;
    await waitFor(async () => /no backend available/.test(await fetchText(url)), `the route to go:\n${frontend.output()}`, 15_000, 200);
  } finally {
    backend.signal('SIGTERM');
    frontend.signal('SIGTERM');
    await Promise.all([backend.exited, frontend.exited]);
  }
});
