// The bridge against a real API server (etcd + kube-apiserver, no stand-in), authenticated as
// a service account that has only the generated Role, with every write strictly validated.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load.js';
import { KubernetesBridge, type BridgeTiming } from '../../src/k8s/bridge.js';
import { customResourceDefinition, manifests } from '../../src/k8s/manifests.js';
import { autopilotPath } from '../../src/k8s/resource.js';
import { resolveSettings } from '../../src/k8s/settings.js';
import { silentLogger } from '../../src/logging/logger.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { HealthSwitch } from '../helpers/discovery.js';
import { KubeCluster } from '../helpers/kube.js';
import { recordingLogger } from '../helpers/log.js';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

/** The defaults' shape, faster: tests wait for seconds, not minutes. */
const FAST: BridgeTiming = {
  status: { debounceMs: 200, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 1_000 }, patientMs: 2_000 },
  events: { debounceMs: 300, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 1_000 }, patientMs: 2_000 },
  eventSeriesMs: 1_000,
  requestTimeoutMs: 10_000,
  forbiddenGraceMs: 1_000,
  finalWriteMs: 3_000,
};

let cluster: KubeCluster;
before(async () => {
  cluster = await KubeCluster.start();
  await cluster.apply([customResourceDefinition()]);
  await waitFor(async () => (await cluster.request('GET', autopilotPath('default'))).status === 200, 'the Autopilot API to be served', 20_000, 100);
});
after(() => cluster?.stop());

interface PodSetup {
  namespace: string;
  pod: { name: string; uid: string };
  tokenFile: string;
}

/**
 * A namespace with the generated service account, Role and RoleBinding, a Pod, and a token of that
 * service account. `withoutRule` leaves out the Role's rule for that resource.
 */
async function podWithServiceAccount(podName = 'web-0', withoutRule?: string): Promise<PodSetup> {
  const namespace = await cluster.createNamespace();
  const [, serviceAccount, role, binding] = manifests({ namespace, serviceAccount: 'pilotfish' }) as Array<Record<string, any>>;
  if (withoutRule) role!.rules = role!.rules.filter((rule: { resources: string[] }) => !rule.resources.includes(withoutRule));
  await cluster.apply([serviceAccount!, role!, binding!]);
  const pod = await cluster.createPod(namespace, podName);
  const tokenFile = cluster.writeFile(`token-${namespace}`, await cluster.serviceAccountToken(namespace, 'pilotfish'));
  return { namespace, pod, tokenFile };
}

function kubernetesBlock({ namespace, tokenFile }: PodSetup): string {
  return `kubernetes: { enabled: true, apiServer: "${cluster.server}", tokenFile: "${tokenFile}", caFile: "${cluster.caFile}", namespace: "${namespace}" }`;
}

function downwardApi({ namespace, pod }: PodSetup): NodeJS.ProcessEnv {
  return { POD_NAME: pod.name, POD_NAMESPACE: namespace, POD_UID: pod.uid, NODE_NAME: 'node-a' };
}

/**
 * A supervisor running `jobs` with the bridge attached, in this process (so timing and counters
 * are reachable); `lines` are the bridge's log.
 */
async function supervise(setup: PodSetup, jobs: string) {
  const { log, lines } = recordingLogger();
  const env = { ...process.env, ...downwardApi(setup) };
  const config = loadConfigText(`{ ${kubernetesBlock(setup)}, jobs: [${jobs}] }`, '/tmp/bridge-test.json5', env);
  const supervisor = new Supervisor({ config, log: silentLogger, env, loadConfig: () => config });
  const bridge = new KubernetesBridge({ observed: supervisor, settings: resolveSettings(config.kubernetes, env), log, version: '9.9.9-test', timing: FAST });
  supervisor.attach(bridge);
  await supervisor.start();
  return {
    supervisor,
    bridge,
    lines,
    async stop() {
      await supervisor.shutdown({ kind: 'request' });
      await supervisor.done;
    },
  };
}

async function autopilot(setup: PodSetup): Promise<any> {
  const answer = await cluster.request('GET', autopilotPath(setup.namespace, setup.pod.name));
  return answer.status === 200 ? answer.body : undefined;
}

function condition(object: any, type: string): { status: string; reason: string; message: string; lastTransitionTime: string } | undefined {
  return object?.status?.conditions?.find((each: { type: string }) => each.type === type);
}

async function waitForReady(setup: PodSetup, status: 'True' | 'False', reason?: string, timeoutMs = 15_000): Promise<any> {
  return waitFor(
    async () => {
      const object = await autopilot(setup);
      const ready = condition(object, 'Ready');
      return ready?.status === status && (reason === undefined || ready.reason === reason) && object;
    },
    `Ready=${status}${reason ? ` (${reason})` : ''}`,
    timeoutMs,
    100,
  );
}

