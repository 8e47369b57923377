// How /livez and /readyz judge a snapshot (Pebble's alive/ready levels).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { HealthConfig, JobConfig } from '../../src/config/types.js';
import { runTcpProbe } from '../../src/health/tcp-probe.js';
import type { JobSnapshot } from '../../src/jobs/job.js';
import { liveness, readiness } from '../../src/supervisor/readiness.js';
import type { SupervisorSnapshot } from '../../src/supervisor/supervisor.js';
import { command, jobConfig } from '../helpers/job-config.js';

const check = (level?: HealthConfig['level']): HealthConfig => ({
  probe: { type: 'exec', command: command('true') },
  interval: 1000,
  timeout: 1000,
  threshold: 1,
  successThreshold: 1,
  onUnhealthy: 'ignore',
  rawLogging: false,
  ...(level ? { level } : {}),
});

function snapshot(jobs: JobSnapshot[], extra: Partial<SupervisorSnapshot> = {}): SupervisorSnapshot {
  return { pid: 1, startedAt: '', configFile: '', configHash: '', shuttingDown: false, maintenance: false, jobs, components: {}, ...extra };
}

function job(name: string, fields: Partial<JobSnapshot> = {}): JobSnapshot {
  return { name, state: 'running', health: 'unknown', restarts: 0, ...fields };
}

const CONFIGS: JobConfig[] = [
  jobConfig('core', { health: check('alive') }),
  jobConfig('web', { health: check() }),
  jobConfig('worker'),
  jobConfig('setup'),
];

test('with every checked job healthy and nothing crashing, both pass', () => {
  const all = snapshot([job('core', { health: 'healthy' }), job('web', { health: 'healthy' }), job('worker'), job('setup', { state: 'exited' })]);
  assert.deepEqual(liveness(all, CONFIGS), { ok: true, reasons: [] });
  assert.deepEqual(readiness(all, CONFIGS), { ok: true, reasons: [] });
});

test('a failing ready check fails readiness only', () => {
  const state = snapshot([job('core', { health: 'healthy' }), job('web', { health: 'unhealthy', lastCheck: { ok: false, output: 'HTTP 500\ninternal error\n', durationMs: 3 } })]);
  assert.equal(liveness(state, CONFIGS).ok, true);
  assert.deepEqual(readiness(state, CONFIGS), { ok: false, reasons: ['web is unhealthy: HTTP 500'] });
});

test("the probes, open to anyone, say why a check failed in pilotfish's words, never with the check's output", () => {
  const failing = (output: string) => readiness(snapshot([job('web', { health: 'unhealthy', lastCheck: { ok: false, output, durationMs: 3 } })]), CONFIGS).reasons;
  assert.deepEqual(failing('HTTP 503: {"error":"password hunter2 rejected by db.internal:5432"}'), ['web is unhealthy: HTTP 503']);
  assert.deepEqual(failing('exit status 2\nTraceback: token=s3cr3t\n'), ['web is unhealthy: exit status 2']);
  assert.deepEqual(failing('killed by SIGKILL\nsecret'), ['web is unhealthy: killed by SIGKILL']);
  assert.deepEqual(failing('timed out after 1.5s\nhalf a secret'), ['web is unhealthy: timed out after 1.5s']);
  assert.deepEqual(failing('could not start: spawn /bin/check ENOENT: no /bin/check'), ['web is unhealthy: its check command could not start']);
  assert.deepEqual(failing('ECONNRESET: socket hang up'), ['web is unhealthy: ECONNRESET']);
  assert.deepEqual(failing('something the app printed first'), ['web is unhealthy: its check failed']);
});

test('a network check refused or unresolved says its errno, from what the probes really report', async () => {
  const failing = (output: string) => readiness(snapshot([job('web', { health: 'unhealthy', lastCheck: { ok: false, output, durationMs: 3 } })]), CONFIGS).reasons;
  const port = await closedPort();
  const refusedTcp = await runTcpProbe({ type: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 5000 });
  assert.deepEqual(failing(refusedTcp.output), ['web is unhealthy: ECONNREFUSED'], refusedTcp.output);
  const unresolved = await runTcpProbe({ type: 'tcp', host: 'nowhere.invalid', port }, { timeoutMs: 5000 });
  assert.match(failing(unresolved.output)[0]!, /^web is unhealthy: E(NOTFOUND|AI_AGAIN)$/, unresolved.output);
});

/** A port nothing listens on: one the kernel gave a server that has closed since. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a failing alive check fails both', () => {
  const state = snapshot([job('core', { health: 'unhealthy' }), job('web', { health: 'healthy' })]);
  assert.deepEqual(liveness(state, CONFIGS), { ok: false, reasons: ['core is unhealthy'] });
  assert.deepEqual(readiness(state, CONFIGS).reasons, ['core is unhealthy']);
});

test('a checked job is not ready until its first passing check', () => {
  assert.deepEqual(readiness(snapshot([job('web')]), CONFIGS).reasons, ['web is not healthy yet (running)']);
});

test('jobs without checks count when they crash or fail for good', () => {
  const state = snapshot([job('worker', { state: 'backoff', lastExit: { code: 3, at: '' } }), job('setup', { state: 'failed', lastExit: { code: 1, at: '' } })]);
  assert.equal(liveness(state, CONFIGS).ok, true);
  assert.deepEqual(readiness(state, CONFIGS).reasons, ['worker is restarting after an exit with code 3', 'setup has failed (exit code 1)']);
});

test('maintenance and shutdown take the container out of rotation', () => {
  assert.deepEqual(readiness(snapshot([], { maintenance: true, shuttingDown: true }), CONFIGS).reasons, [
    'pilotfish is shutting down',
    'pilotfish is in maintenance mode',
  ]);
});

test('with no jobs at all, both pass (as Pebble with no checks)', () => {
  assert.equal(liveness(snapshot([]), []).ok, true);
  assert.equal(readiness(snapshot([]), []).ok, true);
});
