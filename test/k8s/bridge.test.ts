// The bridge against a real API server (etcd + kube-apiserver, no stand-in), authenticated as
// a service account that has only the generated Role, with every write strictly validated.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { autopilotPath } from '../../src/k8s/resource.js';
import type { BridgeTiming } from '../../src/k8s/bridge.js';
import { manifests } from '../../src/k8s/manifests.js';
import { ConsulAgent } from '../helpers/consul.js';
import { HealthSwitch, serviceJob } from '../helpers/discovery.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { BridgeFixture, FAST, condition, downwardApi, problems, webJob } from './fixture.js';

let fixture: BridgeFixture;
before(async () => {
  fixture = await BridgeFixture.start();
});
after(() => fixture?.stop());

describe('the Kubernetes bridge', () => {
  it('with only the generated Role, creates an Autopilot owned by the pod, whose status follows the jobs', async () => {
    const setup = await fixture.podWithServiceAccount();
    const health = new HealthSwitch().healthy('all good');
    const run = await fixture.supervise(setup, webJob(health));
    try {
      const ready = await fixture.waitForReady(setup, 'True', 'Ready');
      assert.deepEqual(ready.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: setup.pod.name, uid: setup.pod.uid }]);
      assert.deepEqual(ready.spec, { podName: setup.pod.name, nodeName: 'node-a' });
      assert.equal(ready.status.version, '9.9.9-test');
      assert.equal(ready.status.configHash, run.supervisor.currentConfig.hash);
      // The generation is reported once the bridge has applied its spec, which may come after Ready.
      await waitFor(async () => (await fixture.autopilot(setup))?.status.observedGeneration === ready.metadata.generation, 'observedGeneration to reach the generation');
      assert.equal(ready.status.jobsHealthy, '1/1');
      assert.equal(condition(ready, 'ConsulRegistered'), undefined, 'without Consul the condition does not apply');
      assert.deepEqual(
        { ...ready.status.jobs[0], pid: typeof ready.status.jobs[0].pid, startedAt: typeof ready.status.jobs[0].startedAt, lastCheck: ready.status.jobs[0].lastCheck.output },
        { name: 'web', state: 'running', health: 'healthy', restarts: 0, pid: 'number', startedAt: 'string', lastCheck: 'all good' },
      );
      const readySince = condition(ready, 'Ready')?.lastTransitionTime;

      health.unhealthy('503 from /health');
      const unhealthy = await fixture.waitForReady(setup, 'False', 'JobUnhealthy');
      assert.equal(condition(unhealthy, 'Degraded')?.status, 'True');
      assert.match(condition(unhealthy, 'Ready')?.message ?? '', /web is unhealthy: 503 from \/health/);

      health.healthy('better');
      const recovered = await fixture.waitForReady(setup, 'True', 'Ready');
      assert.notEqual(condition(recovered, 'Ready')?.lastTransitionTime, undefined);
      assert.ok((condition(recovered, 'Ready')?.lastTransitionTime ?? '') >= (readySince ?? ''));
    } finally {
      await run.stop();
    }
    const last = await fixture.autopilot(setup);
    assert.deepEqual({ status: condition(last, 'Ready')?.status, reason: condition(last, 'Ready')?.reason }, { status: 'False', reason: 'ShuttingDown' });
    assert.equal(last.status.jobs[0].state, 'stopped');
    assert.deepEqual(problems(run.lines), [], 'no write was refused: the Role suffices and every field is declared');
  });

  it('reports what a waiting job waits for and until when, fields the CRD declares (every write strictly validated)', async () => {
    const setup = await fixture.podWithServiceAccount();
    const run = await fixture.supervise(setup, `${webJob(new HealthSwitch().healthy('ok'))}, { name: "on-hup", exec: "true", when: { source: "SIGHUP", timeout: "1h" } }`);
    try {
      await waitFor(async () => (await fixture.autopilot(setup))?.status?.jobs?.some((job: { name: string; waitingFor?: string }) => job.name === 'on-hup' && job.waitingFor === 'SIGHUP'), 'on-hup waiting for SIGHUP in the Autopilot');
      const written = await fixture.autopilot(setup);
      assert.equal(written.status.jobs.find((job: { name: string }) => job.name === 'web').waitingFor, undefined);
      const until = Date.parse(written.status.jobs.find((job: { name: string }) => job.name === 'on-hup').waitingUntil);
      assert.ok(Math.abs(until - Date.now() - 3_600_000) < 60_000, 'waitingUntil: the end of its when.timeout, a date-time the schema takes');
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('posts Events about the pod and its Autopilot that kubectl describe shows, folding repeats into a series', async () => {
    const setup = await fixture.podWithServiceAccount();
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, webJob(health));
    try {
      await fixture.waitForReady(setup, 'True');
      for (let flip = 0; flip < 3; flip++) {
        health.unhealthy('down');
        await fixture.waitForReady(setup, 'False', 'JobUnhealthy');
        health.healthy('ok');
        await fixture.waitForReady(setup, 'True');
      }
      const unhealthyAbout = (items: any[], kind: string) => items.filter((event) => event.reason === 'Unhealthy' && event.regarding.kind === kind);
      const events = await waitFor(async () => {
        const list = await fixture.cluster.must('GET', `/apis/events.k8s.io/v1/namespaces/${setup.namespace}/events`);
        const repeated = ['Pod', 'Autopilot'].every((kind) => unhealthyAbout(list.items, kind)[0]?.series?.count === 3);
        return repeated && list.items;
      }, 'the Unhealthy events with a series of 3', 10_000, 100);
      const [aboutPod, ...podRepeats] = unhealthyAbout(events, 'Pod');
      const [aboutAutopilot, ...autopilotRepeats] = unhealthyAbout(events, 'Autopilot');
      assert.deepEqual([podRepeats, autopilotRepeats], [[], []], 'repeats are one Event per object');
      const object = await fixture.autopilot(setup);
      assert.deepEqual(aboutPod.regarding, { kind: 'Pod', namespace: setup.namespace, name: setup.pod.name, uid: setup.pod.uid, apiVersion: 'v1' });
      assert.deepEqual(aboutAutopilot.regarding, { kind: 'Autopilot', namespace: setup.namespace, name: setup.pod.name, uid: object.metadata.uid, apiVersion: 'pilotfish.dev/v1alpha1' });
      for (const event of [aboutPod, aboutAutopilot]) {
        assert.equal(event.reportingController, 'pilotfish.dev/pilotfish');
        assert.equal(event.type, 'Warning');
      }

      for (const kind of ['pod', 'ap']) {
        const described = fixture.cluster.kubectl('describe', kind, setup.pod.name, '-n', setup.namespace);
        const eventSection = described.slice(described.indexOf('\nEvents:'));
        assert.match(eventSection, /Normal\s+Started\s+.*pilotfish\.dev\/pilotfish\s+Job web started/, `kubectl describe ${kind}`);
        assert.match(eventSection, /Warning\s+Unhealthy\s+.*\(x3 over .*\)\s+pilotfish\.dev\/pilotfish\s+Job web is unhealthy: down/, `kubectl describe ${kind}`);
        assert.equal(eventSection.match(/Job web is unhealthy/g)?.length, 1, `kubectl describe ${kind}: the repeats are one line`);
        assert.match(eventSection, /Normal\s+Healthy\s+/, `kubectl describe ${kind}`);
      }
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('names the permission the Role lacks, once, and keeps the jobs running', async () => {
    const setup = await fixture.podWithServiceAccount('web-0', 'autopilots/status');
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }');
    try {
      const denial = await waitFor(() => run.lines.find((line) => line.startsWith('ERROR')), 'the RBAC error', 10_000);
      assert.match(denial, /^ERROR Kubernetes RBAC denies "patch" on autopilots\/status in namespace pf-\w+: bind the Role printed by `pilotfish k8s manifests`/);
      await sleep(2 * FAST.status.patient.maxMs);
      assert.equal(run.lines.filter((line) => line.startsWith('ERROR')).length, 1, 'said once');
      assert.equal(run.supervisor.job('web')?.state, 'running');
      assert.equal((await fixture.autopilot(setup)).status, undefined, 'created, but no status could be written');
    } finally {
      await run.stop();
    }
  });

  it('catches up within seconds once RBAC is granted: the first loop that gets through wakes those waiting out a refusal', async () => {
    const setup = await fixture.podWithServiceAccount('web-0');
    await fixture.cluster.must('DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${setup.namespace}/rolebindings/pilotfish`);
    // Only the Events' loop (the job's Started) retries soon; without the wake, the status and the
    // informer would wait out their minute.
    const slow = { initialMs: 60_000, maxMs: 60_000 };
    const timing: BridgeTiming = {
      ...FAST,
      status: { ...FAST.status, patient: slow },
      events: { ...FAST.events, patient: { initialMs: 500, maxMs: 500 } },
      labels: { ...FAST.labels, patient: slow },
      informer: { ...FAST.informer, patient: slow },
    };
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }', { timing });
    try {
      await waitFor(() => run.lines.find((line) => /^ERROR Kubernetes RBAC denies/.test(line)), 'the RBAC error', 10_000);
      await sleep(FAST.forbiddenGraceMs + 500);
      const granted = performance.now();
      const [, , , binding] = manifests({ namespace: setup.namespace, serviceAccount: 'pilotfish' }) as Array<Record<string, any>>;
      await fixture.cluster.apply([binding!]);
      const written = await fixture.waitForReady(setup, 'True');
      const caughtUpMs = performance.now() - granted;
      assert.ok(caughtUpMs < 10_000, `status written ${Math.round(caughtUpMs)} ms after the RoleBinding came back`);
      assert.deepEqual(written.status.jobs.map((job: { name: string }) => job.name), ['web']);
      await waitFor(() => run.lines.some((line) => line === 'INFO Kubernetes API writes succeed again'), 'the all-clear', 10_000);
      // The informer got through too: steering works.
      fixture.cluster.kubectl('patch', 'ap', setup.pod.name, '-n', setup.namespace, '--type', 'merge', '-p', JSON.stringify({ spec: { jobs: [{ name: 'web', stopped: true }] } }));
      await waitFor(() => run.supervisor.job('web')?.state === 'stopped', 'the job stopped by the spec', 10_000);
    } finally {
      await run.stop();
    }
  });

  it('takes over the object an earlier pod of the same name left, and repairs it: owner, spec and status are this pod\'s', async () => {
    const setup = await fixture.podWithServiceAccount('db-0');
    const stale = {
      apiVersion: 'pilotfish.dev/v1alpha1',
      kind: 'Autopilot',
      metadata: { name: 'db-0', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'db-0', uid: '00000000-dead-beef-0000-000000000000' }] },
      spec: { podName: 'db-0', nodeName: 'old-node', maintenance: true, jobs: [{ name: 'db', stopped: true }], reloadedAt: new Date().toISOString() },
    };
    await fixture.cluster.must('POST', autopilotPath(setup.namespace), stale);
    await fixture.cluster.must('PATCH', `${autopilotPath(setup.namespace, 'db-0')}/status`, { status: { version: '0.0.1', restarts: 99, jobs: [{ name: 'gone', state: 'failed', health: 'unknown', restarts: 99 }] } }, { contentType: 'application/merge-patch+json' });

    const run = await fixture.supervise(setup, '{ name: "db", exec: "sleep 600" }');
    try {
      const repaired = await fixture.waitForReady(setup, 'True');
      assert.deepEqual(repaired.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'db-0', uid: setup.pod.uid }]);
      assert.deepEqual(repaired.spec, { podName: 'db-0', nodeName: 'node-a' }, 'what operators asked of the earlier pod is not this one\'s');
      assert.deepEqual(repaired.status.jobs.map((job: { name: string }) => job.name), ['db']);
      assert.equal(run.supervisor.job('db')?.state, 'running');
      assert.equal(repaired.status.maintenance ?? false, false);
      assert.equal(repaired.status.restarts, 0);
      assert.ok(run.lines.some((line) => /took over the Autopilot object/.test(line)));
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('adopts its own pod\'s object after a restart, keeping what operators asked and putting back the pod\'s names edited by hand', async () => {
    const setup = await fixture.podWithServiceAccount('db-0');
    const own = {
      apiVersion: 'pilotfish.dev/v1alpha1',
      kind: 'Autopilot',
      metadata: { name: 'db-0', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'db-0', uid: setup.pod.uid }] },
      spec: { podName: 'edited-by-hand', nodeName: 'node-a', maintenance: true },
    };
    await fixture.cluster.must('POST', autopilotPath(setup.namespace), own);
    const run = await fixture.supervise(setup, '{ name: "db", exec: "sleep 600" }');
    try {
      const adopted = await waitFor(async () => {
        const object = await fixture.autopilot(setup);
        return object.status?.maintenance === true ? object : undefined;
      }, 'maintenance, as the spec asks', 10_000);
      assert.deepEqual(adopted.spec, { podName: 'db-0', nodeName: 'node-a', maintenance: true });
      assert.ok(!run.lines.some((line) => /took over/.test(line)), run.lines.join('\n'));
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('removes from the status what it does not set: a nested key left by an earlier write or edited in by hand', async () => {
    const setup = await fixture.podWithServiceAccount();
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, webJob(health));
    try {
      await fixture.waitForReady(setup, 'True');
      const stale = { location: 'http://127.0.0.1:8500', message: 'connect ECONNREFUSED 127.0.0.1:8500' };
      await fixture.cluster.must('PATCH', `${autopilotPath(setup.namespace, setup.pod.name)}/status`, { status: { discovery: stale } }, { contentType: 'application/merge-patch+json' });
      health.unhealthy('down');
      const next = await fixture.waitForReady(setup, 'False', 'JobUnhealthy');
      assert.deepEqual(next.status.discovery, { state: 'Disabled', services: [] });
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('creates the object again as soon as it is deleted, with an empty spec: what operators asked went with it', async () => {
    const setup = await fixture.podWithServiceAccount();
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }');
    try {
      const first = await fixture.waitForReady(setup, 'True');
      fixture.cluster.kubectl('patch', 'ap', setup.pod.name, '-n', setup.namespace, '--type', 'merge', '-p', JSON.stringify({ spec: { maintenance: true } }));
      await waitFor(async () => {
        const object = await fixture.waitForReady(setup, 'False', 'Maintenance');
        return object.status.observedGeneration === object.metadata.generation;
      }, 'maintenance on, and the status saying so');
      await fixture.cluster.must('DELETE', autopilotPath(setup.namespace, setup.pod.name));
      // Nothing changes in the pod: only the deletion, seen by the watch, can bring it back this soon.
      const again = await waitFor(
        async () => {
          const object = await fixture.autopilot(setup);
          return object?.metadata.uid !== first.metadata.uid && object?.status?.observedGeneration === object?.metadata.generation && object;
        },
        'the Autopilot created again, its spec applied',
        3_000,
        50,
      );
      assert.deepEqual(again.spec, { podName: setup.pod.name, nodeName: 'node-a' });
      await waitFor(() => !run.supervisor.inMaintenance, "maintenance off, as the new object's spec says");
      assert.ok(run.lines.some((line) => line === 'WARN the Autopilot object is gone: creating it again'), run.lines.join('\n'));
    } finally {
      await run.stop();
    }
  });

  it('rides out an API server outage: the jobs are untouched, the status catches up, and it is said once for the bridge and its watches', async () => {
    const setup = await fixture.podWithServiceAccount();
    const [, , role] = manifests({ namespace: setup.namespace, serviceAccount: 'pilotfish', permissions: { events: true, readinessGate: true, endpointSliceNamespaces: [setup.namespace] } });
    await fixture.cluster.apply([role!]);
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, webJob(health), { watches: '[{ name: "backend", source: "kubernetes" }, { name: "cache", source: "kubernetes" }]' });
    try {
      await fixture.waitForReady(setup, 'True');
      const webPid = run.supervisor.job('web')?.pid;
      await fixture.cluster.stopApiServer();
      health.unhealthy('down during the outage');
      await waitFor(() => run.supervisor.job('web')?.health === 'unhealthy', 'web to turn unhealthy', 20_000);
      await sleep(2_000);
      assert.equal(run.supervisor.job('web')?.pid, webPid, 'the job kept running');
      assert.equal(run.supervisor.isShuttingDown, false);
      // Every loop of the bridge and both watches' informers have met the outage by now.
      const saidDuringOutage = problems(run.lines).map((line) => line.replace(/ \(.*/, ''));
      await fixture.cluster.startApiServer();
      assert.deepEqual(saidDuringOutage, ['WARN Kubernetes API unavailable'], 'said once for the bridge and its watches');
      const caughtUp = await fixture.waitForReady(setup, 'False', 'JobUnhealthy', 20_000);
      assert.match(condition(caughtUp, 'Ready')?.message ?? '', /down during the outage/);
      // Once every loop (status, readiness gate, labels, Events) has written again.
      await waitFor(() => run.lines.includes('INFO Kubernetes API writes succeed again'), () => `the all-clear, in:\n${run.lines.join('\n')}`, 30_000);
    } finally {
      await run.stop();
    }
    // A starting API server may refuse again for a moment after answering (503, storage initializing).
    const warnings = problems(run.lines);
    assert.ok(warnings.every((line) => line.startsWith('WARN Kubernetes API unavailable')), `only outage warnings:\n${warnings.join('\n')}`);
  });

  // Its requests would hang for two minutes: only the bound on the last writes can end the stop
  // before the test's own timeout does, and the request it cut short is still hanging after it.
  it('stops within its last-write bound even when the API server hangs', { timeout: 30_000 }, async () => {
    const blackHole = await listenBlackHole();
    const setup = await fixture.podWithServiceAccount();
    const timing = { ...FAST, requestTimeoutMs: 120_000 };
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }', { apiServer: `https://127.0.0.1:${blackHole.port}`, timing });
    try {
      await waitFor(() => run.supervisor.job('web')?.state === 'running', 'web to run');
      await waitFor(() => blackHole.open() > 0, 'a write to hang in the black hole', 10_000);
      await run.stop();
      assert.ok(blackHole.open() > 0, 'the stop ended while a write still hung');
    } finally {
      blackHole.close();
    }
  });

  it('writes nothing while a healthy job just passes its checks', async () => {
    const setup = await fixture.podWithServiceAccount();
    // A check timeout well above the interval: a check slowed by a loaded machine is not news either.
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 60", health: { exec: "true", interval: "100ms", timeout: "5s" } }');
    try {
      await fixture.waitForReady(setup, 'True');
      await sleep(FAST.status.minIntervalMs * 2);
      const settled = run.bridge.status().statusWrites;
      // Twenty checks, each with its own duration: not one of them is news.
      await sleep(2_000);
      assert.equal(run.bridge.status().statusWrites, settled);
    } finally {
      await run.stop();
    }
  });

  it('keeps writes bounded under a flapping job', async () => {
    const setup = await fixture.podWithServiceAccount();
    const flapping = '{ name: "flappy", exec: "sh -c \'exit 3\'", restarts: "unlimited", backoff: { delay: "20ms", factor: 1, limit: "20ms" } }';
    // A minimum interval of a second: even a loaded machine, slow to restart the job, flaps it
    // more than three times as often as that (with 200 ms it would have to restart it every 200 ms).
    const timing = { ...FAST, status: { ...FAST.status, minIntervalMs: 1_000 } };
    const started = Date.now();
    const run = await fixture.supervise(setup, flapping, { timing });
    let transitions = 0;
    run.supervisor.bus.subscribe('test', (event) => {
      if (event.kind === 'transition') transitions++;
    });
    try {
      await sleep(4_000);
    } finally {
      await run.stop();
    }
    const elapsedMs = Date.now() - started;
    const { statusWrites, eventWrites } = run.bridge.status();
    // Two writes start at least the minimum interval apart, whatever happens meanwhile; the last one at shutdown comes on top.
    const statusBound = Math.floor(elapsedMs / timing.status.minIntervalMs) + 2;
    assert.ok(statusWrites <= statusBound, `${statusWrites} status writes (bound ${statusBound}) for ${transitions} transitions`);
    // Each kind of Event (Started, Exited, Restarted), about the pod and about the Autopilot, is
    // posted once, then its series updated at most once per interval, and once more at shutdown.
    const eventBound = 3 * 2 * (Math.floor(elapsedMs / FAST.eventSeriesMs) + 2);
    assert.ok(eventWrites <= eventBound, `${eventWrites} event writes (bound ${eventBound}) for ${transitions} transitions`);
    assert.ok(transitions > 3 * statusWrites, `the job flapped (${transitions} transitions) far more often than status was written (${statusWrites})`);
    const events = await fixture.cluster.must('GET', `/apis/events.k8s.io/v1/namespaces/${setup.namespace}/events`);
    const exited = events.items.filter((event: any) => event.reason === 'Exited' && event.regarding.kind === 'Pod');
    assert.equal(exited.length, 1, `one Exited event, its repeats in the series: ${JSON.stringify(exited.map((event: any) => [event.note, event.series]))}`);
    assert.ok(exited[0].series.count > 10);
    const last = await fixture.autopilot(setup);
    assert.ok(last.status.restarts > 10, 'the final status has the restart count');
  });

  it('learns of a registration from the bus: Consul coming up reaches the Autopilot with no job event to carry it', async () => {
    const consul = await ConsulAgent.reserve();
    const setup = await fixture.podWithServiceAccount();
    // Registered on start by its initial status, and checked only after an hour: once it runs, no
    // job publishes anything, so only discovery's event can tell the bridge that Consul has it
    // (the bridge's resync, a minute here, is past the deadlines).
    const web = serviceJob('web', new HealthSwitch().healthy('ok'), { interval: '1h', ttl: '10s', extra: 'initialStatus: "passing",' });
    const run = await fixture.supervise(setup, web, { consul: consul.address });
    const published: string[] = [];
    run.supervisor.bus.subscribe('test', (event) => void (event.kind === 'discoveryChanged' && published.push(event.status.services[0]?.state ?? 'none')));
    try {
      await fixture.waitForCondition(setup, 'ConsulRegistered', 'False', 'ConsulUnavailable', 20_000);
      await consul.launch();
      const up = await fixture.waitForCondition(setup, 'ConsulRegistered', 'True', 'Registered', 40_000);
      assert.deepEqual(up.status.discovery.services, [{ name: 'web', registered: true, check: 'passing' }]);
      assert.equal(up.status.discovery.message, undefined, "the agent's last error went with the outage");
      assert.deepEqual(up.status.jobs.map((job: { state: string; health: string }) => [job.state, job.health]), [['running', 'unknown']], 'no check has run');
      assert.equal(published.at(-1), 'registered');
    } finally {
      await run.stop();
      await consul.stop();
    }
  });
});

describe('the readiness gate', () => {
  it('keeps the pod condition pilotfish.dev/ready equal to the readiness verdict, beside the kubelet\'s conditions', async () => {
    const setup = await fixture.podWithServiceAccount('web-0', undefined, { readinessGate: true });
    // What a kubelet would have written: the bridge's patches must leave it be.
    const scheduled = { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' };
    await fixture.cluster.must('PATCH', `/api/v1/namespaces/${setup.namespace}/pods/${setup.pod.name}/status`, { status: { conditions: [scheduled] } }, { contentType: 'application/strategic-merge-patch+json' });
    const gateColumn = () => {
      const [header, row] = fixture.cluster.kubectl('get', 'pod', setup.pod.name, '-n', setup.namespace, '-o', 'wide').trim().split('\n');
      const at = (header ?? '').indexOf('READINESS GATES');
      assert.ok(at >= 0, header);
      return (row ?? '').slice(at).trim().split(/\s+/)[0];
    };
    assert.equal(gateColumn(), '0/1', 'no condition yet');
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, webJob(health));
    try {
      const ready = await fixture.waitForGate(setup, 'True', 'Ready');
      assert.equal(gateColumn(), '1/1');
      const readySince = condition(ready, 'pilotfish.dev/ready')?.lastTransitionTime;

      health.unhealthy('503 from /health');
      const gateMessage = (pattern: RegExp) =>
        waitFor(async () => {
          const pod = await fixture.pod(setup);
          return pattern.test(condition(pod, 'pilotfish.dev/ready')?.message ?? '') && pod;
        }, `a gate message matching ${pattern}`, 10_000, 100);
      // Worded as /readyz words it: in pilotfish's words, never the check's own output.
      const unhealthy = await gateMessage(/^web is unhealthy: /);
      assert.doesNotMatch(condition(unhealthy, 'pilotfish.dev/ready')?.message ?? '', /503 from/);
      assert.deepEqual([condition(unhealthy, 'pilotfish.dev/ready')?.status, condition(unhealthy, 'pilotfish.dev/ready')?.reason], ['False', 'JobsNotReady']);
      assert.equal(gateColumn(), '0/1');
      health.hang();
      const reworded = await gateMessage(/^web is unhealthy: timed out after/);
      assert.equal(condition(reworded, 'pilotfish.dev/ready')?.lastTransitionTime, condition(unhealthy, 'pilotfish.dev/ready')?.lastTransitionTime, 'a new message is no transition');
      rmSync(join(health.dir, 'hang'));

      health.healthy('ok');
      await fixture.waitForGate(setup, 'True', 'Ready');
      run.supervisor.setMaintenance(true);
      const maintenance = await fixture.waitForGate(setup, 'False', 'Maintenance');
      assert.equal(condition(maintenance, 'pilotfish.dev/ready')?.message, 'pilotfish is in maintenance mode');
      run.supervisor.setMaintenance(false);
      const back = await fixture.waitForGate(setup, 'True', 'Ready');
      assert.deepEqual(condition(back, 'PodScheduled'), { ...scheduled, lastProbeTime: null }, "the kubelet's condition is untouched");
      assert.ok((condition(back, 'pilotfish.dev/ready')?.lastTransitionTime ?? '') >= (readySince ?? ''));
    } finally {
      await run.stop();
    }
    const last = condition(await fixture.pod(setup), 'pilotfish.dev/ready');
    assert.deepEqual([last?.status, last?.reason], ['False', 'ShuttingDown']);
    assert.deepEqual(problems(run.lines), []);
  });

  it('writes no condition to a pod without the gate', async () => {
    const setup = await fixture.podWithServiceAccount();
    const patches = () => fixture.cluster.counter('apiserver_request_total', { resource: 'pods', subresource: 'status', verb: 'PATCH' });
    const before = await patches();
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, webJob(health));
    try {
      await fixture.waitForReady(setup, 'True');
      health.unhealthy('down');
      await fixture.waitForReady(setup, 'False', 'JobUnhealthy');
    } finally {
      await run.stop();
    }
    assert.equal(await patches(), before);
    assert.equal(condition(await fixture.pod(setup), 'pilotfish.dev/ready'), undefined);
  });

  it('names a missing pods/status permission once, then waits long between tries, and still writes the Autopilot', async () => {
    const setup = await fixture.podWithServiceAccount('web-0', 'pods/status', { readinessGate: true });
    const denied = () => fixture.cluster.counter('apiserver_request_total', { resource: 'pods', subresource: 'status', code: '403' });
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }');
    try {
      const denial = await waitFor(() => run.lines.find((line) => line.startsWith('ERROR')), 'the RBAC error', 10_000);
      assert.match(denial, /^ERROR Kubernetes RBAC denies "get" on pods\/status in namespace pf-\w+: bind the Role printed by `pilotfish k8s manifests`/);
      await fixture.waitForReady(setup, 'True');
      const before = await denied();
      await sleep(2 * FAST.status.patient.maxMs);
      const during = (await denied()) - before;
      // Two loops read the pod: the readiness gate's and the labels'; a patient wait is half to all of the policy's.
      assert.ok(during <= 2 * 5, `${during} denied requests in ${2 * FAST.status.patient.maxMs} ms: one per patient wait of each loop`);
      assert.equal(run.lines.filter((line) => line.startsWith('ERROR')).length, 1, 'said once');
    } finally {
      await run.stop();
    }
  });
});

