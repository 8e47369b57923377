// `pilotfish watches` and GET /v1/watches against a real Consul agent, and the environment of the
// hooks a Consul watch triggers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsulAgent } from '../helpers/consul.js';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { runPilotfish } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

let consul: ConsulAgent;
let pilotfish: RunningSupervisor;

function register(id: string, port: number, address = '127.0.0.1'): Promise<void> {
  return consul.put('/v1/agent/service/register', { ID: id, Name: 'backend', Address: address, Port: port });
}

async function cli(...args: string[]) {
  const run = runPilotfish({ args, env: { PILOTFISH_SOCKET: pilotfish.socket } });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

before(async () => {
  consul = await ConsulAgent.start();
  pilotfish = await startSupervisor(`{
    consul: "${consul.address}",
    watches: [
      { name: "backend", interval: "2s" },
      { name: "orders", source: "kubernetes", port: "http" },
    ],
    jobs: [
      { name: "keeper", exec: "sleep 60" },
      { name: "upstreams", exec: "sh -c 'echo \\"got $PILOTFISH_WATCH_NAME [$PILOTFISH_WATCH_ADDRESSES] $PILOTFISH_WATCH_COUNT\\"'", when: { source: "watch.backend", each: "changed" } },
    ],
  }`, { env: { KUBERNETES_SERVICE_HOST: '' } }); // not in a pod, even when the tests run in one
});
after(async () => {
  await pilotfish?.stop();
  await consul?.stop();
});

test("a hook on a watch's change gets the watch's healthy endpoints in its environment", async () => {
  await register('backend-2', 9002);
  await waitFor(() => pilotfish.lines.some((line) => line.includes('[upstreams] got backend [127.0.0.1:9002] 1')), `the first change's hook\n${pilotfish.output()}`, 10_000);
  await register('backend-1', 9001, '127.0.0.2');
  await waitFor(
    () => pilotfish.lines.some((line) => line.includes('[upstreams] got backend [127.0.0.2:9001,127.0.0.1:9002] 2')),
    `the second change's hook, endpoints in ID order\n${pilotfish.output()}`,
    10_000,
  );
});

test('GET /v1/watches lists every configured watch, with its source, state and endpoints', async () => {
  const answer = await pilotfish.call('GET', '/v1/watches');
  assert.equal(answer.status, 200);
  const [backend, orders] = answer.json.watches;
  assert.equal(backend.name, 'backend');
  assert.equal(backend.source, 'consul');
  assert.equal(backend.state, 'watching');
  assert.deepEqual(backend.endpoints, [
    { id: 'backend-1', address: '127.0.0.2', port: 9001 },
    { id: 'backend-2', address: '127.0.0.1', port: 9002 },
  ]);
  // Not in Kubernetes: configured, but nothing runs it, as the log said at start.
  assert.deepEqual(orders, { name: 'orders', source: 'kubernetes', state: 'off', instances: 0, endpoints: [] });
  assert.ok(
    pilotfish.lines.some((line) => /ERROR.*the watches on Kubernetes Services \(orders\) never fire: pilotfish is not running in Kubernetes/.test(line)),
    pilotfish.output(),
  );
  const one = await pilotfish.call('GET', '/v1/watches/backend');
  assert.deepEqual(one.json, backend);
  const unknown = await pilotfish.call('GET', '/v1/watches/nope');
  assert.deepEqual({ status: unknown.status, body: unknown.json }, { status: 404, body: { error: 'no watch named "nope"' } });
});

test('pilotfish watches prints a table, one watch with its endpoints, or JSON', async () => {
  const all = await cli('watches');
  assert.equal(all.code, 0, all.output);
  const [columns, backend, orders] = all.output.split('\n');
  assert.match(columns ?? '', /^WATCH\s+SOURCE\s+STATE\s+HEALTHY\s+ENDPOINTS\s+LAST CHANGE$/);
  assert.match(backend ?? '', /^backend\s+consul\s+watching\s+2\s+127\.0\.0\.2:9001,127\.0\.0\.1:9002\s+\d{4}-\d\d-\d\dT/);
  assert.match(orders ?? '', /^orders\s+kubernetes\s+off\s+0\s+-\s+-$/);

  const one = await cli('watches', 'backend');
  assert.equal(one.code, 0, one.output);
  assert.match(one.output, /^backend \(consul\): watching, 2 healthy, last change \S+\n {2}127\.0\.0\.2:9001\n {2}127\.0\.0\.1:9002$/);

  const json = await cli('watches', 'backend', '--json');
  assert.equal(JSON.parse(json.output).endpoints.length, 2);

  assert.deepEqual(await cli('watches', 'nope'), { code: 1, output: 'pilotfish refused (404): no watch named "nope"' });
});
