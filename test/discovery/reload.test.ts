// A hot reload against real Consul agents, through the control socket as an operator does it:
// a changed job is registered with its new definition, a removed one leaves the catalog, watches
// start and stop with the config, and another `consul` block moves everything to that agent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load.js';
import { attachConsulDiscovery } from '../../src/discovery/attach.js';
import type { DiscoveryStatus } from '../../src/contracts/components.js';
import { discoveryStatusOf } from '../../src/k8s/discovery-state.js';
import { silentLogger } from '../../src/logging/logger.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { ConsulAgent } from '../helpers/consul.js';
import { startSupervisor } from '../helpers/control.js';
import { HealthSwitch, serviceId, serviceJob } from '../helpers/discovery.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { ProcessTable } from '../../src/process/process-table.js';

let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start();
});
after(() => consul.stop());

function registerUpstream(name: string, port: number): Promise<void> {
  return consul.put('/v1/agent/service/register', { ID: `${name}-${port}`, Name: name, Address: '127.0.0.1', Port: port });
}

test('a reload re-registers changed jobs, deregisters removed ones, and starts and stops watches', async () => {
  const health = new HealthSwitch().healthy('ok');
  const config = (jobs: string, watches: string) => `{ consul: "${consul.address}", watches: [${watches}], jobs: [${jobs}, { name: "keeper", exec: "sleep 60" }] }`;
  const hook = (watch: string) => `{ name: "on-${watch}", exec: "echo ${watch} changed", when: { source: "watch.${watch}", each: "changed" } }`;
  const pilotfish = await startSupervisor(
    config(`${serviceJob('shifting', health, { extra: 'tags: ["v1"]' })}, ${serviceJob('doomed', health)}, ${hook('old-upstream')}`, '{ name: "old-upstream", interval: 2 }'),
  );
  try {
    await waitFor(async () => (await consul.passing('shifting')).length === 1 && (await consul.passing('doomed')).length === 1, 'both passing', 20_000);

    writeFileSync(
      join(pilotfish.dir, 'pilotfish.json5'),
      config(`${serviceJob('shifting', health, { port: 9090, extra: 'tags: ["v2"]' })}, ${hook('new-upstream')}`, '{ name: "new-upstream", interval: 2 }'),
    );
    assert.equal((await pilotfish.call('POST', '/v1/reload')).status, 200);

    await waitFor(async () => (await consul.passing('shifting'))[0]?.Port === 9090, 'shifting registered again on its new port, passing', 20_000);
    assert.deepEqual((await consul.services())[serviceId('shifting')]?.Tags, ['v2']);
    await waitFor(async () => (await consul.services())[serviceId('doomed')] === undefined, 'doomed deregistered', 20_000);

    // The new watch runs: its hook sees a change. The old one is stopped (a config may not hook a
    // watch it does not have, so the status says it).
    await registerUpstream('new-upstream', 7001);
    await pilotfish.waitForLine(/\[on-new-upstream\] new-upstream changed/, 20_000);
    const status = (await pilotfish.call('GET', '/v1/status')).json.components.discovery;
    assert.deepEqual(status.watches.map((watch: { name: string }) => watch.name), ['new-upstream']);
  } finally {
    await pilotfish.stop();
  }
  assert.deepEqual(Object.keys(await consul.services()).filter((id) => id.startsWith('shifting') || id.startsWith('doomed')), []);
});

test('a reload with another consul block moves the services and watches to that agent', async () => {
  const other = await ConsulAgent.start();
  const health = new HealthSwitch().healthy('ok');
  const config = (agent: ConsulAgent) => `{
    consul: "${agent.address}",
    watches: [{ name: "upstream", interval: 2 }],
    jobs: [
      ${serviceJob('nomad', health)},
      { name: "on-upstream", exec: "echo upstream changed", when: { source: "watch.upstream", each: "changed" } },
    ],
  }`;
  const pilotfish = await startSupervisor(config(consul));
  try {
    await waitFor(async () => (await consul.passing('nomad')).length === 1, 'nomad passing on the first agent', 20_000);

    writeFileSync(join(pilotfish.dir, 'pilotfish.json5'), config(other));
    assert.equal((await pilotfish.call('POST', '/v1/reload')).status, 200);
    await waitFor(async () => (await other.passing('nomad')).length === 1, 'nomad passing on the other agent', 20_000);
    assert.equal((await consul.services())[serviceId('nomad')], undefined, 'gone from the first agent');
    assert.match(pilotfish.output(), /the consul block changed: reconnecting/);
    const status = (await pilotfish.call('GET', '/v1/status')).json.components.discovery;
    assert.equal(status.consul, `http://${other.address}`);

    // The watch now asks the other agent.
    await other.put('/v1/agent/service/register', { ID: 'upstream-1', Name: 'upstream', Address: '127.0.0.1', Port: 7003 });
    await pilotfish.waitForLine(/\[on-upstream\] upstream changed/, 20_000);
  } finally {
    await pilotfish.stop();
    await other.stop();
  }
});

