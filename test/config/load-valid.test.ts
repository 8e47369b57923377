// Valid configs: ContainerPilot v3 configs load unchanged, and everything omitted gets its default.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig, loadConfigText } from '../../src/config/load.js';
import type { Config, JobConfig } from '../../src/config/types.js';

// Tests run from dist/test/config; fixtures stay in the source tree.
const FIXTURES = fileURLToPath(new URL('../../../test/config/fixtures/', import.meta.url));

function load(text: string, file = 'app.json5'): Config {
  return loadConfigText(text, file, {});
}

function jobNamed(config: Config, name: string): JobConfig {
  const job = config.jobs.find((candidate) => candidate.name === name);
  assert.ok(job, `no job ${name}`);
  return job;
}

describe('a ContainerPilot v3 config', () => {
  const config = loadConfig(`${FIXTURES}containerpilot-v3.json5`, {});

  it('keeps the top-level settings', () => {
    assert.deepEqual(config.consul, { address: 'localhost:8500', scheme: 'http' });
    assert.deepEqual(config.logging, { level: 'info', format: 'default', output: 'stdout' });
    assert.equal(config.stopTimeout, 10_000);
    assert.deepEqual(config.control, { socket: '/tmp/containerpilot.socket' });
    assert.deepEqual(config.telemetry, {
      port: 9090,
      interfaces: ['eth0:inet', 'inet'],
      tags: ['op'],
      metrics: [{ name: 'example_nginx_connections', help: 'open connections', type: 'gauge' }],
    });
    assert.deepEqual(config.watches, [
      { name: 'backend', interval: 3_000 },
      { name: 'db', interval: 10_000, tag: 'primary', dc: 'dc1' },
    ]);
  });

  it('reads a registered job completely', () => {
    assert.deepEqual(jobNamed(config, 'nginx'), {
      name: 'nginx',
      writtenName: 'nginx',
      exec: { argv: ['nginx', '-g', 'daemon off;'], display: 'nginx -g "daemon off;"' },
      env: {},
      when: { kind: 'event', source: 'setup', event: 'exitSuccess', repeat: 'once' },
      restarts: Infinity,
      backoff: { delay: 500, factor: 2, limit: 30_000, resetAfter: 10_000 },
      stopSignal: 'SIGTERM',
      stopTimeout: 5_000,
      health: {
        probe: {
          type: 'exec',
          command: {
            argv: ['/usr/bin/curl', '--fail', '-s', '-o', '/dev/null', 'http://localhost/health'],
            display: '/usr/bin/curl --fail -s -o /dev/null http://localhost/health',
          },
        },
        interval: 5_000,
        timeout: 5_000,
        threshold: 1,
        successThreshold: 1,
        ttl: 10_000,
        onUnhealthy: 'ignore',
        rawLogging: false,
      },
      notify: false,
      onExit: 'ignore',
      logging: { raw: false },
      port: 80,
      tags: ['web', 'prod'],
      meta: {},
      interfaces: ['eth0', 'static:192.168.1.100'],
      initialStatus: 'warning',
      enableTagOverride: true,
      deregisterCriticalServiceAfter: 600_000,
    });
  });

  it('turns the lifecycle hooks into event triggers', () => {
    assert.deepEqual(jobNamed(config, 'setup').when, { kind: 'event', source: 'consul-agent', event: 'healthy', repeat: 'once', timeout: 60_000 });
    assert.deepEqual(jobNamed(config, 'drain').when, { kind: 'event', source: 'nginx', event: 'stopping', repeat: 'once' });
    assert.deepEqual(jobNamed(config, 'cleanup').when, { kind: 'event', source: 'nginx', event: 'stopped', repeat: 'once' });
    assert.deepEqual(jobNamed(config, 'onchange-backend').when, { kind: 'event', source: 'watch.backend', event: 'changed', repeat: 'each' });
    assert.deepEqual(jobNamed(config, 'on-sighup').when, { kind: 'event', source: 'SIGHUP', event: 'signal', repeat: 'each' });
    assert.deepEqual(jobNamed(config, 'on-sighup').exec?.argv, ['echo', 'on-sighup job fired on SIGHUP']);
  });

  it('runs a periodic job every interval, without limit, with its own timeout', () => {
    const sensor = jobNamed(config, 'sensor');
    assert.deepEqual(sensor.when, { kind: 'interval', interval: 10_000 });
    assert.equal(sensor.restarts, Infinity);
    assert.equal(sensor.timeout, 5_000);
  });

  it('gives jobs without a stopTimeout the top-level one', () => {
    assert.equal(jobNamed(config, 'consul-agent').stopTimeout, 10_000);
  });

  it('names its file and hashes its rendered text', () => {
    assert.equal(config.file, `${FIXTURES}containerpilot-v3.json5`);
    assert.match(config.hash, /^[0-9a-f]{64}$/);
  });

  it('reads the same from its YAML equivalent', () => {
    const yaml = loadConfig(`${FIXTURES}containerpilot-v3.yaml`, {});
    assert.deepEqual({ ...yaml, file: '', hash: '' }, { ...config, file: '', hash: '' });
  });
});

