// ContainerPilot's control endpoints (`/v3`) answer as ContainerPilot's code did, so its sensors
// and scripts keep working against pilotfish.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

describe("ContainerPilot's control endpoints", () => {
  let pilotfish: RunningSupervisor;
  before(async () => {
    pilotfish = await startSupervisor(`{
      telemetry: { port: 0, interfaces: "static:127.0.0.1", metrics: [ { namespace: "app", name: "hits", help: "hits", type: "gauge" } ] },
      jobs: [
        { name: "app", exec: "sh -c 'echo from=$FROM empty=[$EMPTY]; exec sleep 60'" },
        { name: "on-maintenance", exec: "echo maintenance hook", when: { source: "global", each: "enterMaintenance" } },
      ],
    }`);
  });
  after(() => pilotfish.stop());

  it('GET /v3/ping answers 200 with a newline', async () => {
    const response = await pilotfish.call('GET', '/v3/ping');
    assert.equal(response.status, 200);
    assert.equal(response.body, '\n');
  });

  it('POST /v3/environ sets variables (null as ""), and answers 422 to bad JSON', async () => {
    assert.equal((await pilotfish.call('POST', '/v3/environ', { FROM: 'v3', EMPTY: null })).status, 200);
    await pilotfish.call('POST', '/v1/jobs/app/restart');
    await waitFor(async () => (await pilotfish.call('GET', '/v1/logs?job=app')).body.includes('from=v3 empty=[]'), 'the variables in the restarted app');
    assert.equal((await pilotfish.call('POST', '/v3/environ', '{"FROM": ')).status, 422);
    assert.equal((await pilotfish.call('POST', '/v3/environ', { FROM: 7 })).status, 422);
  });

  it('POST /v3/metric sets declared metrics, ignores unknown names with 200, and answers 422 to bad JSON', async () => {
    const response = await pilotfish.call('POST', '/v3/metric', { app_hits: '42', unknown_metric: 1 });
    assert.equal(response.status, 200);
    const { port } = (await pilotfish.call('GET', '/v1/status')).json.components.telemetry;
    const { httpCall } = await import('../helpers/control.js');
    const metrics = await httpCall({ host: '127.0.0.1', port }, 'GET', '/metrics');
    assert.match(metrics.body, /^app_hits 42$/m);
    assert.equal((await pilotfish.call('POST', '/v3/metric', 'nope')).status, 422);
  });

  it('POST /v3/maintenance/enable and /disable answer 200 with an empty body, idempotently, and fire the global events', async () => {
    for (const path of ['/v3/maintenance/enable', '/v3/maintenance/enable']) {
      const response = await pilotfish.call('POST', path);
      assert.equal(response.status, 200);
      assert.equal(response.body, '');
    }
    assert.equal((await pilotfish.call('GET', '/v1/status')).json.maintenance, true);
    await waitFor(async () => (await pilotfish.call('GET', '/v1/logs?job=on-maintenance')).body.includes('maintenance hook'), 'the enterMaintenance hook');
    assert.equal((await pilotfish.call('POST', '/v3/maintenance/disable')).status, 200);
    assert.equal((await pilotfish.call('GET', '/v1/status')).json.maintenance, false);
  });

  it('POST /v3/reload answers 200 and reloads; other methods get 405', async () => {
    assert.equal((await pilotfish.call('POST', '/v3/reload')).status, 200);
    await pilotfish.waitForLine(/config reloaded: no job changed/);
    assert.equal((await pilotfish.call('GET', '/v3/reload')).status, 405);
    assert.equal((await pilotfish.call('POST', '/v3/ping')).status, 405);
  });
});