/** A TCP proxy to an agent that can stop answering, as a hung agent or a partition does (connections stay open, silent). */
async function hangableProxy(agent: ConsulAgent): Promise<{ address: string; hang(): void; close(): void }> {
  let hung = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined).on('close', () => sockets.delete(client));
    if (hung) return;
    const upstream = connect(agent.httpPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => client.destroy()).on('close', () => client.destroy());
    client.on('data', (data) => void (hung || upstream.write(data))).on('close', () => upstream.destroy());
    upstream.on('data', (data) => void (hung || client.write(data)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    hang: () => (hung = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test('a reload that comes while a reconnect still waits on a hung agent starts its watches on the new agent', async () => {
  const other = await ConsulAgent.start();
  const proxy = await hangableProxy(consul);
  const health = new HealthSwitch().healthy('ok');
  const config = (address: string, watching: boolean) => `{
    consul: "${address}",
    watches: [${watching ? '{ name: "late-upstream", interval: 2 }' : ''}],
    jobs: [
      ${serviceJob('mover', health)},
      ${watching ? '{ name: "on-late-upstream", exec: "echo late-upstream changed", when: { source: "watch.late-upstream", each: "changed" } },' : ''}
    ],
  }`;
  const pilotfish = await startSupervisor(config(proxy.address, false));
  try {
    await waitFor(async () => (await consul.passing('mover')).length === 1, 'mover passing through the proxy', 20_000);
    // The old agent stops answering: deregistering from it takes until the call times out.
    proxy.hang();
    writeFileSync(join(pilotfish.dir, 'pilotfish.json5'), config(other.address, false));
    assert.equal((await pilotfish.call('POST', '/v1/reload')).status, 200);
    await sleep(500);
    writeFileSync(join(pilotfish.dir, 'pilotfish.json5'), config(other.address, true));
    assert.equal((await pilotfish.call('POST', '/v1/reload')).status, 200);

    await waitFor(async () => (await other.passing('mover')).length === 1, 'mover passing on the other agent', 15_000);
    await other.put('/v1/agent/service/register', { ID: 'late-upstream-1', Name: 'late-upstream', Address: '127.0.0.1', Port: 7004 });
    await pilotfish.waitForLine(/\[on-late-upstream\] late-upstream changed/, 20_000);
    const watch = (await pilotfish.call('GET', '/v1/status')).json.components.discovery.watches[0];
    assert.equal(watch.instances, 1, JSON.stringify(watch));
  } finally {
    await pilotfish.stop();
    proxy.close();
    await other.stop();
  }
});

test('a job a reload removed before it was ever registered leaves the status, so ConsulRegistered is not stuck at Registering', async () => {
  const healthy = new HealthSwitch().healthy('ok');
  const failing = new HealthSwitch().unhealthy('not yet');
  let text = `{ consul: "${consul.address}", jobs: [${serviceJob('stayer', healthy)}, ${serviceJob('dropped', failing, { port: 8081 })}] }`;
  const load = () => loadConfigText(text, join(tmpdir(), 'reload-in-process.json5'), process.env);
  const supervisor = new Supervisor({ config: load(), log: silentLogger, env: process.env, processes: new ProcessTable(), loadConfig: load });
  attachConsulDiscovery(supervisor, silentLogger, process.env);
  await supervisor.start();
  const discovery = () => supervisor.snapshot().components.discovery as DiscoveryStatus;
  try {
    await waitFor(() => discovery().services.some((service) => service.name === 'dropped'), 'dropped known to discovery', 20_000);
    await waitFor(() => discovery().services.find((service) => service.name === 'stayer')?.state === 'registered', 'stayer registered', 20_000);

    text = `{ consul: "${consul.address}", jobs: [${serviceJob('stayer', healthy)}] }`;
    assert.deepEqual((await supervisor.reload()).ok, true);
    await waitFor(() => !discovery().services.some((service) => service.name === 'dropped'), 'dropped gone from the status', 20_000);
    assert.equal(discoveryStatusOf(discovery()).state, 'Registered');
  } finally {
    await supervisor.shutdown({ kind: 'request' });
  }
});
