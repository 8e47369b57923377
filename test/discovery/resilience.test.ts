// Consul failing under pilotfish: absent at start, or killed and restarted with its state lost.
// Jobs never wait for it, the log says so once per outage, and the services come back by
// themselves within one TTL of the agent's return.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { DiscoveryStatus } from '../../src/contracts/components.js';
import { ConsulAgent } from '../helpers/consul.js';
import { HealthSwitch, serviceId, serviceJob, startSupervisor, stopRun } from '../helpers/discovery.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { PENDING_LOOKUPS, behindSilentDns } from '../helpers/silent-dns.js';

const outageLines = (lines: string[]) => lines.filter((line) => /Consul at .* is failing/.test(line));

test('with Consul down at start, jobs run anyway and are registered once it comes up, with one log line for the outage', async (t) => {
  const consul = await ConsulAgent.reserve();
  const health = new HealthSwitch().healthy('ok');
  // Two services and a watch fail together: still one line.
  const run = runConfig(`{
    consul: "${consul.address}",
    watches: [{ name: "elsewhere", interval: 1 }],
    jobs: [${serviceJob('patient', health)}, ${serviceJob('patient-too', health)}],
  }`);
  try {
    await run.waitForLine(/\[patient\] started: sleep/);
    await run.waitForLine(/is healthy/);
    await sleep(2500);
    assert.equal(outageLines(run.lines).length, 1, run.output());

    await consul.launch();
    const launchedAt = performance.now();
    // How soon is the retries' backoff (tested on its own); here, that they come back by themselves.
    await waitFor(async () => (await consul.passing('patient')).length === 1 && (await consul.passing('patient-too')).length === 1, 'both registered and passing', 20_000);
    t.diagnostic(`registered ${Math.round(performance.now() - launchedAt)} ms after Consul came up`);
    assert.equal(outageLines(run.lines).length, 1, run.output());
    assert.match(run.output(), /Consul at .* is answering again/);
    await stopRun(run);
  } finally {
    await consul.stop();
  }
});

test('an agent killed and restarted empty gets the services back at the next TTL heartbeat, jobs untouched', async (t) => {
  const consul = await ConsulAgent.start();
  const health = new HealthSwitch().healthy('ok');
  const ttlMs = 3000;
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('sturdy', health, { ttl: '3s', interval: '500ms' })}] }`);
  try {
    await waitFor(async () => (await consul.passing('sturdy')).length === 1, 'sturdy passing', 20_000);
    const started = run.lines.filter((line) => /\[sturdy\] started/.test(line));

    await consul.kill();
    await sleep(1500);
    await consul.launch();
    const backAt = performance.now();
    await waitFor(async () => (await consul.passing('sturdy')).length === 1, 'sturdy registered again and passing', 20_000);
    t.diagnostic(`back ${Math.round(performance.now() - backAt)} ms after the agent (TTL ${ttlMs} ms)`);

    assert.deepEqual(run.lines.filter((line) => /\[sturdy\] started/.test(line)), started, 'the job was not restarted');
    assert.equal(outageLines(run.lines).length, 1, run.output());
    // What brought it back: a heartbeat (every 500 ms) found it gone, well within the TTL.
    assert.match(run.output(), /Consul no longer knows sturdy/);
    await stopRun(run);
  } finally {
    await consul.stop();
  }
});

// A shutdown that waited on the absent agent would hang: the test's own timeout says so (a hang
// detector's, that also covers starting Consul and pilotfish on a loaded machine).
test('with Consul gone at shutdown, pilotfish still exits at once and says what stays registered', { timeout: 60_000 }, async (t) => {
  const consul = await ConsulAgent.start();
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('stranded', health)}] }`);
  await waitFor(async () => (await consul.passing('stranded')).length === 1, 'stranded passing', 20_000);
  await consul.stop();
  const stoppingAt = performance.now();
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
  t.diagnostic(`exited ${Math.round(performance.now() - stoppingAt)} ms after SIGTERM`);
  assert.match(run.output(), new RegExp(`could not deregister ${serviceId('stranded')} from Consul`));
});

test("a watch's status says its queries fail while Consul is down, and since when, until an answer comes", async () => {
  const consul = await ConsulAgent.reserve();
  const supervisor = await startSupervisor(`{ consul: "${consul.address}", watches: [{ name: "upstream", interval: 1 }], jobs: [{ name: "keeper", exec: "sleep 60" }] }`);
  const watch = () => (supervisor.snapshot().components.discovery as DiscoveryStatus).watches[0];
  const watchWhen = (failing: boolean) => () => (watch() && (watch()?.error !== undefined) === failing ? watch() : undefined);
  try {
    const failing = await waitFor(watchWhen(true), 'a failed query in the status', 20_000);
    assert.equal(failing.state, 'waiting');
    assert.match(failing.error ?? '', /ECONNREFUSED/);
    const since = failing.failingSince ?? '';
    assert.ok(Date.parse(since) <= Date.now(), since);
    // Retries keep the start of the outage.
    await sleep(1500);
    assert.equal(watch()?.failingSince, since);

    await consul.launch();
    const answering = await waitFor(watchWhen(false), 'the error cleared by an answer', 20_000);
    assert.deepEqual({ state: answering.state, failingSince: answering.failingSince }, { state: 'watching', failingSince: undefined });
  } finally {
    await supervisor.shutdown({ kind: 'request' });
    await consul.stop();
  }
});

test("Consul's requests look its host name up once at a time, however many wait for a DNS server that never answers", { timeout: 30_000 }, () => {
  // Each request started a lookup of its own, and a lookup outlives the request (getaddrinfo
  // cannot be cancelled): they queued in libuv's thread pool ahead of every other lookup and file read.
  const consulModule = fileURLToPath(new URL('../../src/discovery/consul.js', import.meta.url));
  const output = behindSilentDns(`
    const { connectConsul } = await import(${JSON.stringify(consulModule)});
    const log = { debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };
    const discovery = await connectConsul({ url: 'http://consul.example.test:8500', tls: { rejectUnauthorized: true } }, log);
    for (let request = 0; request < 10; request += 1) void discovery.deregister('web-' + request).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.stdout.write(JSON.stringify({ lookups: ${PENDING_LOOKUPS} }));
    process.kill(process.pid, 'SIGKILL');
  `);
  assert.deepEqual(JSON.parse(output), { lookups: 1 });
});
