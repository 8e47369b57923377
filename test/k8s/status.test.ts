import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../src/config/types.js';
import type { WatchStatus } from '../../src/contracts/components.js';
import type { JobSnapshot } from '../../src/jobs/job.js';
import { buildStatus } from '../../src/k8s/status.js';
import type { AutopilotStatus, ConditionType } from '../../src/k8s/resource.js';
import type { SupervisorSnapshot } from '../../src/supervisor/supervisor.js';
import { jobConfig } from '../helpers/job-config.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const CHECKED: Partial<JobConfig> = { health: { probe: { type: 'tcp', host: '127.0.0.1', port: 80 }, interval: 1000, timeout: 1000, threshold: 1, successThreshold: 1, onUnhealthy: 'ignore', rawLogging: false } as JobConfig['health'] };

function job(name: string, fields: Partial<JobSnapshot> = {}): JobSnapshot {
  return { name, state: 'running', health: 'unknown', restarts: 0, ...fields };
}

function statusOf(jobs: JobSnapshot[], options: { configs?: JobConfig[]; snapshot?: Partial<SupervisorSnapshot> } = {}): AutopilotStatus {
  const snapshot: SupervisorSnapshot = {
    pid: 1,
    startedAt: '2026-01-01T11:00:00.000Z',
    configFile: '/app/pilotfish.json5',
    configHash: 'abc123',
    shuttingDown: false,
    maintenance: false,
    jobs,
    components: {},
    ...options.snapshot,
  };
  const configs = options.configs ?? jobs.map((each) => jobConfig(each.name));
  return buildStatus(snapshot, { jobConfigs: new Map(configs.map((config) => [config.name, config])), version: '0.1.0', generation: 3, previousConditions: [], now: NOW });
}

function condition(status: AutopilotStatus, type: ConditionType): { status: string; reason: string; message: string } {
  const found = status.conditions.find((each) => each.type === type);
  assert.ok(found, `no ${type} condition`);
  return { status: found.status, reason: found.reason, message: found.message };
}