describe('defaults', () => {
  it('fills every omitted field', () => {
    const text = '{ jobs: [{ name: "app", exec: "/bin/app" }] }';
    assert.deepEqual(load(text), {
      file: `${process.cwd()}/app.json5`,
      hash: createHash('sha256').update(text).digest('hex'),
      templateValues: [],
      jobs: [
        {
          name: 'app',
          writtenName: 'app',
          exec: { argv: ['/bin/app'], display: '/bin/app' },
          env: {},
          when: { kind: 'startup' },
          restarts: 0,
          backoff: { delay: 500, factor: 2, limit: 30_000, resetAfter: 10_000 },
          stopSignal: 'SIGTERM',
          stopTimeout: 5_000,
          notify: false,
          onExit: 'ignore',
          logging: { raw: false },
          tags: [],
          meta: {},
          interfaces: ['eth0:inet', 'inet'],
          enableTagOverride: false,
        },
      ],
      watches: [],
      logging: { level: 'info', format: 'default', output: 'stdout' },
      control: { socket: '/var/run/containerpilot.socket' },
      kubernetes: {
        tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        events: true,
        readinessGate: true,
      },
      stopTimeout: 5_000,
      warnings: [],
    });
  });

  it('accepts an empty document: no Consul, no jobs', () => {
    const config = load('{}');
    assert.equal(config.consul, undefined);
    assert.deepEqual(config.jobs, []);
  });

  it('leaves the Kubernetes bridge to the environment, with the service account\'s credentials', () => {
    const { kubernetes } = load('{ kubernetes: { api_server: "https://10.0.0.1:6443", events: false } }');
    assert.deepEqual(kubernetes, {
      apiServer: 'https://10.0.0.1:6443',
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      events: false,
      readinessGate: true,
    });
  });

  it('takes a top-level stopTimeout of 0 to mean 5s, as ContainerPilot does', () => {
    assert.equal(load('{ stopTimeout: 0 }').stopTimeout, 5_000);
  });

  it('fills health check defaults from the interval', () => {
    const job = load('{ jobs: [{ name: "app", health: { tcp: { port: 8080 }, interval: "2s" } }] }').jobs[0];
    assert.deepEqual(job?.health, {
      probe: { type: 'tcp', host: '127.0.0.1', port: 8080 },
      interval: 2_000,
      timeout: 2_000,
      threshold: 1,
      successThreshold: 1,
      onUnhealthy: 'ignore',
      rawLogging: false,
    });
  });

  it('lets a periodic job limit its runs and set its own timeout', () => {
    const job = load('{ jobs: [{ name: "tick", exec: "date", restarts: 3, timeout: "1s", when: { interval: "1m" } }] }').jobs[0];
    assert.equal(job?.restarts, 3);
    assert.equal(job?.timeout, 1_000);
  });

  it('takes a when.timeout of 0 to mean no timeout, as ContainerPilot does', () => {
    const text = '{ jobs: [{ name: "db" }, { name: "app", when: { source: "db", once: "healthy", timeout: 0 } }] }';
    assert.deepEqual(load(text).jobs[1]?.when, { kind: 'event', source: 'db', event: 'healthy', repeat: 'once' });
  });

  it('accepts and ignores `source` and `timeout` next to `interval`, as ContainerPilot does', () => {
    const job = load('{ jobs: [{ name: "tick", when: { interval: "5s", source: "whatever", timeout: "1s" } }] }').jobs[0];
    assert.deepEqual(job?.when, { kind: 'interval', interval: 5_000 });
  });
});