describe('pilotfish run in a pod', () => {
  it('attaches the bridge from config and the downward API; kubectl get ap shows it, -o wide too', async () => {
    const setup = await fixture.podWithServiceAccount();
    const run = runConfig(`{ ${fixture.kubernetesBlock(setup)}, jobs: [{ name: "app", exec: "sleep 600" }, { name: "crashy", exec: "sh -c 'exit 1'", restarts: 2, backoff: { delay: "10ms" } }] }`, {
      env: downwardApi(setup),
    });
    try {
      await waitFor(async () => (await fixture.autopilot(setup))?.status?.restarts === 2 && condition(await fixture.autopilot(setup), 'Ready')?.reason === 'JobFailed', 'the crashy job to have given up', 15_000, 200);
      const table = fixture.cluster.kubectl('get', 'ap', '-n', setup.namespace);
      const [header, row] = table.trim().split('\n');
      assert.match(header ?? '', /^NAME\s+READY\s+JOBS\s+RESTARTS\s+CONSUL\s+AGE$/);
      assert.match(row ?? '', new RegExp(`^${setup.pod.name}\\s+False\\s+1/2\\s+2\\s+Disabled\\s+\\d+s$`));
      const wide = fixture.cluster.kubectl('get', 'pilotfish', '-n', setup.namespace, '-o', 'wide');
      assert.match(wide, /REASON\s+NODE\s+VERSION\s+MESSAGE/);
      assert.match(wide, /JobFailed\s+node-a\s+\d+\.\d+\.\d+\s+crashy exited with code 1 and will not be restarted/);
    } finally {
      run.signal('SIGTERM');
      await run.exited;
    }
    const last = await fixture.autopilot(setup);
    assert.equal(condition(last, 'Ready')?.reason, 'ShuttingDown');
    assert.ok(run.lines.some((line) => line.includes(`reporting to ${fixture.cluster.server} as ${setup.namespace}/${setup.pod.name}`)), run.output());
  });

  // Unbounded, the stuck write and the last ones would each wait out the 10 s request timeout:
  // 40 s, well past the test's own timeout; bounded, 3 s.
  it('exits promptly on SIGTERM when the API server does not answer: the last write is time-bounded', { timeout: 30_000 }, async (t) => {
    const blackHole = await listenBlackHole();
    const setup = await fixture.podWithServiceAccount();
    const run = runConfig(`{ ${fixture.kubernetesBlock(setup, `https://127.0.0.1:${blackHole.port}`)}, jobs: [{ name: "app", exec: "sleep 600" }] }`, { env: downwardApi(setup) });
    try {
      await run.waitForLine(/\[app\] started/);
      await waitFor(() => blackHole.open() > 0, 'the first status write to get stuck in the black hole', 10_000);
      const stopping = performance.now();
      run.signal('SIGTERM');
      const { code } = await run.exited;
      t.diagnostic(`exited ${Math.round(performance.now() - stopping)} ms after SIGTERM`);
      assert.equal(code, 143, run.output());
    } finally {
      blackHole.close();
    }
  });

  it('reports Consul as it is: unreachable, then registered once it is up, then unreachable again', async () => {
    const consul = await ConsulAgent.reserve();
    const setup = await fixture.podWithServiceAccount();
    const health = new HealthSwitch().healthy('ok');
    const run = runConfig(`{ ${fixture.kubernetesBlock(setup)}, consul: "${consul.address}", jobs: [${serviceJob('web', health)}] }`, { env: downwardApi(setup) });
    const consulCondition = (status: 'True' | 'False', reason: string) => fixture.waitForCondition(setup, 'ConsulRegistered', status, reason, 20_000);
    try {
      const down = await consulCondition('False', 'ConsulUnavailable');
      assert.match(condition(down, 'ConsulRegistered')?.message ?? '', new RegExp(`^Consul at http://${consul.address} fails: .*ECONNREFUSED`));
      assert.deepEqual({ state: down.status.discovery.state, location: down.status.discovery.location }, { state: 'Unreachable', location: `http://${consul.address}` });
      assert.equal(condition(down, 'Ready')?.reason, 'ConsulUnavailable');
      assert.equal(condition(down, 'Degraded')?.status, 'True');
      assert.match(fixture.cluster.kubectl('get', 'ap', '-n', setup.namespace), new RegExp(`${setup.pod.name}\\s+False\\s+1/1\\s+0\\s+Unreachable`));

      // Consul's coming and going reaches the bridge as discovery's own event on the bus.
      await consul.launch();
      const up = await consulCondition('True', 'Registered');
      assert.equal(condition(up, 'ConsulRegistered')?.message, `registered web with Consul at http://${consul.address}`);
      assert.deepEqual(up.status.discovery.services, [{ name: 'web', registered: true, check: 'passing' }]);
      assert.equal(up.status.discovery.message, undefined, "the agent's last error went with the outage");
      assert.equal(condition(up, 'Ready')?.status, 'True');

      await consul.kill();
      await consulCondition('False', 'ConsulUnavailable');
    } finally {
      run.signal('SIGTERM');
      await run.exited;
      await consul.stop();
    }
  });

  it('with only watches, reports Consul unavailable while their queries fail, and nothing to register once they answer', async () => {
    const consul = await ConsulAgent.reserve();
    const setup = await fixture.podWithServiceAccount();
    const run = runConfig(`{ ${fixture.kubernetesBlock(setup)}, consul: "${consul.address}", watches: [{ name: "db", interval: 1 }], jobs: [{ name: "app", exec: "sleep 600" }] }`, {
      env: downwardApi(setup),
    });
    try {
      const down = await fixture.waitForCondition(setup, 'ConsulRegistered', 'False', 'ConsulUnavailable', 20_000);
      assert.match(condition(down, 'ConsulRegistered')?.message ?? '', new RegExp(`^Consul at http://${consul.address} fails: .*ECONNREFUSED`));
      assert.equal(condition(down, 'Ready')?.reason, 'ConsulUnavailable');

      await consul.launch();
      const up = await fixture.waitForCondition(setup, 'ConsulRegistered', 'True', 'NothingToRegister', 20_000);
      assert.equal(condition(up, 'ConsulRegistered')?.message, `no job is advertised to Consul at http://${consul.address}`);
      assert.equal(condition(up, 'Ready')?.status, 'True');
    } finally {
      run.signal('SIGTERM');
      await run.exited;
      await consul.stop();
    }
  });
});

/** A black hole: accepts connections and never answers (a wedged API server or load balancer). */
/** A server that accepts connections and never says a word; `open()` counts those still open. */
async function listenBlackHole(): Promise<{ port: number; open(): number; close(): void }> {
  const server = createServer(() => undefined).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    port: (server.address() as AddressInfo).port,
    open: () => sockets.size,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
