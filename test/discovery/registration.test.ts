// Registration in a real Consul agent, through the real `pilotfish` command: what a job with a
// `port` looks like in the catalog, how its TTL check follows its health, and when it leaves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulAgent } from '../helpers/consul.js';
import { HealthSwitch, serviceId, serviceJob, stopRun } from '../helpers/discovery.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

let consul: ConsulAgent;
before(async () => {
  consul = await ConsulAgent.start();
});
after(() => consul.stop());

/**
 * A job that runs until `end()`, however long a loaded machine takes to register it (a job that
 * ran for a fixed time could be gone, and deregistered, before the test saw it registered).
 * `rearm`: the job takes the signal as it ends, so that its next run waits for another.
 */
function endOnCue({ rearm = false } = {}): { exec: string; end(): void } {
  const cue = join(mkdtempSync(join(tmpdir(), 'pilotfish-cue-')), 'end');
  return { exec: `sh -c 'until [ -e ${cue} ]; do sleep 0.05; done${rearm ? `; rm ${cue}` : ''}'`, end: () => writeFileSync(cue, '') };
}

test('a job with a port appears in Consul with its address, port, tags, meta and tag override', async () => {
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{
    consul: "${consul.address}",
    jobs: [${serviceJob('web', health, { extra: 'tags: ["blue", "v2"], meta: { version: "2.1" }, consul: { enableTagOverride: true }' })}],
  }`);
  const registered = await waitFor(async () => (await consul.services())[serviceId('web')], 'web in the agent', 20_000);
  assert.equal(registered.Service, 'web');
  assert.equal(registered.Address, '127.0.0.1');
  assert.equal(registered.Port, 8080);
  assert.deepEqual(registered.Tags, ['blue', 'v2']);
  assert.deepEqual(registered.Meta, { version: '2.1' });
  assert.equal(registered.EnableTagOverride, true);
  await stopRun(run);
});

test("the TTL check follows the job's health both ways, with the check's output", async () => {
  const health = new HealthSwitch().healthy('all good');
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('api', health)}] }`);
  const checkId = `service:${serviceId('api')}`;
  const check = async () => (await consul.checks())[checkId];
  const checkIs = (status: string, output: RegExp) => async () => {
    const current = await check();
    return current?.Status === status && output.test(current.Output);
  };
  await waitFor(checkIs('passing', /all good/), 'a passing check saying "all good"', 20_000);
  // Named by Consul, as ContainerPilot's was: dashboards and templates matching on it keep working.
  assert.equal((await check())?.Name, "Service 'api' check");
  assert.equal((await check())?.Notes, 'TTL for api set by pilotfish');
  // Heartbeats renew it: still passing after more than one TTL (2 s).
  await sleep(3000);
  assert.equal((await check())?.Status, 'passing', run.output());

  health.unhealthy('disk full');
  await waitFor(checkIs('critical', /disk full/), 'a critical check saying "disk full"', 20_000);
  assert.deepEqual(await consul.passing('api'), []);

  health.healthy('recovered');
  await waitFor(checkIs('passing', /recovered/), 'passing again, saying "recovered"', 20_000);
  assert.equal((await consul.passing('api')).length, 1);
  await stopRun(run);
});

test('each completed check renews the TTL, so checks that stall let it lapse as ContainerPilot\'s did', async () => {
  const health = new HealthSwitch().healthy('ok');
  // A check timeout far beyond the TTL: only the TTL can make it critical while checks hang.
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('stalling', health, { interval: '200ms', ttl: '3s', timeout: '60s' })}] }`);
  const check = async () => (await consul.checks())[`service:${serviceId('stalling')}`];
  await waitFor(async () => (await check())?.Status === 'passing', 'stalling passing', 20_000);
  // Checks every 200 ms keep a 3 s TTL alive.
  await sleep(4000);
  assert.equal((await check())?.Status, 'passing', run.output());

  // The next check hangs: the job is still healthy for pilotfish, but no check completes, so no
  // heartbeat goes out and Consul's TTL runs out.
  health.hang();
  await waitFor(async () => (await check())?.Status === 'critical', 'the TTL to lapse', 20_000);
  assert.match((await check())?.Output ?? '', /TTL expired/);
  assert.doesNotMatch(run.output(), /\[stalling\] is unhealthy/);
  await stopRun(run);
});

test('a health.interval that is not below the ttl is warned about at start', async () => {
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('sluggish', health, { interval: '2s', ttl: '2s' })}] }`);
  await run.waitForLine(/WARN .*jobs\[0\]\.health\.interval: 2s is not below health\.ttl \(2s\)/, 20_000);
  await stopRun(run);
});

