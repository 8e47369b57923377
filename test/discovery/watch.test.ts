// Watches against a real Consul agent: hooks on `watch.<name>` events run once per change of
// the watched service's healthy instances, by ContainerPilot's rule of what a change is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { consulConnection } from '../../src/discovery/connection.js';
import { connectConsul } from '../../src/discovery/consul.js';
import { silentLogger } from '../../src/logging/logger.js';
import { ConsulAgent } from '../helpers/consul.js';
import { stopRun } from '../helpers/discovery.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

// Deadlines of hang detectors: a loaded CI machine starts pilotfish and Consul answers slowly.
const HANG_MS = 20_000;

let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start();
});
after(() => consul.stop());

function register(id: string, port: number, tags: string[] = []): Promise<void> {
  return consul.put('/v1/agent/service/register', { ID: id, Name: 'backend', Address: '127.0.0.1', Port: port, Tags: tags });
}

test('a watch runs its onChange hook once per change, and healthy/unhealthy hooks on the flips', async () => {
  const run = runConfig(`{
    consul: "${consul.address}",
    watches: [{ name: "backend", interval: "2s" }],
    jobs: [
      { name: "keeper", exec: "sleep 60" },
      { name: "on-change", exec: "echo upstreams changed", when: { source: "watch.backend", each: "changed" } },
      { name: "on-healthy", exec: "echo backend up", when: { source: "watch.backend", each: "healthy" } },
      { name: "on-unhealthy", exec: "echo backend down", when: { source: "watch.backend", each: "unhealthy" } },
    ],
  }`);
  const count = (pattern: RegExp) => run.lines.filter((line) => pattern.test(line)).length;
  const changes = () => count(/\[on-change\] upstreams changed/);
  await run.waitForLine(/pilotfish started/);
  // The first answer, with no instance, is not a change.
  await sleep(1000);
  assert.equal(changes(), 0, run.output());

  await register('backend-1', 9001);
  await waitFor(() => changes() === 1, 'the first change', HANG_MS);
  await waitFor(() => count(/\[on-healthy\] backend up/) === 1, 'the healthy hook', HANG_MS);

  await register('backend-2', 9002);
  await waitFor(() => changes() === 2, 'the second change', HANG_MS);

  // Same addresses and ports, other tags: not a change.
  await register('backend-1', 9001, ['canary']);
  await sleep(1500);
  assert.equal(changes(), 2, run.output());

  await consul.put('/v1/agent/service/deregister/backend-1');
  await consul.put('/v1/agent/service/deregister/backend-2');
  await waitFor(() => count(/\[on-unhealthy\] backend down/) === 1, 'the unhealthy hook', HANG_MS);
  await sleep(500);
  // Two deregistrations may land in one answer or in two: one or two changes, never more.
  assert.ok(changes() === 3 || changes() === 4, run.output());
  await stopRun(run);
});

test('a watch carries on across an agent restart, whose index starts again from low', async () => {
  await register('backend-1', 9001);
  const run = runConfig(`{
    consul: "${consul.address}",
    watches: [{ name: "backend", interval: "2s" }],
    jobs: [
      { name: "keeper", exec: "sleep 60" },
      { name: "on-change", exec: "echo upstreams changed", when: { source: "watch.backend", each: "changed" } },
    ],
  }`);
  const changes = () => run.lines.filter((line) => /\[on-change\] upstreams changed/.test(line)).length;
  await waitFor(() => changes() === 1, 'the first change', HANG_MS);

  await consul.restart();
  await waitFor(() => changes() === 2, 'the change to no instance after the restart', HANG_MS);
  await register('backend-1', 9001);
  await waitFor(() => changes() === 3, 'the change back to one instance', HANG_MS);
  await stopRun(run);
});

test("a watch's interval bounds each blocking query, so an unchanged service is still re-read that often", async () => {
  const discovery = await connectConsul(consulConnection({ address: consul.address, scheme: 'http' }, {}), silentLogger);
  const answers = (waitMs: number) => {
    const times: number[] = [];
    const watch = discovery.watch({ service: 'quiet' }, { waitMs }, { onInstances: () => times.push(Date.now()), onError: () => undefined });
    return { times, stop: () => watch.stop() };
  };
  const everySecond = answers(1000);
  const everyMinute = answers(60_000);
  try {
    // The first answer comes at once, then one each time a 1 s wait runs out (plus Consul's jitter):
    // three answers well before a 60 s query would have ended, none sooner than the waits allow.
    await waitFor(() => everySecond.times.length >= 3, 'three answers with a 1 s interval', HANG_MS);
    const [first = 0, , third = 0] = everySecond.times;
    assert.ok(third - first >= 1900, `three answers ${third - first} ms apart: the 1 s waits were not held`);
    assert.equal(everyMinute.times.length, 1, 'a 60 s interval holds its query open');
  } finally {
    everySecond.stop();
    everyMinute.stop();
    discovery.close();
  }
});