function problems(lines: string[]): string[] {
  return lines.filter((line) => line.startsWith('ERROR') || line.startsWith('WARN'));
}

const webJob = (health: HealthSwitch) => `{ name: "web", exec: "sleep 600", health: { exec: "${health.command}", interval: "200ms", timeout: "3s" } }`;

describe('the Kubernetes bridge', () => {
  it('with only the generated Role, creates an Autopilot owned by the pod, whose status follows the jobs', async () => {
    const setup = await podWithServiceAccount();
    const health = new HealthSwitch().healthy('all good');
    const run = await supervise(setup, webJob(health));
    try {
      const ready = await waitForReady(setup, 'True', 'Ready');
      assert.deepEqual(ready.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: setup.pod.name, uid: setup.pod.uid }]);
      assert.deepEqual(ready.spec, { podName: setup.pod.name, nodeName: 'node-a' });
      assert.equal(ready.status.version, '9.9.9-test');
      assert.equal(ready.status.configHash, run.supervisor.currentConfig.hash);
      assert.equal(ready.status.observedGeneration, ready.metadata.generation);
      assert.equal(ready.status.jobsHealthy, '1/1');
      assert.deepEqual(
        { ...ready.status.jobs[0], pid: typeof ready.status.jobs[0].pid, startedAt: typeof ready.status.jobs[0].startedAt, lastCheck: ready.status.jobs[0].lastCheck.output },
        { name: 'web', state: 'running', health: 'healthy', restarts: 0, pid: 'number', startedAt: 'string', lastCheck: 'all good' },
      );
      const readySince = condition(ready, 'Ready')?.lastTransitionTime;

      health.unhealthy('503 from /health');
      const unhealthy = await waitForReady(setup, 'False', 'JobUnhealthy');
      assert.equal(condition(unhealthy, 'Degraded')?.status, 'True');
      assert.match(condition(unhealthy, 'Ready')?.message ?? '', /web is unhealthy: 503 from \/health/);

      health.healthy('better');
      const recovered = await waitForReady(setup, 'True', 'Ready');
      assert.notEqual(condition(recovered, 'Ready')?.lastTransitionTime, undefined);
      assert.ok((condition(recovered, 'Ready')?.lastTransitionTime ?? '') >= (readySince ?? ''));
    } finally {
      await run.stop();
    }
    const last = await autopilot(setup);
    assert.deepEqual({ status: condition(last, 'Ready')?.status, reason: condition(last, 'Ready')?.reason }, { status: 'False', reason: 'ShuttingDown' });
    assert.equal(last.status.jobs[0].state, 'stopped');
    assert.deepEqual(problems(run.lines), [], 'no write was refused: the Role suffices and every field is declared');
  });

  it('posts Events about the pod that kubectl describe shows, folding repeats into a series', async () => {
    const setup = await podWithServiceAccount();
    const health = new HealthSwitch().healthy('ok');
    const run = await supervise(setup, webJob(health));
    try {
      await waitForReady(setup, 'True');
      for (let flip = 0; flip < 3; flip++) {
        health.unhealthy('down');
        await waitForReady(setup, 'False', 'JobUnhealthy');
        health.healthy('ok');
        await waitForReady(setup, 'True');
      }
      const events = await waitFor(async () => {
        const list = await cluster.must('GET', `/apis/events.k8s.io/v1/namespaces/${setup.namespace}/events`);
        const unhealthy = list.items.find((event: any) => event.reason === 'Unhealthy');
        return unhealthy?.series?.count === 3 && list.items;
      }, 'the Unhealthy event with a series of 3', 10_000, 100);
      const unhealthy = events.find((event: any) => event.reason === 'Unhealthy');
      assert.deepEqual(unhealthy.regarding, { kind: 'Pod', namespace: setup.namespace, name: setup.pod.name, uid: setup.pod.uid, apiVersion: 'v1' });
      assert.equal(unhealthy.reportingController, 'pilotfish.dev/pilotfish');
      assert.equal(unhealthy.type, 'Warning');
      assert.equal(events.filter((event: any) => event.reason === 'Unhealthy').length, 1, 'repeats are one Event');

      const described = cluster.kubectl('describe', 'pod', setup.pod.name, '-n', setup.namespace);
      const eventSection = described.slice(described.indexOf('Events:'));
      assert.match(eventSection, /Normal\s+Started\s+.*pilotfish\.dev\/pilotfish\s+Job web started/);
      assert.match(eventSection, /Warning\s+Unhealthy\s+.*\(x3 over .*\)\s+pilotfish\.dev\/pilotfish\s+Job web is unhealthy: down/);
      assert.match(eventSection, /Normal\s+Healthy\s+/);
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('names the permission the Role lacks, once, and keeps the jobs running', async () => {
    const setup = await podWithServiceAccount('web-0', 'autopilots/status');
    const run = await supervise(setup, '{ name: "web", exec: "sleep 600" }');
    try {
      const denial = await waitFor(() => run.lines.find((line) => line.startsWith('ERROR')), 'the RBAC error', 10_000);
      assert.match(denial, /^ERROR Kubernetes RBAC denies "patch" on autopilots\/status in namespace pf-\w+: bind the Role printed by `pilotfish k8s manifests`/);
      await sleep(2 * FAST.status.patientMs);
      assert.equal(run.lines.filter((line) => line.startsWith('ERROR')).length, 1, 'said once');
      assert.equal(run.supervisor.job('web')?.state, 'running');
      assert.equal((await autopilot(setup)).status, undefined, 'created, but no status could be written');
    } finally {
      await run.stop();
    }
  });

  it('takes over the object an earlier pod of the same name left, and repairs it', async () => {
    const setup = await podWithServiceAccount('db-0');
    const stale = {
      apiVersion: 'pilotfish.dev/v1alpha1',
      kind: 'Autopilot',
      metadata: { name: 'db-0', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'db-0', uid: '00000000-dead-beef-0000-000000000000' }] },
      spec: { podName: 'db-0', nodeName: 'old-node' },
    };
    await cluster.must('POST', autopilotPath(setup.namespace), stale);
    await cluster.must('PATCH', `${autopilotPath(setup.namespace, 'db-0')}/status`, { status: { version: '0.0.1', restarts: 99, jobs: [{ name: 'gone', state: 'failed', health: 'unknown', restarts: 99 }] } }, { contentType: 'application/merge-patch+json' });

    const run = await supervise(setup, '{ name: "db", exec: "sleep 600" }');
    try {
      const repaired = await waitForReady(setup, 'True');
      assert.deepEqual(repaired.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'db-0', uid: setup.pod.uid }]);
      assert.equal(repaired.spec.nodeName, 'node-a');
      assert.deepEqual(repaired.status.jobs.map((job: { name: string }) => job.name), ['db']);
      assert.equal(repaired.status.restarts, 0);
      assert.ok(run.lines.some((line) => /took over the Autopilot object/.test(line)));
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines), []);
  });

  it('creates the object again when it is deleted', async () => {
    const setup = await podWithServiceAccount();
    const health = new HealthSwitch().healthy('ok');
    const run = await supervise(setup, webJob(health));
    try {
      const first = await waitForReady(setup, 'True');
      await cluster.must('DELETE', autopilotPath(setup.namespace, setup.pod.name));
      health.unhealthy('down');
      const again = await waitForReady(setup, 'False', 'JobUnhealthy');
      assert.notEqual(again.metadata.uid, first.metadata.uid);
    } finally {
      await run.stop();
    }
  });

  it('rides out an API server outage: the jobs are untouched and the status catches up', async () => {
    const setup = await podWithServiceAccount();
    const health = new HealthSwitch().healthy('ok');
    const run = await supervise(setup, webJob(health));
    try {
      await waitForReady(setup, 'True');
      const webPid = run.supervisor.job('web')?.pid;
      await cluster.stopApiServer();
      health.unhealthy('down during the outage');
      await waitFor(() => run.supervisor.job('web')?.health === 'unhealthy', 'web to turn unhealthy', 5_000);
      await sleep(2_000);
      assert.equal(run.supervisor.job('web')?.pid, webPid, 'the job kept running');
      assert.equal(run.supervisor.isShuttingDown, false);
      await cluster.startApiServer();
      const caughtUp = await waitForReady(setup, 'False', 'JobUnhealthy', 20_000);
      assert.match(condition(caughtUp, 'Ready')?.message ?? '', /down during the outage/);
    } finally {
      await run.stop();
    }
    const warnings = problems(run.lines);
    assert.ok(warnings.length >= 1 && warnings.every((line) => line.startsWith('WARN Kubernetes API unavailable')), `only outage warnings, said once:\n${warnings.join('\n')}`);
    assert.ok(run.lines.includes('INFO Kubernetes API writes succeed again'));
  });

  it('stops within its last-write bound even when the API server hangs', async () => {
    // A black hole: accepts connections and never answers (a wedged API server or load balancer).
    const blackHole = createServer(() => undefined).listen(0, '127.0.0.1');
    await once(blackHole, 'listening');
    const { port } = blackHole.address() as AddressInfo;
    const setup = await podWithServiceAccount();
    const env = { ...process.env, ...downwardApi(setup) };
    const config = loadConfigText(`{ kubernetes: { enabled: true, apiServer: "https://127.0.0.1:${port}", tokenFile: "${setup.tokenFile}", namespace: "${setup.namespace}" }, jobs: [{ name: "web", exec: "sleep 600" }] }`, '/tmp/hang.json5', env);
    const supervisor = new Supervisor({ config, log: silentLogger, env, loadConfig: () => config });
    supervisor.attach(new KubernetesBridge({ observed: supervisor, settings: resolveSettings(config.kubernetes, env), log: silentLogger, version: '0', timing: FAST }));
    try {
      await supervisor.start();
      await waitFor(() => supervisor.job('web')?.state === 'running', 'web to run');
      await sleep(FAST.status.debounceMs * 2);
      const stopping = Date.now();
      await supervisor.shutdown({ kind: 'request' });
      assert.ok(Date.now() - stopping < FAST.finalWriteMs + 2_000, `stopped in ${Date.now() - stopping} ms`);
    } finally {
      blackHole.close();
    }
  });

  it('keeps writes bounded under a flapping job', async () => {
    const setup = await podWithServiceAccount();
    const flapping = '{ name: "flappy", exec: "sh -c \'exit 3\'", restarts: "unlimited", backoff: { delay: "20ms", factor: 1, limit: "20ms" } }';
    const run = await supervise(setup, flapping);
    let transitions = 0;
    run.supervisor.bus.subscribe('test', (event) => {
      if (event.kind === 'transition') transitions++;
    });
    const seconds = 4;
    try {
      await sleep(seconds * 1000);
    } finally {
      await run.stop();
    }
    const { statusWrites, eventWrites } = run.bridge.status();
    // One status write per debounce interval at most, plus the first and the last.
    assert.ok(statusWrites <= (seconds * 1000) / FAST.status.debounceMs + 3, `${statusWrites} status writes for ${transitions} transitions`);
    // Each kind of Event (Started, Exited, Restarted) is posted once, then its series updated at most once per interval.
    assert.ok(eventWrites <= 3 * ((seconds * 1000) / FAST.eventSeriesMs + 2), `${eventWrites} event writes for ${transitions} transitions`);
    assert.ok(transitions > 3 * statusWrites, `the job flapped (${transitions} transitions) far more often than status was written (${statusWrites})`);
    const events = await cluster.must('GET', `/apis/events.k8s.io/v1/namespaces/${setup.namespace}/events`);
    const exited = events.items.filter((event: any) => event.reason === 'Exited');
    assert.equal(exited.length, 1, `one Exited event, its repeats in the series: ${JSON.stringify(exited.map((event: any) => [event.note, event.series]))}`);
    assert.ok(exited[0].series.count > 10);
    const last = await autopilot(setup);
    assert.ok(last.status.restarts > 10, 'the final status has the restart count');
  });
});