describe('values', () => {
  it('reads log formats in any case, and stdout and stderr in any case, as ContainerPilot did', () => {
    const logging = (fields: string) => load(`{ logging: { ${fields} } }`).logging;
    assert.deepEqual(logging('format: "JSON", output: "STDOUT"'), { level: 'info', format: 'json', output: 'stdout' });
    assert.deepEqual(logging('format: "Text", output: "Stderr"'), { level: 'info', format: 'text', output: 'stderr' });
    assert.equal(logging('output: "/var/log/App.log"').output, '/var/log/App.log');
  });

  it("reads logrus' level names as ContainerPilot did, in any case", () => {
    const level = (name: string) => load(`{ logging: { level: "${name}" } }`).logging.level;
    assert.deepEqual(['trace', 'DEBUG', 'info', 'Warning', 'WARN', 'error', 'fatal', 'PANIC'].map(level), ['debug', 'debug', 'info', 'warn', 'warn', 'error', 'error', 'error']);
  });

  it('reads durations as Go strings or seconds', () => {
    const text = `{
      stopTimeout: "1m30s",
      jobs: [{ name: "app", timeout: 1.5, stopTimeout: "250ms", when: { timeout: "10" },
               backoff: { delay: "1s", limit: "2h", resetAfter: "1.5m", factor: 3 } }],
    }`;
    const config = load(text);
    const [job] = config.jobs;
    assert.equal(config.stopTimeout, 90_000);
    assert.equal(job?.timeout, 1_500);
    assert.equal(job?.stopTimeout, 250);
    assert.deepEqual(job?.when, { kind: 'startup', timeout: 10_000 });
    assert.deepEqual(job?.backoff, { delay: 1_000, factor: 3, limit: 7_200_000, resetAfter: 90_000 });
  });

  it('accepts snake_case for every key but leaves the keys of env and meta alone', () => {
    const text = `{
      stop_timeout: "2s",
      jobs: [{
        name: "app",
        stop_signal: "int",
        on_exit: "shutdownOnFailure",
        env: { MY_VAR: "x", "dotted.name": true, port: 8080 },
        meta: { build_id: "42" },
        health: { http: { url: "http://localhost/", expect_status: [200, 204] }, interval: 1, success_threshold: 2, on_unhealthy: "restart" },
        consul: { enable_tag_override: true, deregister_critical_service_after: "1m" },
      }],
    }`;
    const [job] = load(text).jobs;
    assert.equal(job?.stopSignal, 'SIGINT');
    assert.equal(job?.stopTimeout, 2_000);
    assert.equal(job?.onExit, 'shutdownOnFailure');
    assert.deepEqual(job?.env, { MY_VAR: 'x', 'dotted.name': 'true', port: '8080' });
    assert.deepEqual(job?.meta, { build_id: '42' });
    assert.equal(job?.health?.successThreshold, 2);
    assert.equal(job?.health?.onUnhealthy, 'restart');
    assert.deepEqual(job?.health?.probe, { type: 'http', url: 'http://localhost/', method: 'GET', headers: {}, expectStatus: [200, 204] });
    assert.equal(job?.enableTagOverride, true);
    assert.equal(job?.deregisterCriticalServiceAfter, 60_000);
  });

  it("accepts a key in any case, as ContainerPilot's decoder did, but leaves the keys of env alone", () => {
    const text = `{
      StopTimeout: "2s",
      Jobs: [{
        Name: "app",
        EXEC: "sleep 1",
        stoptimeout: "3s",
        INITIAL_STATUS: "warning",
        Restarts: 2,
        when: { Source: "SIGHUP" },
        env: { Mode: "a", mode: "b" },
      }],
    }`;
    const config = load(text);
    const [job] = config.jobs;
    assert.equal(config.stopTimeout, 2_000);
    assert.equal(job?.name, 'app');
    assert.deepEqual(job?.exec?.argv, ['sleep', '1']);
    assert.equal(job?.stopTimeout, 3_000);
    assert.equal(job?.initialStatus, 'warning');
    assert.equal(job?.restarts, 2);
    assert.deepEqual(job?.when, { kind: 'event', source: 'SIGHUP', event: 'signal', repeat: 'each' });
    assert.deepEqual(job?.env, { Mode: 'a', mode: 'b' });
  });

  it('reads the consul block as a URL or an object', () => {
    assert.deepEqual(load('{ consul: "https://consul.service:8501" }').consul, { address: 'consul.service:8501', scheme: 'https' });
    assert.deepEqual(load('{ consul: "consul" }').consul, { address: 'consul', scheme: 'http' });
    assert.deepEqual(load('{ consul: "[::1]:8500" }').consul, { address: '[::1]:8500', scheme: 'http' });
    const object = '{ consul: { address: "consul:8500", token: "t", tls: { cafile: "/ca.pem", verify: true } } }';
    assert.deepEqual(load(object).consul, { address: 'consul:8500', scheme: 'http', token: 't', tls: { cafile: '/ca.pem', verify: true } });
  });

  it('reads every probe form', () => {
    const probeOf = (health: string) => load(`{ jobs: [{ name: "app", health: { ${health}, interval: 1 } }] }`).jobs[0]?.health?.probe;
    assert.deepEqual(probeOf('http: "https://localhost:8443/ready"'), { type: 'http', url: 'https://localhost:8443/ready', method: 'GET', headers: {} });
    assert.deepEqual(probeOf('http: { url: "http://x/", method: "HEAD", headers: { Host: "example.com" } }'), {
      type: 'http',
      url: 'http://x/',
      method: 'HEAD',
      headers: { Host: 'example.com' },
    });
    assert.deepEqual(probeOf('tcp: "db:5432"'), { type: 'tcp', host: 'db', port: 5432 });
    assert.deepEqual(probeOf('tcp: "[::1]:80"'), { type: 'tcp', host: '::1', port: 80 });
    assert.deepEqual(probeOf('tcp: { host: "db", port: "5432" }'), { type: 'tcp', host: 'db', port: 5432 });
    assert.deepEqual(probeOf('exec: ["pg_isready", "-q"]'), { type: 'exec', command: { argv: ['pg_isready', '-q'], display: 'pg_isready -q' } });
  });

  it('reads log levels in any case, FATAL and PANIC as error', () => {
    assert.equal(load('{ logging: { level: "debug" } }').logging.level, 'debug');
    assert.equal(load('{ logging: { level: "Warn" } }').logging.level, 'warn');
    assert.equal(load('{ logging: { level: "FATAL", format: "json", output: "/var/log/pilotfish.log" } }').logging.level, 'error');
    assert.equal(load('{ logging: { level: "panic" } }').logging.level, 'error');
  });

  it('takes a port given as a string, as ContainerPilot\'s weak decoding did', () => {
    const text = '{ jobs: [{ name: "web", port: "8080", health: { exec: "true", interval: 5, ttl: 10 } }] }';
    assert.equal(load(text).jobs[0]?.port, 8080);
  });

  it('accepts a single interface spec, restarts as a digit string, `main` and `$schema`', () => {
    const config = load('{ $schema: "./pilotfish.schema.json", main: "app", jobs: [{ name: "app", interfaces: "eth1", restarts: "2" }] }');
    assert.equal(config.main, 'app');
    assert.deepEqual(config.jobs[0]?.interfaces, ['eth1']);
    assert.equal(config.jobs[0]?.restarts, 2);
  });

  it('allows unlimited restarts for a signal job, as ContainerPilot does', () => {
    assert.equal(load('{ jobs: [{ name: "hup", restarts: "unlimited", when: { source: "SIGUSR2" } }] }').jobs[0]?.restarts, Infinity);
  });

  it('accepts jobs hooked on global events, and chains without cycles', () => {
    const text = `{ jobs: [
      { name: "a", when: { source: "global", once: "startup" } },
      { name: "b", when: { source: "a", once: "exitSuccess" } },
      { name: "c", when: { source: "b", each: "exitFailed" } },
      { name: "d", when: { source: "b", once: "stopped" } },
    ] }`;
    assert.deepEqual(
      load(text).jobs.map((job) => job.when.kind === 'event' && job.when.source),
      ['global', 'a', 'b', 'b'],
    );
  });
});

