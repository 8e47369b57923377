// The ACL token, against a real agent with ACLs on (default deny): it is what lets pilotfish
// register, and it appears in no log line and no status, whichever way it was given.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveryStatus } from '../../src/contracts/components.js';
import { ConsulAgent } from '../helpers/consul.js';
import { startSupervisor as startWithControl } from '../helpers/control.js';
import { HealthSwitch, serviceId, serviceJob, startSupervisor, stopRun } from '../helpers/discovery.js';
import { recordingLogger } from '../helpers/log.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

const TOKEN = '5e1f0c2a-7d3b-4c8e-9a61-0b2d4f6e8a10';
let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start({ managementToken: TOKEN });
});
after(() => consul.stop());

test('a token from CONSUL_HTTP_TOKEN_FILE registers the service and never reaches the log', async () => {
  const health = new HealthSwitch().healthy('ok');
  const tokenFile = join(health.dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const run = runConfig(`{ consul: "${consul.address}", logging: { level: "DEBUG" }, jobs: [${serviceJob('secretive', health)}] }`, {
    env: { CONSUL_HTTP_TOKEN_FILE: tokenFile },
  });
  await waitFor(async () => (await consul.passing('secretive')).length === 1, 'registered with the token', 20_000);
  await stopRun(run);
  assert.equal((await consul.services())[serviceId('secretive')], undefined, 'deregistered with the token too');
  assert.ok(!run.output().includes(TOKEN), run.output());
});

test('a refused token is reported without being shown', async () => {
  const wrong = '00000000-dead-beef-0000-000000000000';
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{ consul: { address: "${consul.address}", token: "${wrong}" }, jobs: [${serviceJob('refused', health)}] }`);
  const line = await run.waitForLine(/Consul at .* is failing: HTTP 403/, 20_000);
  await stopRun(run);
  assert.ok(!run.output().includes(wrong), line);
});

test('a refusal about one service is logged once, not after every heartbeat of another', async () => {
  await consul.put('/v1/acl/policy', {
    Name: 'only-allowed',
    Rules: 'service "allowed" { policy = "write" }\nservice_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }',
  });
  const response = await fetch(`http://${consul.address}/v1/acl/token`, {
    method: 'PUT',
    headers: { 'X-Consul-Token': TOKEN },
    body: JSON.stringify({ Policies: [{ Name: 'only-allowed' }] }),
  });
  const { SecretID } = (await response.json()) as { SecretID: string };
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(
    `{ consul: { address: "${consul.address}", token: "${SecretID}" }, jobs: [${serviceJob('allowed', health)}, ${serviceJob('forbidden', health, { port: 8081 })}] }`,
  );
  await waitFor(async () => (await consul.passing('allowed')).length === 1, 'allowed registered', 20_000);
  await run.waitForLine(/Consul at .* is failing: HTTP 403.*"forbidden"/, 20_000);
  // Several retries of the refused registration, and heartbeats of the other every 200 ms.
  await sleep(3000);
  await stopRun(run);
  const lines = run.output().split('\n').filter((line) => /Consul at \S+ is/.test(line));
  assert.equal(lines.length, 1, lines.join('\n'));
});

test("a watch refused for its token says so in its status, without the token", async () => {
  const wrong = '00000000-dead-beef-0000-000000000000';
  const supervisor = await startSupervisor(`{ consul: { address: "${consul.address}", token: "${wrong}" }, watches: [{ name: "upstream", interval: 1 }], jobs: [{ name: "keeper", exec: "sleep 60" }] }`);
  try {
    const watch = await waitFor(() => (supervisor.snapshot().components.discovery as DiscoveryStatus).watches[0]?.error, 'the refusal in the watch status', 20_000);
    assert.match(watch, /HTTP 403/);
    assert.ok(!JSON.stringify(supervisor.snapshot()).includes(wrong), JSON.stringify(supervisor.snapshot()));
  } finally {
    await supervisor.shutdown({ kind: 'request' });
  }
});

test('the status names the agent but not the token, and no log line carries it', async () => {
  const { log, lines } = recordingLogger();
  const health = new HealthSwitch().healthy('ok');
  const supervisor = await startSupervisor(`{ consul: { address: "${consul.address}", token: "${TOKEN}" }, jobs: [${serviceJob('quiet', health)}] }`, log);
  await waitFor(() => (supervisor.snapshot().components.discovery as DiscoveryStatus).services[0]?.check === 'passing', 'a passing check in the status', 20_000);
  const snapshot = JSON.stringify(supervisor.snapshot());
  assert.match(snapshot, new RegExp(`http://${consul.address}`));
  assert.ok(!snapshot.includes(TOKEN), snapshot);
  await supervisor.shutdown({ kind: 'request' });
  assert.ok(!lines.join('\n').includes(TOKEN), lines.join('\n'));
});

test('the control API\'s status names the agent but not the token', async () => {
  const health = new HealthSwitch().healthy('ok');
  const pilotfish = await startWithControl(`{ consul: { address: "${consul.address}", token: "${TOKEN}" }, jobs: [${serviceJob('discreet', health)}] }`);
  try {
    await waitFor(async () => (await consul.passing('discreet')).length === 1, 'discreet registered with the token', 20_000);
    const status = await pilotfish.call('GET', '/v1/status');
    assert.equal(status.json.components.discovery.consul, `http://${consul.address}`);
    assert.ok(!status.body.includes(TOKEN), status.body);
  } finally {
    await pilotfish.stop();
  }
  assert.ok(!pilotfish.output().includes(TOKEN), pilotfish.output());
});
