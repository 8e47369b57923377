// ContainerPilot's CONTAINERPILOT_<JOB>_IP (core/app.go): every job with a `port` is a service
// whose advertised address (from its `interfaces`) is exported to every process started, and so is
// the telemetry endpoint's, as the service "containerpilot".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAddress } from '../../src/util/network-interfaces.js';
import { serviceAddresses } from '../../src/supervisor/environment.js';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';
import { jobConfig } from '../helpers/job-config.js';

const dumpEnv = (file: string) => ['/bin/sh', '-c', `env > ${file}.tmp && mv ${file}.tmp ${file}; sleep 30`];
const dumpEnvOnce = (file: string) => ['/bin/sh', '-c', `env > ${file}.tmp && mv ${file}.tmp ${file}`];

function readEnv(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

test('jobs, hooks and exec checks all see CONTAINERPILOT_<SERVICE>_IP for every service, the telemetry endpoint included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-ip-'));
  const files = { app: join(dir, 'app.env'), hook: join(dir, 'hook.env'), check: join(dir, 'check.env'), plain: join(dir, 'plain.env') };
  const run = runConfig(
    JSON.stringify({
      jobs: [
        { name: 'my-app', exec: dumpEnv(files.app), port: 8080, interfaces: ['static:10.1.2.3'], health: { exec: ['/bin/sh', '-c', `env > ${files.check}`], interval: '1s', ttl: '10s' } },
        { name: 'db', exec: ['sleep', '30'], port: 5432, interfaces: ['lo'], health: { tcp: '127.0.0.1:1', interval: '5s', ttl: '10s' } },
        { name: 'hook', exec: dumpEnvOnce(files.hook), when: { source: 'my-app', once: 'healthy' } },
        { name: 'plain', exec: dumpEnv(files.plain) },
      ],
      telemetry: { port: 0, interfaces: ['static:127.0.0.1'] },
    }),
  );
  t.after(async () => {
    run.signal('SIGTERM');
    await run.exited;
  });
  await waitFor(() => Object.values(files).every((file) => existsSync(file)), `every process to write its environment:\n${run.output()}`, 20_000);
  for (const [who, file] of Object.entries(files)) {
    const env = readEnv(file);
    assert.equal(env.CONTAINERPILOT_MY_APP_IP, '10.1.2.3', who);
    assert.equal(env.PILOTFISH_MY_APP_IP, '10.1.2.3', who);
    assert.equal(env.CONTAINERPILOT_DB_IP, '127.0.0.1', who);
    assert.equal(env.CONTAINERPILOT_CONTAINERPILOT_IP, '127.0.0.1', who);
    // A job without a port is not a service: it has a _PID variable, never an _IP one.
    assert.equal(env.CONTAINERPILOT_PLAIN_IP, undefined, who);
    assert.equal(env.CONTAINERPILOT_HOOK_IP, undefined, who);
  }
});

test('the addresses follow each service\'s interfaces, with the default ones when a job names none', () => {
  const interfaces = networkInterfaces();
  const addresses = serviceAddresses(
    {
      jobs: [
        jobConfig('web', { port: 80, interfaces: ['eth0:inet', 'inet'] }),
        jobConfig('fixed', { port: 81, interfaces: ['static:192.0.2.7'] }),
        jobConfig('nowhere', { port: 82, interfaces: ['no-such-interface0'] }),
        jobConfig('worker'),
      ],
      telemetry: { port: 9090, interfaces: ['static:192.0.2.9'], name: 'metrics', tags: [], metrics: [] },
    },
    interfaces,
  );
  assert.deepEqual(
    [...addresses],
    [
      ['web', resolveAddress(['eth0:inet', 'inet'], interfaces)],
      ['fixed', '192.0.2.7'],
      ['metrics', '192.0.2.9'],
    ],
  );
});