describe('warnings', () => {
  it('warns of a source that names nothing, with a suggestion, and runs the rest (ContainerPilot configs leave hooks on a job a template left out)', () => {
    const config = load(`{
  watches: [{ name: "backend", interval: 5 }],
  jobs: [
    { name: "db", exec: "true" },
    { name: "app", exec: "true", when: { source: "dbb", once: "exitSuccess" } },
    { name: "hook", exec: "true", when: { source: "watch.backnd", each: "changed" } },
  ],
}`);
    assert.deepEqual(config.warnings, [
      'app.json5:5:42: jobs[1].when.source: unknown event source "dbb"; did you mean "db"? (a source is a job name, "watch.<name>", "global", "SIGHUP" or "SIGUSR2"): this job never starts',
      'app.json5:6:43: jobs[2].when.source: there is no watch named "backnd"; did you mean "backend"? (a "watch.<name>" source names one of `watches`): this job never starts',
    ]);
  });

  it('warns of a job waiting for health events from a job that has neither a health check nor notify', () => {
    const text = `{ jobs: [
      { name: "app", exec: "sleep 30" },
      { name: "after", exec: "true", when: { source: "app", once: "healthy" } },
      { name: "checked", exec: "sleep 30", health: { exec: "true", interval: 1, ttl: 5 } },
      { name: "notifying", exec: "sleep 30", notify: true },
      { name: "fine", exec: "true", when: { source: "checked", each: "unhealthy" } },
      { name: "ready", exec: "true", when: { source: "notifying", once: "healthy" } },
    ] }`;
    assert.deepEqual(load(text).warnings, [
      'app.json5:3:38: jobs[1].when: waits for healthy from app, which has no health check and no notify, so never publishes it: this job never starts',
    ]);
  });

  it('warns of a Consul service checked no more often than its TTL: the check would lapse between heartbeats', () => {
    const jobs = `
      { name: "slow", exec: "x", port: 80, health: { exec: "true", interval: 10, ttl: 10 } },
      { name: "fast", exec: "x", port: 81, health: { exec: "true", interval: 1, ttl: 10 } },
      { name: "worker", exec: "x", health: { exec: "true", interval: 10, ttl: 5 } },`;
    assert.deepEqual(load(`{ consul: "localhost:8500", jobs: [${jobs}] }`).warnings, [
      'app.json5:2:68: jobs[0].health.interval: 10s is not below health.ttl (10s): the Consul check will lapse to critical between checks',
    ]);
    // Without Consul the TTL has no catalog entry to lapse; a job with no port is no service.
    assert.deepEqual(load(`{ jobs: [${jobs}] }`).warnings, []);
  });
});
