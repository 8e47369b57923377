// The `pilotfish status` table as an operator reads it: fitted to the terminal's width (never at
// the cost of a job's name), components in words, and `-` where a job has no health to report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus } from '../../src/cli/status-table.js';
import type { JobView, StatusView } from '../../src/control/status-view.js';

const WORKER = 'report-worker';
const LONG_CHECK = `HTTP 503: ${'upstream connect error or disconnect/reset before headers. '.repeat(5)}END`;

function job(name: string, fields: Partial<JobView> = {}): JobView {
  return { name, state: 'running', health: 'unknown', restarts: 0, checks: true, ...fields };
}

const STATUS: StatusView = {
  version: '0.1.0',
  pid: 1,
  startedAt: '2026-01-01T12:00:00.000Z',
  uptimeSeconds: 3_725,
  configFile: '/etc/pilotfish/pilotfish.json5',
  configHash: 'f'.repeat(64),
  maintenance: false,
  shuttingDown: false,
  jobs: [
    job('web', { health: 'healthy', pid: 4242, restarts: 2, uptimeSeconds: 125, lastExit: { code: 137, signal: 'SIGKILL', at: '' }, lastCheck: { ok: true, output: 'HTTP 200: ok', durationMs: 3 } }),
    job(WORKER, { pid: 4300, uptimeSeconds: 7, checks: false }),
    job('api', { health: 'unhealthy', pid: 4400, uptimeSeconds: 60, lastCheck: { ok: false, output: LONG_CHECK, durationMs: 9 } }),
    job('migrate', { state: 'failed', restarts: 3, checks: false, lastExit: { code: 3, at: '' } }),
  ],
  envSet: [],
  components: {
    control: { socket: '/var/run/containerpilot.socket', listening: true },
    telemetry: { address: '0.0.0.0', port: 9090, tags: [] },
    discovery: {
      consul: 'localhost:8500',
      services: [
        { id: 'web-1', name: 'web', state: 'registered', maintenance: false },
        { id: 'api-1', name: 'api', state: 'registered', maintenance: false },
        { id: 'containerpilot-1', name: 'containerpilot', state: 'registered', maintenance: false },
        { id: 'worker-1', name: 'worker', state: 'waiting', maintenance: false },
      ],
      watches: [{ name: 'db', state: 'watching', instances: 3 }],
    },
    kubernetes: { object: 'shop/web-0', synced: true, statusWrites: 12, eventWrites: 3 },
  },
};

const lines = (width?: number) => formatStatus(STATUS, { width }).trimEnd().split('\n');
const rowOf = (output: string[], name: string) => output.find((line) => line.startsWith(`${name} `)) ?? '';

