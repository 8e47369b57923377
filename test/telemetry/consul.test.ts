// The telemetry endpoint registered in a real Consul agent as ContainerPilot registered it: a
// service named "containerpilot" (or telemetry.name) with telemetry.tags, at the address and port
// it listens on, whose TTL check passes while the endpoint serves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pilotfishVersion } from '../../src/util/version.js';
import { TelemetryService, telemetryServiceConfig } from '../../src/discovery/telemetry-service.js';
import { ConsulAgent } from '../helpers/consul.js';
import { httpCall, startSupervisor } from '../helpers/control.js';
import { HealthSwitch, serviceId, serviceJob, stopRun } from '../helpers/discovery.js';
import { runConfig } from '../helpers/pilotfish.js';
import { freePorts } from '../helpers/peers.js';
import { waitFor } from '../helpers/wait.js';

let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start();
});
after(() => consul.stop());

const telemetryConfig = (port: number, extra = '') => `{
  consul: "${consul.address}",
  telemetry: { port: ${port}, interfaces: ["static:127.0.0.1"], tags: ["prometheus", "v3"], ${extra} },
  jobs: [{ name: "keeper", exec: "sleep 60" }],
}`;

test('the telemetry endpoint is the "containerpilot" service, passing while it serves, gone at shutdown', async () => {
  const [port] = (await freePorts(1)) as [number];
  const run = runConfig(telemetryConfig(port));
  const id = serviceId('containerpilot');
  try {
    const service = await waitFor(async () => (await consul.services())[id], `containerpilot in the agent:\n${run.output()}`, 20_000);
    assert.equal(service.Service, 'containerpilot');
    assert.equal(service.Address, '127.0.0.1');
    assert.equal(service.Port, port);
    // ContainerPilot appended its version to telemetry.tags; pilotfish appends its own.
    assert.deepEqual(service.Tags, ['prometheus', 'v3', pilotfishVersion()]);
    assert.match(pilotfishVersion(), /^\d+\.\d+\.\d+/);
    await waitFor(async () => (await consul.passing('containerpilot')).length === 1, 'containerpilot passing', 20_000);
    // The registration carries the status, the first heartbeat the words: a loaded machine can be
    // read between the two (a stressed run saw a passing check with no output yet).
    const serving = new RegExp(`telemetry serving on 127\\.0\\.0\\.1:${port}`);
    await waitFor(async () => serving.test((await consul.checks())[`service:${id}`]?.Output ?? ''), `the check saying ${serving}`, 20_000);
    // What it advertises answers as Prometheus expects.
    assert.equal((await fetch(`http://127.0.0.1:${service.Port}/metrics`)).status, 200);
  } finally {
    await stopRun(run);
  }
  assert.equal((await consul.services())[id], undefined, run.output());
});

test("ContainerPilot's GET /status lists the endpoint's own service last among Services once it is in Consul", async () => {
  const health = new HealthSwitch().healthy('ok');
  const pilotfish = await startSupervisor(`{
    consul: "${consul.address}",
    telemetry: { port: 0, interfaces: ["static:127.0.0.1"], name: "app-telemetry" },
    jobs: [${serviceJob('web', health)}],
  }`);
  try {
    const port: number = (await pilotfish.call('GET', '/v1/status')).json.components.telemetry.port;
    const services = async () => (await httpCall({ host: '127.0.0.1', port }, 'GET', '/status')).json.Services as Array<{ Name: string; Status: string }>;
    await waitFor(async () => (await consul.passing('app-telemetry')).length === 1, `app-telemetry passing:\n${pilotfish.output()}`, 20_000);
    await waitFor(async () => (await services()).every((service) => service.Status === 'healthy'), 'every service healthy in /status', 20_000);
    assert.deepEqual(await services(), [
      { Name: 'web', Address: '127.0.0.1', Port: 8080, Status: 'healthy' },
      { Name: 'app-telemetry', Address: '127.0.0.1', Port: port, Status: 'healthy' },
    ]);
    await pilotfish.call('POST', '/v1/maintenance', { enabled: true });
    assert.deepEqual((await services()).map((service) => service.Status), ['maintenance', 'maintenance']);
  } finally {
    await pilotfish.stop();
  }
});

test('telemetry.name renames the service', async () => {
  const [port] = (await freePorts(1)) as [number];
  const run = runConfig(telemetryConfig(port, 'name: "app-metrics"'));
  try {
    await waitFor(async () => (await consul.passing('app-metrics')).length === 1, `app-metrics passing:\n${run.output()}`, 20_000);
    assert.equal((await consul.services())[serviceId('containerpilot')], undefined);
  } finally {
    await stopRun(run);
  }
});

test('an endpoint that does not answer is reported as not serving, so its TTL is not renewed as passing', async () => {
  const [port] = (await freePorts(1)) as [number];
  const endpoint = { address: '127.0.0.1', port, tags: [] };
  const service = new TelemetryService(telemetryServiceConfig({ port, interfaces: [], tags: [], metrics: [] }, endpoint), endpoint);
  const outputs: string[] = [];
  service.start((output) => outputs.push(output));
  try {
    await waitFor(() => outputs.length > 0, 'a first check');
    assert.equal(service.health, 'unhealthy');
    assert.match(outputs[0] ?? '', /telemetry not serving: .*ECONNREFUSED/);
  } finally {
    service.stop();
  }
});

test('the TTL is ContainerPilot\'s: 15 s, renewed every 5 s', () => {
  const config = telemetryServiceConfig({ port: 9090, interfaces: [], tags: ['a'], metrics: [] }, { address: '0.0.0.0', port: 9090, tags: ['a'] });
  assert.deepEqual(config.health, { interval: 5000, ttl: 15_000 });
  assert.equal(config.name, 'containerpilot');
  assert.deepEqual(config.tags, ['a', pilotfishVersion()]);
  // Listening on every address, it is advertised where a job would be by default.
  assert.deepEqual(config.interfaces, ['eth0:inet', 'inet']);
});
