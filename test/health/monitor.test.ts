import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthConfig, HealthProbe } from '../../src/config/types.js';
import { HealthMonitor, type Health } from '../../src/health/monitor.js';
import type { ProbeResult } from '../../src/health/probes.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { ProcessTable } from '../../src/process/process-table.js';

function healthConfig(probe: HealthProbe, overrides: Partial<HealthConfig> = {}): HealthConfig {
  return { probe, interval: 40, timeout: 2000, threshold: 1, successThreshold: 1, onUnhealthy: 'ignore', rawLogging: false, ...overrides };
}

/**
 * An exec check whose outcomes follow a script: the n-th run passes if the n-th character of
 * `outcomes` is S, and fails otherwise (also past the end). Deterministic whatever the timing.
 */
function scriptedProbe(dir: string, outcomes: string): HealthProbe {
  writeFileSync(join(dir, 'outcomes'), outcomes);
  writeFileSync(join(dir, 'count'), '0');
  const script = 'n=$(cat count); echo $((n + 1)) > count; c=$(cut -c$((n + 1)) outcomes); echo "run $((n + 1))"; [ "$c" = S ]';
  return { type: 'exec', command: { argv: ['/bin/sh', '-c', script], display: 'scripted' } };
}

/** A monitor that records what it reports, in order. */
function observe(config: HealthConfig | undefined, cwd?: string) {
  const transitions: { health: Health; afterResults: number; output: string }[] = [];
  const results: ProbeResult[] = [];
  const monitor = new HealthMonitor(config, {
    processes: new ProcessTable(),
    probeEnv: () => process.env,
    cwd,
    onResult: (result) => results.push(result),
    onTransition: (health, detail) => transitions.push({ health, afterResults: results.length, output: detail.output }),
  });
  return { monitor, transitions, results };
}