describe('Autopilot status', () => {
  it('is Ready when every job is in good standing: running, healthy if checked, hooks done or waiting', () => {
    const status = statusOf(
      [job('web', { health: 'healthy', pid: 42 }), job('sidecar'), job('preStart', { state: 'exited', lastExit: { code: 0, at: '2026-01-01T11:00:01Z' } }), job('preStop', { state: 'idle' })],
      { configs: [jobConfig('web', CHECKED), jobConfig('sidecar'), jobConfig('preStart'), jobConfig('preStop')] },
    );
    assert.deepEqual(condition(status, 'Ready'), { status: 'True', reason: 'Ready', message: '4 of 4 jobs in good standing' });
    assert.equal(condition(status, 'JobsHealthy').reason, 'AllJobsHealthy');
    assert.equal(condition(status, 'Degraded').status, 'False');
    assert.equal(status.jobsHealthy, '4/4');
  });

  it('is not Ready while a checked job has not passed its check yet, without being Degraded', () => {
    const status = statusOf([job('web')], { configs: [jobConfig('web', CHECKED)] });
    assert.deepEqual(condition(status, 'Ready'), { status: 'False', reason: 'JobsStarting', message: 'web is starting; 0 of 1 jobs in good standing' });
    assert.equal(condition(status, 'Degraded').status, 'False');
  });

  it('names the worst job: a failure outranks a failing check, which outranks a restart', () => {
    const status = statusOf([
      job('cache', { state: 'backoff', restarts: 2, lastExit: { code: 137, signal: 'SIGKILL', at: '2026-01-01T11:59:00Z' } }),
      job('web', { health: 'unhealthy', lastCheck: { ok: false, output: 'GET / 503\nconnection refused', durationMs: 3.4 } }),
      job('worker', { state: 'failed', restarts: 3, lastExit: { code: 2, at: '2026-01-01T11:58:00Z' } }),
    ]);
    assert.deepEqual(condition(status, 'Ready'), { status: 'False', reason: 'JobFailed', message: 'worker exited with code 2 and will not be restarted; 0 of 3 jobs in good standing' });
    assert.deepEqual(condition(status, 'Degraded'), { status: 'True', reason: 'JobFailed', message: 'worker exited with code 2 and will not be restarted' });
    const withoutFailure = statusOf([job('cache', { state: 'backoff', lastExit: { code: 137, signal: 'SIGKILL', at: '' } }), job('web', { health: 'unhealthy', lastCheck: { ok: false, output: 'connection refused', durationMs: 1 } })]);
    assert.equal(condition(withoutFailure, 'JobsHealthy').message, 'web is unhealthy: connection refused; 0 of 2 jobs in good standing');
    assert.equal(statusOf([job('cache', { state: 'backoff', lastExit: { code: 137, signal: 'SIGKILL', at: '' } })]).conditions[0]?.message, 'cache was killed by SIGKILL and waits to restart; 0 of 1 jobs in good standing');
  });

  it('says ShuttingDown on the last write, and Maintenance when out of rotation', () => {
    assert.equal(condition(statusOf([job('web', { state: 'stopped' })], { snapshot: { shuttingDown: true } }), 'Ready').reason, 'ShuttingDown');
    assert.equal(condition(statusOf([job('web')], { snapshot: { maintenance: true } }), 'Ready').reason, 'Maintenance');
  });

  it('counts restarts over all jobs and carries identity, version, config hash and generation', () => {
    const status = statusOf([job('a', { restarts: 2 }), job('b', { restarts: 5 })]);
    assert.equal(status.restarts, 7);
    assert.equal(status.version, '0.1.0');
    assert.equal(status.configHash, 'abc123');
    assert.equal(status.observedGeneration, 3);
    assert.equal(status.startedAt, '2026-01-01T11:00:00.000Z');
  });

  it("lists each job's state, health, restarts, pid, last exit, the tail of its last check and what it waits for, and nothing else", () => {
    const longOutput = `${'x'.repeat(1000)}END`;
    const [row] = statusOf([
      job('web', { pid: 42, health: 'healthy', restarts: 1, startedAt: '2026-01-01T11:30:00.000Z', lastExit: { code: 1, at: '2026-01-01T11:29:59.000Z' }, lastCheck: { ok: true, output: longOutput, durationMs: 12.7 }, statusText: 'serving', waitingFor: 'healthy from db', waitingUntil: '2026-01-01T12:05:00.000Z' }),
    ]).jobs;
    assert.ok(row);
    assert.deepEqual(Object.keys(row).sort(), ['health', 'lastCheck', 'lastExit', 'name', 'pid', 'restarts', 'startedAt', 'state', 'statusText', 'waitingFor', 'waitingUntil']);
    assert.equal(row.lastCheck?.output.length, 256);
    assert.ok(row.lastCheck?.output.endsWith('END'));
    assert.equal(row.lastCheck?.durationMs, 13);
    assert.deepEqual(row.lastExit, { code: 1, at: '2026-01-01T11:29:59.000Z' });
  });

  it('reports discovery as Disabled without Consul, leaves ConsulRegistered out and Ready to the jobs', () => {
    const status = statusOf([job('web')]);
    assert.deepEqual(status.discovery, { state: 'Disabled', services: [] });
    assert.deepEqual(status.conditions.map((each) => each.type), ['Ready', 'JobsHealthy', 'Degraded']);
    assert.equal(condition(status, 'Ready').status, 'True');
  });

  it('is ConsulRegistered when Consul has every advertised service, or when none is advertised', () => {
    const registered = statusOf([job('web')], { snapshot: { components: { discovery: { consul: 'http://consul:8500', services: [{ id: 'web-pod', name: 'web', maintenance: false, state: 'registered', check: 'passing' }], watches: [] } } } });
    assert.deepEqual(condition(registered, 'ConsulRegistered'), { status: 'True', reason: 'Registered', message: 'registered web with Consul at http://consul:8500' });
    const watchesOnly = statusOf([job('web')], { snapshot: { components: { discovery: { consul: 'http://consul:8500', services: [], watches: [] } } } });
    assert.deepEqual(condition(watchesOnly, 'ConsulRegistered'), { status: 'True', reason: 'NothingToRegister', message: 'no job is advertised to Consul at http://consul:8500' });
    assert.equal(condition(watchesOnly, 'Ready').status, 'True');
  });

  it('with only watches, is ConsulUnavailable while their queries fail, naming the agent, and True once they answer', () => {
    const watching = (watch: Pick<WatchStatus, 'state' | 'instances' | 'error' | 'failingSince'>) => statusOf([job('web')], { snapshot: { components: { discovery: { consul: 'http://127.0.0.1:8500', services: [], watches: [{ name: 'db', source: 'consul', ...watch }] } } } });
    const failing = watching({ state: 'waiting', instances: 0, error: 'connect ECONNREFUSED 127.0.0.1:8500', failingSince: '2026-01-01T11:59:00.000Z' });
    assert.deepEqual(condition(failing, 'ConsulRegistered'), { status: 'False', reason: 'ConsulUnavailable', message: 'Consul at http://127.0.0.1:8500 fails: connect ECONNREFUSED 127.0.0.1:8500' });
    assert.equal(condition(failing, 'Ready').reason, 'ConsulUnavailable');
    assert.equal(condition(failing, 'Degraded').reason, 'ConsulUnavailable');
    const answering = watching({ state: 'watching', instances: 2 });
    assert.deepEqual(condition(answering, 'ConsulRegistered'), { status: 'True', reason: 'NothingToRegister', message: 'no job is advertised to Consul at http://127.0.0.1:8500' });
    assert.equal(condition(answering, 'Ready').status, 'True');
  });

  it('holds Ready back until Consul has the services, and marks an unreachable agent Degraded', () => {
    const registering = statusOf([job('web')], { snapshot: { components: { discovery: { consul: '127.0.0.1:8500', services: [{ id: 'web-pod', name: 'web', maintenance: false, state: 'registering' }], watches: [] } } } });
    assert.deepEqual(condition(registering, 'Ready'), { status: 'False', reason: 'Registering', message: 'registering web with Consul at 127.0.0.1:8500' });
    const unreachable = statusOf([job('web')], { snapshot: { components: { discovery: { consul: '127.0.0.1:8500', services: [{ id: 'web-pod', name: 'web', maintenance: false, state: 'registered', error: 'connect ECONNREFUSED' }], watches: [] } } } });
    assert.equal(condition(unreachable, 'Degraded').reason, 'ConsulUnavailable');
    assert.deepEqual(condition(unreachable, 'ConsulRegistered'), { status: 'False', reason: 'ConsulUnavailable', message: 'Consul at 127.0.0.1:8500 fails: connect ECONNREFUSED' });
    assert.equal(unreachable.discovery.message, 'connect ECONNREFUSED');
  });

  it('lists every watch, Consul and Kubernetes, with the error of one that fails', () => {
    const status = statusOf([job('web')], {
      snapshot: {
        components: {
          discovery: { consul: '127.0.0.1:8500', services: [], watches: [{ name: 'db', source: 'consul', state: 'watching', instances: 2, lastChange: '2026-01-01T11:30:00.000Z' }] },
          kubernetesWatches: [
            { name: 'backend', source: 'kubernetes', state: 'waiting', instances: 0, error: 'list discovery.k8s.io/endpointslices: HTTP 403 Forbidden: denied', failingSince: '2026-01-01T11:59:00.000Z' },
          ],
        },
      },
    });
    assert.deepEqual(status.watches, [
      { name: 'db', source: 'consul', state: 'watching', instances: 2 },
      { name: 'backend', source: 'kubernetes', state: 'waiting', instances: 0, error: 'list discovery.k8s.io/endpointslices: HTTP 403 Forbidden: denied' },
    ]);
    assert.deepEqual(statusOf([job('web')]).watches, []);
  });
});
