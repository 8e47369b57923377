// What a job becomes in the catalog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load.js';
import type { JobConfig } from '../../src/config/types.js';
import { isAdvertised } from '../../src/config/rules.js';
import { serviceDefinition } from '../../src/discovery/registration.js';

function job(text: string): JobConfig {
  const [config] = loadConfigText(`{ jobs: [${text}] }`, '/tmp/service-definition.json5', {}).jobs;
  return config as JobConfig;
}

test('a job is advertised with a port, or without exec when it has a TTL', () => {
  assert.equal(isAdvertised(job('{ name: "web", exec: "x", port: 80, health: { exec: "true", interval: 1, ttl: 5 } }')), true);
  assert.equal(isAdvertised(job('{ name: "marker", health: { exec: "true", interval: 1, ttl: 5 } }')), true);
  assert.equal(isAdvertised(job('{ name: "worker", exec: "x", health: { exec: "true", interval: 1 } }')), false);
  assert.equal(isAdvertised(job('{ name: "hook", exec: "x" }')), false);
});

test('the definition: ID <name>-<hostname>, resolved address, tags, meta and a TTL check', () => {
  const web = job(`{
    name: "web", exec: "x", port: 8080, tags: ["blue"], meta: { version: 2 }, interfaces: "eth0",
    initial_status: "warning", consul: { enableTagOverride: true, deregisterCriticalServiceAfter: "90s" },
    health: { exec: "true", interval: 1, ttl: 10 },
  }`);
  const eth0 = [{ address: '172.17.0.2', netmask: '255.255.0.0', family: 'IPv4' as const, mac: '', internal: false, cidr: null }];
  assert.deepEqual(serviceDefinition(web, 'host1', { eth0 }), {
    id: 'web-host1',
    name: 'web',
    address: '172.17.0.2',
    port: 8080,
    tags: ['blue'],
    meta: { version: '2' },
    enableTagOverride: true,
    check: { ttlMs: 10_000, status: 'warning', notes: 'TTL for web set by pilotfish', deregisterCriticalServiceAfterMs: 90_000 },
  });
});

test('without initial_status the check starts critical, as Consul advises', () => {
  const web = job('{ name: "web", exec: "x", port: 80, interfaces: "static:10.0.0.1", health: { exec: "true", interval: 1, ttl: 5 } }');
  assert.equal(serviceDefinition(web, 'h', {}).check.status, 'critical');
});