describe('pilotfish run in a pod', () => {
  it('attaches the bridge from config and the downward API; kubectl get ap shows it, -o wide too', async () => {
    const setup = await podWithServiceAccount();
    const run = runConfig(`{ ${kubernetesBlock(setup)}, jobs: [{ name: "app", exec: "sleep 600" }, { name: "crashy", exec: "sh -c 'exit 1'", restarts: 2, backoff: { delay: "10ms" } }] }`, {
      env: downwardApi(setup),
    });
    try {
      await waitFor(async () => (await autopilot(setup))?.status?.restarts === 2 && condition(await autopilot(setup), 'Ready')?.reason === 'JobFailed', 'the crashy job to have given up', 15_000, 200);
      const table = cluster.kubectl('get', 'ap', '-n', setup.namespace);
      const [header, row] = table.trim().split('\n');
      assert.match(header ?? '', /^NAME\s+READY\s+JOBS\s+RESTARTS\s+CONSUL\s+AGE$/);
      assert.match(row ?? '', new RegExp(`^${setup.pod.name}\\s+False\\s+1/2\\s+2\\s+Disabled\\s+\\d+s$`));
      const wide = cluster.kubectl('get', 'pilotfish', '-n', setup.namespace, '-o', 'wide');
      assert.match(wide, /REASON\s+NODE\s+VERSION\s+MESSAGE/);
      assert.match(wide, /JobFailed\s+node-a\s+\d+\.\d+\.\d+\s+crashy failed with code 1 and will not be restarted/);
    } finally {
      run.signal('SIGTERM');
      await run.exited;
    }
    const last = await autopilot(setup);
    assert.equal(condition(last, 'Ready')?.reason, 'ShuttingDown');
    assert.ok(run.lines.some((line) => line.includes(`reporting to ${cluster.server} as ${setup.namespace}/${setup.pod.name}`)), run.output());
  });
});