describe('the status table', () => {
  it('without a width (not a terminal) cuts nothing: the whole check output is there', () => {
    const output = lines();
    assert.ok(rowOf(output, 'api').endsWith(`fail: ${LONG_CHECK.trim()}`), rowOf(output, 'api'));
    assert.ok(output.every((line) => !line.includes('…')));
  });

  for (const width of [40, 80, 200]) {
    it(`at ${width} columns every line fits, and no job's name is cut`, () => {
      const output = lines(width);
      for (const line of output) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
      for (const name of ['web', WORKER, 'api', 'migrate']) assert.ok(rowOf(output, name), `the row of ${name} in:\n${output.join('\n')}`);
      assert.ok(rowOf(output, 'api').endsWith('…'), 'the long check output is cut with an ellipsis');
    });
  }

  it('gives the room to the widest free-text column first: at 200 columns LAST EXIT is whole, LAST CHECK is cut', () => {
    const output = lines(200);
    assert.match(rowOf(output, 'web'), /137 \(SIGKILL\)\s+ok: HTTP 200: ok$/);
    assert.equal(rowOf(output, 'api').length, 200);
    assert.ok(rowOf(output, 'api').includes('fail: HTTP 503: upstream connect error'));
  });

  it('at 80 columns keeps every column, the free-text ones cut down to their headings', () => {
    const output = lines(80);
    assert.match(output[2] ?? '', /^JOB\s+STATE\s+HEALTH\s+PID\s+RESTARTS\s+UPTIME\s+LAST EXIT {2}LAST CHECK$/);
    assert.match(rowOf(output, 'web'), /^web\s+running\s+healthy\s+4242\s+2\s+2m5s\s+137 \(SIG… {2}ok: HTTP …$/);
    assert.match(rowOf(output, 'api'), /^api\s+running\s+unhealthy\s+4400\s+0\s+1m0s\s+- {10}fail: HTT…$/);
  });

  it('on a terminal too narrow for the columns, cuts each line at its edge but never inside a name', () => {
    const name = 'nightly-report-generator-for-the-finance-team';
    const output = formatStatus({ ...STATUS, jobs: [job(name, { pid: 4300 }), job('web')] }, { width: 40 }).split('\n');
    assert.equal(output.find((line) => line.startsWith(name)), `${name}…`);
    assert.equal(rowOf(output, 'web'), `web${' '.repeat(name.length - 'web'.length)}…`);
  });

  it('shows - as the health of jobs without checks, and their state as it is', () => {
    const output = lines();
    assert.match(rowOf(output, WORKER), new RegExp(`^${WORKER}\\s+running\\s+-\\s+4300\\s`));
    assert.match(rowOf(output, 'migrate'), /^migrate\s+failed\s+-\s+-\s+3\s+-\s+3\s+-$/);
    assert.match(rowOf(output, 'web'), /^web\s+running\s+healthy\s+4242\s+2\s+2m5s\s+137 \(SIGKILL\)\s+ok: HTTP 200: ok$/);
  });

  it('says under the table what each waiting job waits for, one line each, fitted to the width', () => {
    const status: StatusView = {
      ...STATUS,
      jobs: [
        ...STATUS.jobs,
        job('app', { state: 'idle', checks: false, waitingFor: 'healthy from db' }),
        job('rotate-logs', { state: 'idle', checks: false, waitingFor: 'its next run (every 1h)' }),
        job('migrate-late', { state: 'idle', checks: false, waitingFor: 'healthy from db', waitingUntil: '2026-01-01T12:05:00.000Z' }),
      ],
    };
    const output = formatStatus(status).trimEnd().split('\n');
    const table = output.indexOf('');
    const waits = output.slice(output.indexOf('', table + 1) + 1).slice(0, 3);
    assert.deepEqual(waits, [
      'app waits for healthy from db',
      'rotate-logs waits for its next run (every 1h)',
      'migrate-late waits for healthy from db, until 2026-01-01T12:05:00.000Z (its when.timeout)',
    ]);
    assert.ok(formatStatus(status, { width: 20 }).split('\n').includes('app waits for healt…'));
    assert.ok(formatStatus(status, { width: 8 }).split('\n').includes('rotate-logs…'), 'cut after the name, never inside it');
    assert.ok(!lines().some((line) => line.includes('waits for')), 'no such lines when no job waits');
  });

  it('says in words what each component does, one line each', () => {
    const output = lines();
    assert.deepEqual(output.slice(-4), [
      'control: listening on /var/run/containerpilot.socket',
      'telemetry: metrics at http://0.0.0.0:9090/metrics',
      'discovery: consul localhost:8500, 3 registered, 1 waiting, 1 watch',
      'kubernetes: writing status of autopilot shop/web-0, in sync, 12 status writes, 3 events posted',
    ]);
  });

  it('says what is wrong with a component: a failed listen, a Consul it cannot reach, a failing write', () => {
    const troubled = formatStatus({
      ...STATUS,
      components: {
        telemetry: { error: 'listen EADDRINUSE: address already in use 0.0.0.0:9090' },
        discovery: { consul: 'consul:8500', services: [{ id: 'web-1', name: 'web', state: 'registering', maintenance: false, error: 'connect ECONNREFUSED' }], watches: [{ name: 'db', state: 'waiting', instances: 0, error: 'connect ECONNREFUSED' }] },
        kubernetes: { object: 'shop/web-0', synced: false, statusWrites: 4, eventWrites: 0 },
        serviceManager: { socket: '/run/systemd/notify', ready: true, stopping: false },
        future: { mode: 'on', items: [1, 2] },
      },
    }).trimEnd().split('\n');
    assert.deepEqual(troubled.slice(-5), [
      'telemetry: not serving: listen EADDRINUSE: address already in use 0.0.0.0:9090',
      'discovery: consul consul:8500, 1 registering, 1 failing to register, 1 watch (1 waiting, 1 failing): connect ECONNREFUSED',
      'kubernetes: writing status of autopilot shop/web-0, the last write failed, retrying, 4 status writes, 0 events posted',
      'service manager: notifying /run/systemd/notify, READY=1 sent',
      'future: mode=on, items=[1,2]',
    ]);
  });

  it('counts the watches on Kubernetes Services as it does Consul watches, and says nothing of them when there are none', () => {
    const watching = (watches: unknown[]) => formatStatus({ ...STATUS, components: { ...STATUS.components, kubernetesWatches: watches } }).trimEnd().split('\n');
    const backend = { name: 'backend', source: 'kubernetes', state: 'watching', instances: 2 };
    const orders = { name: 'orders', source: 'kubernetes', state: 'waiting', instances: 0, error: 'list discovery.k8s.io/endpointslices: HTTP 403 Forbidden' };
    assert.equal(watching([backend, orders]).at(-1), 'kubernetes watches: 2 watches (1 waiting, 1 failing)');
    assert.deepEqual(watching([]), lines());
  });

  it('keeps escape sequences of a check out of the terminal, and its lines on one', () => {
    const output = formatStatus({ ...STATUS, jobs: [job('web', { lastCheck: { ok: false, output: 'bad\n\u001b[2Jcleared\r\nscreen', durationMs: 1 } })] });
    assert.match(output, /fail: bad \?\[2Jcleared screen\n/);
  });
});
