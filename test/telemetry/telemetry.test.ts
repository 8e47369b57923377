// The telemetry endpoint of a real supervisor: /metrics read by a real Prometheus text-format
// parser, custom metrics set through the control socket, and ContainerPilot's /status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat, { type MetricFamily, type Sample } from 'parse-prometheus-text-format';
import { httpCall, startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

const CONFIG = `{
  telemetry: {
    port: 0,
    interfaces: ["static:127.0.0.1"],
    metrics: [
      { namespace: "app", subsystem: "queue", name: "depth", help: "Jobs waiting", type: "gauge" },
      { namespace: "app", name: "requests", help: "Requests served", type: "counter" },
      { name: "latency_seconds", help: "Request latency", type: "histogram" },
      { name: "size_bytes", type: "summary" },
    ],
  },
  watches: [ { name: "backend", interval: 60 } ],
  jobs: [
    // A check timeout well above the interval (its default): a check that a loaded machine is slow
    // to spawn must not turn web unhealthy between the test's reads (a stressed run saw it so).
    { name: "web", exec: "sleep 60", port: 8080, interfaces: ["static:10.1.2.3"], health: { exec: "true", interval: "100ms", timeout: "5s", ttl: "10s" } },
    { name: "crashy", exec: "sh -c 'exit 3'", restarts: "unlimited", backoff: { delay: "50ms", limit: "50ms" } },
  ],
}`;

describe('the telemetry endpoint', () => {
  let pilotfish: RunningSupervisor;
  let port: number;
  before(async () => {
    pilotfish = await startSupervisor(CONFIG);
    port = (await pilotfish.call('GET', '/v1/status')).json.components.telemetry.port;
  });
  after(() => pilotfish.stop());

  const scrape = async (): Promise<MetricFamily[]> => {
    const response = await httpCall({ host: '127.0.0.1', port }, 'GET', '/metrics');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parsePrometheusTextFormat(response.body);
  };
  const family = (families: MetricFamily[], name: string): MetricFamily => {
    const found = families.find((candidate) => candidate.name === name);
    assert.ok(found, `no ${name} in ${families.map((f) => f.name).join(', ')}`);
    return found;
  };
  const sample = (found: MetricFamily, labels: Record<string, string>): Sample | undefined =>
    found.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));

  it('listens where telemetry.interfaces says', async () => {
    assert.deepEqual((await pilotfish.call('GET', '/v1/status')).json.components.telemetry, { address: '127.0.0.1', port, tags: [] });
  });

  it("exposes each job's state, health, process and restarts, and the supervisor's info", async () => {
    await waitFor(async () => sample(family(await scrape(), 'pilotfish_job_health'), { job: 'web', health: 'healthy' })?.value === '1', 'web healthy in the metrics');
    await waitFor(async () => Number(sample(family(await scrape(), 'pilotfish_job_restarts_total'), { job: 'crashy' })?.value) >= 2, 'crashy restarts counted');
    const families = await scrape();
    const state = family(families, 'pilotfish_job_state');
    assert.equal(state.type, 'GAUGE');
    assert.equal(sample(state, { job: 'web', state: 'running' })?.value, '1');
    assert.equal(sample(state, { job: 'web', state: 'stopped' })?.value, '0');
    assert.equal(sample(family(families, 'pilotfish_job_up'), { job: 'web' })?.value, '1');
    assert.equal(family(families, 'pilotfish_job_restarts_total').type, 'COUNTER');
    assert.equal(sample(family(families, 'pilotfish_job_restarts_total'), { job: 'web' })?.value, '0');
    assert.equal(sample(family(families, 'pilotfish_info'), {})?.labels?.version, '0.1.0');
    assert.equal(sample(family(families, 'pilotfish_maintenance'), {})?.value, '0');
    assert.ok(Number(sample(family(families, 'pilotfish_events_total'), { kind: 'exitFailed', source: 'crashy' })?.value) >= 1);
    assert.ok(families.some((candidate) => candidate.name === 'process_cpu_user_seconds_total'), "the process' own default metrics");
  });

  it('records health check durations in a histogram, per job and result', async () => {
    const checks = family(await scrape(), 'pilotfish_check_duration_seconds');
    assert.equal(checks.type, 'HISTOGRAM');
    assert.ok(checks.metrics[0]?.buckets?.['+Inf'], 'it has buckets');
    // The parser folds a labelled histogram's series into one, so the per-job series are read from the text.
    const text = (await httpCall({ host: '127.0.0.1', port }, 'GET', '/metrics')).body;
    const count = Number(/^pilotfish_check_duration_seconds_count\{job="web",result="pass"\} (\d+)$/m.exec(text)?.[1]);
    const inf = Number(/^pilotfish_check_duration_seconds_bucket\{le="\+Inf",job="web",result="pass"\} (\d+)$/m.exec(text)?.[1]);
    assert.ok(count >= 1, text);
    assert.equal(inf, count);
    assert.ok(Number(/^pilotfish_check_duration_seconds_sum\{job="web",result="pass"\} ([\d.e-]+)$/m.exec(text)?.[1]) > 0);
  });

  it('sets declared custom metrics through putmetric: gauges set, counters add, histograms and summaries observe', async () => {
    const put = (values: Record<string, number>) => pilotfish.call('POST', '/v1/metrics', values);
    assert.equal((await put({ app_queue_depth: 7, app_requests: 2, latency_seconds: 0.3, size_bytes: 512 })).status, 200);
    assert.equal((await put({ app_queue_depth: 5, app_requests: 3 })).status, 200);
    const families = await scrape();
    assert.equal(family(families, 'app_queue_depth').help, 'Jobs waiting');
    assert.equal(sample(family(families, 'app_queue_depth'), {})?.value, '5');
    assert.equal(sample(family(families, 'app_requests'), {})?.value, '5');
    assert.equal(sample(family(families, 'latency_seconds'), {})?.count, '1');
    assert.equal(family(families, 'latency_seconds').type, 'HISTOGRAM');
    assert.equal(family(families, 'size_bytes').type, 'SUMMARY');
    assert.equal(sample(family(families, 'size_bytes'), {})?.count, '1');
  });

  it('refuses undeclared metric names and non-numbers, setting nothing', async () => {
    const unknown = await pilotfish.call('POST', '/v1/metrics', { app_queue_depth: 1, app_typo: 2 });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error, /no metric named app_typo/);
    assert.equal(sample(family(await scrape(), 'app_queue_depth'), {})?.value, '5');
    assert.equal((await pilotfish.call('POST', '/v1/metrics', { app_queue_depth: 'lots' })).status, 400);
  });

  it("answers ContainerPilot's GET /status", async () => {
    const response = await httpCall({ host: '127.0.0.1', port }, 'GET', '/status');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, {
      Version: '0.1.0',
      // As in ContainerPilot, a job with a port is a service, listed under Services only.
      Jobs: [{ Name: 'crashy', Status: 'unknown' }],
      Services: [{ Name: 'web', Address: '10.1.2.3', Port: 8080, Status: 'healthy' }],
      Watches: ['backend'],
    });
    await pilotfish.call('POST', '/v1/maintenance', { enabled: true });
    const inMaintenance = await httpCall({ host: '127.0.0.1', port }, 'GET', '/status');
    assert.equal(inMaintenance.json.Services[0].Status, 'maintenance');
    assert.equal(inMaintenance.json.Jobs[0].Status, 'maintenance');
    await pilotfish.call('POST', '/v1/maintenance', { enabled: false });
  });
});

it("writes an empty list of ContainerPilot's /status as null, as Go encodes a nil slice", async () => {
  const lone = await startSupervisor('{ telemetry: { port: 0, interfaces: ["static:127.0.0.1"] }, jobs: [{ name: "worker", exec: "sleep 60" }] }');
  try {
    const port = (await lone.call('GET', '/v1/status')).json.components.telemetry.port;
    const response = await httpCall({ host: '127.0.0.1', port }, 'GET', '/status');
    assert.deepEqual(response.json, { Version: '0.1.0', Jobs: [{ Name: 'worker', Status: 'unknown' }], Services: null, Watches: null });
  } finally {
    await lone.stop();
  }
});