test('a service whose job was the last to end is deregistered before pilotfish exits', async () => {
  const health = new HealthSwitch().healthy('ok');
  const job = endOnCue();
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('finite', health, { exec: job.exec })}] }`);
  await waitFor(async () => (await consul.services())[serviceId('finite')], 'finite in the agent', 20_000);
  job.end();
  const exit = await run.exited;
  assert.equal(exit.code, 0, run.output());
  assert.equal((await consul.services())[serviceId('finite')], undefined, run.output());
  assert.match(run.output(), /deregistered finite-/);
});

test('SIGTERM deregisters the service before pilotfish exits', async () => {
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{ consul: "${consul.address}", jobs: [${serviceJob('leaving', health)}] }`);
  await waitFor(async () => (await consul.services())[serviceId('leaving')], 'leaving in the agent', 20_000);
  run.signal('SIGTERM');
  const exit = await run.exited;
  assert.equal(exit.code, 143);
  assert.equal((await consul.services())[serviceId('leaving')], undefined, run.output());
  assert.match(run.output(), /deregistered leaving-/);
});

test('a service whose job ended for good is deregistered while pilotfish runs on', async () => {
  const health = new HealthSwitch().healthy('ok');
  const job = endOnCue();
  const run = runConfig(`{
    consul: "${consul.address}",
    jobs: [
      ${serviceJob('brief', health, { exec: job.exec })},
      { name: "keeper", exec: "sleep 60" },
    ],
  }`);
  await waitFor(async () => (await consul.services())[serviceId('brief')], 'brief in the agent', 20_000);
  job.end();
  await waitFor(async () => (await consul.services())[serviceId('brief')] === undefined, 'brief gone from the agent', 20_000);
  assert.equal(run.child.exitCode, null, 'pilotfish is still running');
  await stopRun(run);
});

test('initialStatus registers the service at once, before any check has run', async () => {
  const health = new HealthSwitch();
  const run = runConfig(`{
    consul: "${consul.address}",
    jobs: [${serviceJob('early', health, { interval: '30s', extra: 'initialStatus: "warning"' })}],
  }`);
  const check = await waitFor(async () => (await consul.checks())[`service:${serviceId('early')}`], 'early registered', 20_000);
  assert.equal(check.Status, 'warning');
  await stopRun(run);
});

test('a restart of the job does not deregister it', async () => {
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{
    consul: "${consul.address}",
    jobs: [${serviceJob('bouncy', health, { exec: 'sleep 1', extra: 'restarts: "unlimited", backoff: { delay: "50ms" }' })}],
  }`);
  await waitFor(async () => (await consul.services())[serviceId('bouncy')], 'bouncy in the agent', 20_000);
  await run.waitForLine(/\[bouncy\] restarting/, 20_000);
  await sleep(300);
  assert.ok((await consul.services())[serviceId('bouncy')], 'still registered across the restart');
  await stopRun(run);
});

test('a job whose process exited is critical, saying how it exited, while it waits to restart', async () => {
  const health = new HealthSwitch().healthy('ok');
  const job = endOnCue({ rearm: true });
  // A TTL far longer than the backoff: only pilotfish can make it critical in time.
  const run = runConfig(`{
    consul: "${consul.address}",
    jobs: [${serviceJob('crashy', health, { exec: job.exec, ttl: '60s', extra: 'restarts: "unlimited", backoff: { delay: "12s" }' })}],
  }`);
  const check = async () => (await consul.checks())[`service:${serviceId('crashy')}`];
  await waitFor(async () => (await check())?.Status === 'passing', 'crashy passing', 20_000);
  job.end();
  await run.waitForLine(/\[crashy\] restarting in/, 20_000);
  await waitFor(async () => (await check())?.Status === 'critical', 'crashy critical during its backoff', 10_000);
  assert.match((await check())?.Output ?? '', /exited with code 0/);
  assert.deepEqual(await consul.passing('crashy'), []);
  assert.ok((await consul.services())[serviceId('crashy')], 'still registered: it restarts');
  // Running again and checked: passing again.
  await waitFor(async () => (await check())?.Status === 'passing', 'crashy passing after its restart', 30_000);
  await stopRun(run);
});
