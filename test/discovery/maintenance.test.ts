// Maintenance mode with a real Consul agent, driving an in-process supervisor (as the control
// plane does): services leave rotation while their jobs keep running, and all come back after.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveryStatus } from '../../src/contracts/components.js';
import { ConsulAgent } from '../helpers/consul.js';
import { HealthSwitch, serviceId, serviceJob, startSupervisor } from '../helpers/discovery.js';
import { waitFor } from '../helpers/wait.js';

let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start();
});
after(() => consul.stop());

const maintenanceCheck = (name: string) => `_service_maintenance:${serviceId(name)}`;

test('maintenance takes every service out of rotation with the jobs still running, and puts them all back', async () => {
  const health = new HealthSwitch().healthy('ok');
  const supervisor = await startSupervisor(`{
    consul: "${consul.address}",
    jobs: [${serviceJob('alpha', health)}, ${serviceJob('beta', health)}],
  }`);
  await waitFor(async () => (await consul.passing('alpha')).length === 1 && (await consul.passing('beta')).length === 1, 'both passing', 20_000);
  const pids = supervisor.snapshot().jobs.map((job) => job.pid);

  supervisor.setMaintenance(true);
  await waitFor(async () => (await consul.passing('alpha')).length === 0 && (await consul.passing('beta')).length === 0, 'both out of rotation', 20_000);
  const checks = await consul.checks();
  assert.equal(checks[maintenanceCheck('alpha')]?.Status, 'critical');
  assert.ok((await consul.services())[serviceId('alpha')], 'still registered, only in maintenance');
  assert.deepEqual(supervisor.snapshot().jobs.map((job) => job.pid), pids, 'the jobs kept running');
  const status = supervisor.snapshot().components.discovery as DiscoveryStatus;
  assert.deepEqual(status.services.map((service) => service.maintenance), [true, true]);

  supervisor.setMaintenance(false);
  await waitFor(async () => (await consul.passing('alpha')).length === 1 && (await consul.passing('beta')).length === 1, 'both back in rotation', 20_000);
  assert.equal((await consul.checks())[maintenanceCheck('alpha')], undefined);

  await supervisor.shutdown({ kind: 'request' });
  assert.deepEqual(await consul.services(), {}, 'deregistered at shutdown');
});

test('leaving maintenance registers again a service the agent lost meanwhile (ContainerPilot never did)', async () => {
  const health = new HealthSwitch().healthy('ok');
  const supervisor = await startSupervisor(`{ consul: "${consul.address}", jobs: [${serviceJob('gamma', health)}] }`);
  await waitFor(async () => (await consul.passing('gamma')).length === 1, 'gamma passing', 20_000);
  supervisor.setMaintenance(true);
  await waitFor(async () => (await consul.checks())[maintenanceCheck('gamma')], 'gamma in maintenance', 20_000);
  // Someone (or an agent wipe) removes it while in maintenance.
  await consul.put(`/v1/agent/service/deregister/${serviceId('gamma')}`);

  supervisor.setMaintenance(false);
  await waitFor(async () => (await consul.passing('gamma')).length === 1, 'gamma back and passing', 20_000);
  await supervisor.shutdown({ kind: 'request' });
});