describe('HealthMonitor', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-monitor-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a long run of passing checks as exactly one healthy transition', async () => {
    const { monitor, transitions, results } = observe(healthConfig({ type: 'exec', command: { argv: ['true'], display: 'true' } }));
    monitor.start();
    await waitFor(() => results.length >= 6, '6 checks');
    monitor.stop();
    assert.deepEqual(
      transitions.map((t) => [t.health, t.afterResults]),
      [['healthy', 1]],
    );
    assert.ok(results.every((result) => result.ok));
  });

  it('waits one interval before the first check', async () => {
    // The checks' clock (check-clock.ts) runs on performance.now(): never early is a lower bound.
    let firstCheckAt: number | undefined;
    const monitor = new HealthMonitor(healthConfig({ type: 'exec', command: { argv: ['true'], display: 'true' } }, { interval: 300 }), {
      processes: new ProcessTable(),
      // Read as each check starts.
      probeEnv: () => {
        firstCheckAt ??= performance.now();
        return process.env;
      },
      onTransition: () => undefined,
    });
    const startedAt = performance.now();
    monitor.start();
    await waitFor(() => firstCheckAt !== undefined, 'the first check', 10_000);
    monitor.stop();
    assert.ok((firstCheckAt as number) - startedAt >= 300, `the first check came ${(firstCheckAt as number) - startedAt} ms after start`);
  });

  it('needs successThreshold passes to become healthy and threshold failures to become unhealthy', async () => {
    // From unknown: 2 passes -> healthy; then 2 failures (threshold 3: nothing), a pass resets the
    // count, 3 failures -> unhealthy, 1 pass (successThreshold 2: nothing), 2 passes -> healthy.
    const cwd = mkdtempSync(join(dir, 'thresholds-'));
    const { monitor, transitions, results } = observe(healthConfig(scriptedProbe(cwd, 'SSFFSFFFSFSS'), { threshold: 3, successThreshold: 2 }), cwd);
    monitor.start();
    await waitFor(() => results.length >= 12, '12 checks');
    monitor.stop();
    assert.deepEqual(
      results.slice(0, 12).map((r) => (r.ok ? 'S' : 'F')).join(''),
      'SSFFSFFFSFSS',
    );
    assert.deepEqual(
      transitions.map((t) => [t.health, t.afterResults]),
      [
        ['healthy', 2],
        ['unhealthy', 8],
        ['healthy', 12],
      ],
    );
    assert.equal(transitions[1]?.output, 'exit status 1\nrun 8');
  });

  it('needs threshold failures to leave unknown for unhealthy', async () => {
    const cwd = mkdtempSync(join(dir, 'from-unknown-'));
    const { monitor, transitions, results } = observe(healthConfig(scriptedProbe(cwd, 'FFFFF'), { threshold: 3 }), cwd);
    monitor.start();
    await waitFor(() => results.length >= 5, '5 checks');
    monitor.stop();
    assert.deepEqual(
      transitions.map((t) => [t.health, t.afterResults]),
      [['unhealthy', 3]],
    );
  });

  describe('with a slow HTTP endpoint', () => {
    let server: Server;
    let url: string;
    let active = 0;
    let maxActive = 0;
    let requests = 0;
    let responseDelay = 250;

    before(async () => {
      server = createServer((_, response) => {
        requests += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        setTimeout(() => {
          active -= 1;
          response.end('slow but fine');
        }, responseDelay);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('never runs two checks at once: ticks that find one running are skipped', async () => {
      requests = 0;
      maxActive = 0;
      const { monitor, results } = observe(healthConfig({ type: 'http', url, method: 'GET', headers: {} }, { interval: 30 }));
      monitor.start();
      await waitFor(() => results.length >= 3, '3 slow checks', 10_000);
      monitor.stop();
      await waitFor(() => active === 0, 'the last request to end');
      assert.equal(maxActive, 1);
      assert.ok(results.every((result) => result.ok && result.durationMs >= 200));
      assert.ok(requests <= results.length + 1, `${requests} requests for ${results.length} results`);
    });

    it('stop() discards the result of a check in flight and resets health without a transition', async () => {
      requests = 0;
      responseDelay = 300;
      const { monitor, transitions, results } = observe(healthConfig({ type: 'http', url, method: 'GET', headers: {} }, { interval: 30 }));
      monitor.start();
      await waitFor(() => results.length >= 1, 'a first check');
      assert.equal(monitor.health, 'healthy');
      const completed = results.length;
      await waitFor(() => requests > completed, 'the next check to be in flight');
      monitor.stop();
      assert.equal(monitor.health, 'unknown');
      await waitFor(() => active === 0, 'the discarded request to end');
      await sleep(100);
      assert.equal(results.length, completed, 'the in-flight result was discarded');
      assert.deepEqual(
        transitions.map((t) => t.health),
        ['healthy'],
      );
      assert.equal(monitor.lastResult?.output, 'HTTP 200: slow but fine', 'the last completed result is kept');
    });

    it('does not let a check discarded by stop() overlap the first check after start()', async () => {
      requests = 0;
      maxActive = 0;
      responseDelay = 300;
      const { monitor, results } = observe(healthConfig({ type: 'http', url, method: 'GET', headers: {} }, { interval: 30 }));
      monitor.start();
      await waitFor(() => requests >= 1, 'a check in flight');
      monitor.stop();
      monitor.start();
      await waitFor(() => results.length >= 1, 'a check after the restart', 10_000);
      monitor.stop();
      await waitFor(() => active === 0, 'the last request to end');
      assert.equal(maxActive, 1);
    });
  });

  it('after stop(), start() begins again from unknown and reports the first flip again', async () => {
    const { monitor, transitions, results } = observe(healthConfig({ type: 'exec', command: { argv: ['true'], display: 'true' } }));
    monitor.start();
    await waitFor(() => results.length >= 1, 'a check');
    monitor.stop();
    monitor.start();
    await waitFor(() => transitions.length >= 2, 'a second healthy transition');
    monitor.stop();
    assert.deepEqual(
      transitions.map((t) => t.health),
      ['healthy', 'healthy'],
    );
  });

  it('without checks, turns healthy on reportReady, once, and only while started', () => {
    const { monitor, transitions } = observe(undefined);
    monitor.reportReady('too early');
    assert.equal(monitor.health, 'unknown');
    monitor.start();
    monitor.reportReady('READY=1');
    monitor.reportReady('READY=1 again');
    assert.equal(monitor.health, 'healthy');
    assert.deepEqual(transitions, [{ health: 'healthy', afterResults: 0, output: 'READY=1' }]);
    monitor.stop();
    monitor.reportReady('too late');
    assert.equal(monitor.health, 'unknown');
    assert.equal(transitions.length, 1);
  });

  it('turns a check that cannot even be prepared into a failed result, not an unhandled rejection', async () => {
    const results: ProbeResult[] = [];
    const transitions: Health[] = [];
    const monitor = new HealthMonitor(healthConfig({ type: 'exec', command: { argv: ['true'], display: 'true' } }), {
      processes: new ProcessTable(),
      probeEnv: () => {
        throw new Error('no environment today');
      },
      onResult: (result) => results.push(result),
      onTransition: (health) => transitions.push(health),
    });
    monitor.start();
    await waitFor(() => results.length >= 2, '2 checks');
    monitor.stop();
    assert.deepEqual(transitions, ['unhealthy']);
    assert.ok(results.every((result) => !result.ok && /check could not run: no environment today/.test(result.output)));
  });

  it('lets reportReady make a job healthy before its checks pass, and checks can still fail it', async () => {
    const cwd = mkdtempSync(join(dir, 'ready-'));
    const { monitor, transitions, results } = observe(healthConfig(scriptedProbe(cwd, 'FF'), { threshold: 2, successThreshold: 3 }), cwd);
    monitor.start();
    monitor.reportReady('app says ready');
    await waitFor(() => results.length >= 2, '2 checks');
    monitor.stop();
    assert.deepEqual(
      transitions.map((t) => [t.health, t.afterResults]),
      [
        ['healthy', 0],
        ['unhealthy', 2],
      ],
    );
  });
});
