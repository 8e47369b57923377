// What a registration reports as a change (discovery then publishes its status on the bus): every
// change of state, check or error, and never a heartbeat that changes nothing, which with many
// services checked often would otherwise publish the whole status at every check. A fake catalog:
// the calls against a real Consul are test/discovery/registration.test.ts's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscoveryError, type Discovery } from '../../src/discovery/discovery.js';
import { ServiceRegistration, type AdvertisedJob } from '../../src/discovery/registration.js';
import type { Health } from '../../src/health/monitor.js';
import { silentLogger } from '../../src/logging/logger.js';

function fakeCatalog(): Discovery & { failing: boolean } {
  const answer = async function (this: { failing: boolean }) {
    if (this.failing) throw new DiscoveryError('unreachable', 'connect ECONNREFUSED');
  };
  const catalog = {
    failing: false,
    location: 'fake',
    register: () => answer.call(catalog),
    heartbeat: () => answer.call(catalog),
    deregister: () => answer.call(catalog),
    maintenance: () => answer.call(catalog),
    watch: () => ({ stop: () => undefined }),
    close: () => undefined,
  };
  return catalog;
}

test('a registration reports each change of its status once, and no heartbeat that changes nothing', async () => {
  const catalog = fakeCatalog();
  const job: AdvertisedJob & { health: Health } = {
    config: { name: 'web', writtenName: 'web', port: 8080, tags: [], meta: {}, interfaces: ['static:127.0.0.1'], enableTagOverride: false, health: { interval: 1000, ttl: 5000 } },
    state: 'running',
    health: 'healthy',
  };
  const reported: string[] = [];
  const registration = new ServiceRegistration(job, {
    discovery: () => catalog,
    log: silentLogger,
    hostname: 'host',
    interfaces: () => ({}),
    inMaintenance: () => false,
    closed: () => false,
    changed: () => reported.push(`${registration.status().state} ${registration.status().check ?? '-'} ${registration.status().error ?? ''}`.trim()),
  });
  await registration.sync();
  for (let heartbeat = 0; heartbeat < 5; heartbeat += 1) await registration.sync();
  assert.deepEqual(reported, ['registered passing']);

  job.health = 'unhealthy';
  await registration.sync();
  await registration.sync();
  catalog.failing = true;
  await registration.sync();
  await registration.sync();
  registration.stopTimers();
  assert.deepEqual(reported, ['registered passing', 'registered critical', 'registered critical connect ECONNREFUSED']);
});
