// Steering pods through their Autopilot's spec with kubectl against a real API server: maintenance
// (as `pilotfish maintenance on` does it: /readyz, the readiness gate, the hooks), a job restarted
// once, stopped and started again, a reload, what cannot be applied, a label selector over two
// pods, and a spec changed across an API server restart.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProbeServer } from '../../src/probes/server.js';
import { silentLogger } from '../../src/logging/logger.js';
import { HealthSwitch } from '../helpers/discovery.js';
import { freePorts } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { runConfig } from '../helpers/pilotfish.js';
import { BridgeFixture, condition, downwardApi, webJob, type PodSetup } from './fixture.js';

let fixture: BridgeFixture;
before(async () => {
  fixture = await BridgeFixture.start();
});
after(() => fixture?.stop());

function patch(setup: PodSetup, spec: object, target: string[] = [setup.pod.name]): void {
  fixture.cluster.kubectl('patch', 'ap', ...target, '-n', setup.namespace, '--type', 'merge', '-p', JSON.stringify({ spec }));
}

/** The Autopilot once its status says it applied the spec's current generation. */
async function waitForApplied(setup: PodSetup, status: 'True' | 'False' = 'True', reason?: string): Promise<any> {
  return waitFor(
    async () => {
      const object = await fixture.autopilot(setup);
      const applied = condition(object, 'SpecApplied');
      const current = object?.status?.observedGeneration === object?.metadata.generation;
      return current && applied?.status === status && (reason === undefined || applied.reason === reason) && object;
    },
    `SpecApplied=${status}${reason ? ` (${reason})` : ''} for the current generation`,
    15_000,
    100,
  );
}

type Run = Awaited<ReturnType<BridgeFixture['supervise']>>;

/** Runs `body` on a pod whose pilotfish runs one job, web, once the bridge has applied its first spec. */
async function withOneJob(body: (setup: PodSetup, run: Run) => Promise<void>): Promise<void> {
  const setup = await fixture.podWithServiceAccount();
  const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }');
  try {
    await waitForApplied(setup);
    await body(setup, run);
  } finally {
    await run.stop();
  }
}

/** Like withOneJob, with a reload that reads the same config and counts how often it was asked for. */
async function withCountedReloads(body: (setup: PodSetup, run: Run, reloads: () => number) => Promise<void>): Promise<void> {
  const setup = await fixture.podWithServiceAccount();
  let reloads = 0;
  const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }', {
    reloadConfig: (config) => {
      reloads += 1;
      return config;
    },
  });
  try {
    await waitForApplied(setup);
    await body(setup, run, () => reloads);
  } finally {
    await run.stop();
  }
}

const pidOf = (run: { supervisor: { job(name: string): { snapshot(): { pid?: number } } | undefined } }, name: string) => run.supervisor.job(name)?.snapshot().pid;

/** A time to the second, as `date -u +%FT%TZ` in a shell script writes it. */
const toTheSecond = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const now = () => toTheSecond(Date.now());

describe('steering a pod through its Autopilot', () => {
  it('turns maintenance on and off as `pilotfish maintenance` does: /readyz, the readiness gate, the hooks', async () => {
    const setup = await fixture.podWithServiceAccount('web-0', undefined, { readinessGate: true });
    const hookFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-steer-')), 'hooks');
    const hook = (event: string) => `{ name: "on-${event}", exec: ["/bin/sh", "-c", "echo ${event} >> ${hookFile}"], when: { source: "global", each: "${event}" } }`;
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, [webJob(health), hook('enterMaintenance'), hook('exitMaintenance')].join(', '));
    const [port] = await freePorts(1);
    const probes = new ProbeServer({ config: { port: port!, address: '127.0.0.1' }, supervisor: run.supervisor, log: silentLogger });
    await probes.start();
    const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
    try {
      await fixture.waitForReady(setup, 'True');
      await fixture.waitForGate(setup, 'True');
      await waitForApplied(setup);
      assert.equal(await readyz(), 200);

      patch(setup, { maintenance: true });
      const inMaintenance = await waitForApplied(setup);
      await waitFor(() => run.supervisor.inMaintenance, 'maintenance on');
      await fixture.waitForReady(setup, 'False', 'Maintenance');
      await fixture.waitForGate(setup, 'False');
      assert.equal(await readyz(), 503);
      await waitFor(() => existsSync(hookFile) && readFileSync(hookFile, 'utf8') === 'enterMaintenance\n', 'the enterMaintenance hook');
      assert.equal(inMaintenance.status.observedGeneration, inMaintenance.metadata.generation);

      patch(setup, { maintenance: false });
      await waitForApplied(setup);
      await waitFor(() => !run.supervisor.inMaintenance, 'maintenance off');
      await fixture.waitForReady(setup, 'True');
      await fixture.waitForGate(setup, 'True');
      assert.equal(await readyz(), 200);
      await waitFor(() => readFileSync(hookFile, 'utf8') === 'enterMaintenance\nexitMaintenance\n', 'the exitMaintenance hook');
    } finally {
      await probes.stop();
      await run.stop();
    }
  });

  it('restarts a job once for a restartedAt newer than its start, not again for later generations', async () => {
    const setup = await fixture.podWithServiceAccount();
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }, { name: "db", exec: "sleep 600" }');
    try {
      await waitForApplied(setup);
      const [webBefore, dbBefore] = [pidOf(run, 'web'), pidOf(run, 'db')];
      assert.ok(webBefore && dbBefore);
      // A restartedAt from before the job started is history: nothing to do.
      patch(setup, { jobs: [{ name: 'db', restartedAt: '2020-01-01T00:00:00Z' }] });
      await waitForApplied(setup);

      patch(setup, { jobs: [{ name: 'web', restartedAt: now() }] });
      await waitForApplied(setup);
      const webAfter = await waitFor(() => pidOf(run, 'web') !== webBefore && pidOf(run, 'web'), 'web restarted');
      assert.equal(pidOf(run, 'db'), dbBefore);

      // Another generation with the same restartedAt, and the bridge's relist after it: no second restart.
      patch(setup, { maintenance: false, jobs: [{ name: 'web', restartedAt: (await fixture.autopilot(setup)).spec.jobs[0].restartedAt }, { name: 'db' }] });
      await waitForApplied(setup);
      await sleep(500);
      assert.equal(pidOf(run, 'web'), webAfter);
      assert.equal(pidOf(run, 'db'), dbBefore);
    } finally {
      await run.stop();
    }
  });

  it('applies every generation seen, in order, though they came while a slow stop held up the first', async () => {
    const setup = await fixture.podWithServiceAccount();
    // Ignores SIGTERM: restarting it takes its whole stopTimeout.
    const slow = `{ name: "slow", exec: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"], stopTimeout: "3s" }`;
    const run = await fixture.supervise(setup, `${slow}, { name: "worker", exec: "sleep 600" }, { name: "w2", exec: "sleep 600" }`);
    try {
      await waitForApplied(setup);
      const before = ['slow', 'worker', 'w2'].map((name) => pidOf(run, name));
      // Each patch replaces the whole list, as the README's idiom does: only the middle generation names worker.
      patch(setup, { jobs: [{ name: 'slow', restartedAt: now() }] });
      await sleep(500);
      patch(setup, { jobs: [{ name: 'worker', restartedAt: now() }] });
      await sleep(300);
      patch(setup, { jobs: [{ name: 'w2', restartedAt: now() }] });
      await waitForApplied(setup);
      const after = ['slow', 'worker', 'w2'].map((name) => pidOf(run, name));
      assert.ok(after.every((pid, index) => pid !== undefined && pid !== before[index]), `every job restarted: ${JSON.stringify({ before, after })}`);
    } finally {
      await run.stop();
    }
  });

  it('stops a job and starts it again when the spec no longer says stopped', () =>
    withOneJob(async (setup, run) => {
      patch(setup, { jobs: [{ name: 'web', stopped: true }] });
      await waitFor(() => run.supervisor.job('web')?.snapshot().state === 'stopped', 'web stopped');
      await waitForApplied(setup);
      patch(setup, { jobs: null });
      await waitFor(() => run.supervisor.job('web')?.snapshot().state === 'running', 'web running again');
      await waitForApplied(setup);
    }));

  it('says SpecApplied False with the reason when a request cannot be applied: an unknown job, a rejected reload', async () => {
    const setup = await fixture.podWithServiceAccount();
    let reloads = 0;
    let reloadable = true;
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }', {
      reloadConfig: (config) => {
        reloads += 1;
        if (!reloadable) throw new Error('/etc/pilotfish.json5:3:12: jobs[0].exec: expected a command\n  3 |   exec: 42');
        return config;
      },
    });
    try {
      await waitForApplied(setup);
      patch(setup, { jobs: [{ name: 'nosuchjob', restartedAt: now() }] });
      const unknown = await waitForApplied(setup, 'False', 'UnknownJob');
      assert.equal(condition(unknown, 'SpecApplied')?.message, 'no job named "nosuchjob"');
      assert.equal(condition(unknown, 'Ready')?.status, 'True', 'a steering request that cannot be applied does not make the pod unready');

      const firstReload = now();
      patch(setup, { jobs: null, reloadedAt: firstReload });
      await waitForApplied(setup);
      assert.equal(reloads, 1);

      reloadable = false;
      await waitFor(() => now() !== firstReload, 'a reloadedAt one second later than the last one', 5_000, 50);
      patch(setup, { reloadedAt: now() });
      const failed = await waitForApplied(setup, 'False', 'ReloadFailed');
      assert.match(condition(failed, 'SpecApplied')?.message ?? '', /reload rejected, the running config stays in force: \/etc\/pilotfish.json5:3:12: jobs\[0\].exec: expected a command$/);
      assert.equal(reloads, 2);

      patch(setup, { maintenance: false });
      await waitForApplied(setup);
      assert.equal(reloads, 2, 'a reloadedAt is acted on once');
    } finally {
      await run.stop();
    }
  });

  it('refuses a restartedAt or reloadedAt far ahead of its clock, acting on neither, which would fire again at each start until then', () =>
    withCountedReloads(async (setup, run, reloads) => {
      const web = pidOf(run, 'web');
      const inAnHour = toTheSecond(Date.now() + 3_600_000);
      patch(setup, { jobs: [{ name: 'web', restartedAt: inAnHour }], reloadedAt: inAnHour });
      const refused = await waitForApplied(setup, 'False', 'TimeInFuture');
      assert.equal(
        condition(refused, 'SpecApplied')?.message,
        `reloadedAt ${inAnHour} is more than 5 minutes ahead of this pod's clock: not acted on; jobs[web].restartedAt ${inAnHour} is more than 5 minutes ahead of this pod's clock: not acted on`,
      );
      await sleep(500);
      assert.equal(pidOf(run, 'web'), web);
      assert.equal(reloads(), 0);
    }));

  it('reloads only for a reloadedAt newer than the last one acted on', () =>
    withCountedReloads(async (setup, run, reloads) => {
      // A second later than pilotfish's start, so that a reloadedAt a second older than now is still after it.
      const startedAt = Date.parse(run.supervisor.snapshot().startedAt);
      await waitFor(() => Date.now() >= startedAt + 2_000, "two seconds after pilotfish's start", 5_000, 50);
      const latest = now();
      patch(setup, { reloadedAt: latest });
      await waitForApplied(setup);
      assert.equal(reloads(), 1);
      patch(setup, { reloadedAt: toTheSecond(Date.parse(latest) - 1_000) });
      await waitForApplied(setup);
      assert.equal(reloads(), 1, 'an older reloadedAt asks for nothing the last reload did not do');
    }));

  it('rejects a spec the schema does not allow, naming the field', () =>
    withOneJob(async (setup) => {
      assert.throws(() => patch(setup, { jobs: [{ name: 'web', restartedAt: 'yesterday' }] }), /spec.jobs\[0\].restartedAt/);
      assert.throws(() => patch(setup, { maintenance: 'yes' }), /spec.maintenance/);
      assert.throws(() => patch(setup, { jobs: [{ name: ' web' }] }), /spec.jobs\[0\].name/);
    }));

  it("reaches every pod a label selector picks by its pod's labels, each with its own pilotfish process", async (t) => {
    const first = await fixture.podWithServiceAccount('web-0');
    const second: PodSetup = { ...first, pod: await fixture.cluster.createPod(first.namespace, 'web-1') };
    const other: PodSetup = { ...first, pod: await fixture.cluster.createPod(first.namespace, 'db-0') };
    const kubectl = (...args: string[]) => fixture.cluster.kubectl(...args, '-n', first.namespace);
    kubectl('label', 'pod', 'web-0', 'web-1', 'app=web');
    kubectl('label', 'pod', 'db-0', 'app=db');
    const picked = (selector: string) => kubectl('get', 'ap', '-l', selector, '-o', 'name').trim().split('\n').filter((line) => line !== '');
    const launched = performance.now();
    const runs = [first, second, other].map((setup) =>
      runConfig(`{ ${fixture.kubernetesBlock(setup)}, jobs: [{ name: "web", exec: "sleep 600" }] }`, { env: downwardApi(setup) }),
    );
    try {
      await waitFor(() => picked('app=web').length === 2 && picked('app=db').length === 1, "the Autopilots to carry their pods' labels", 20_000, 200);
      t.diagnostic(`the three Autopilots carried their pods' labels ${Math.round(performance.now() - launched)} ms after the processes were launched`);
      assert.deepEqual(picked('app=web'), ['autopilot.pilotfish.dev/web-0', 'autopilot.pilotfish.dev/web-1']);
      // `kubectl patch` takes no selector: the names come from `kubectl get -l` (piped through xargs in a shell).
      kubectl('patch', ...picked('app=web'), '--type', 'merge', '-p', JSON.stringify({ spec: { maintenance: true } }));
      await Promise.all([first, second].map((setup) => fixture.waitForReady(setup, 'False', 'Maintenance', 20_000)));
      const maintenance = await Promise.all([first, second, other].map(async (setup) => (await fixture.autopilot(setup)).status.maintenance));
      assert.deepEqual(maintenance, [true, true, false]);
      assert.equal(condition(await fixture.autopilot(other), 'Ready')?.status, 'True');
    } finally {
      for (const run of runs) run.signal('SIGTERM');
      await Promise.all(runs.map((run) => run.exited));
    }
  });

  it("follows its pod's labels as they change, and leaves an operator's own labels alone", async () => {
    const setup = await fixture.podWithServiceAccount('web-0');
    const kubectl = (...args: string[]) => fixture.cluster.kubectl(...args, '-n', setup.namespace);
    kubectl('label', 'pod', 'web-0', 'app=web', 'tier=front');
    const labels = async () => (await fixture.autopilot(setup))?.metadata.labels ?? {};
    const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }');
    try {
      await waitFor(async () => (await labels()).tier === 'front', "the pod's labels", 15_000, 100);
      kubectl('label', 'ap', 'web-0', 'owner=ops');
      kubectl('label', 'pod', 'web-0', 'app=canary', '--overwrite');
      kubectl('label', 'pod', 'web-0', 'tier-');
      // Within a resync of the labels (FAST: a second).
      await waitFor(async () => (await labels()).app === 'canary' && !('tier' in (await labels())), "the pod's changed labels", 15_000, 100);
      assert.deepEqual(await labels(), { app: 'canary', owner: 'ops', 'app.kubernetes.io/managed-by': 'pilotfish' });
      assert.equal((await fixture.autopilot(setup)).metadata.annotations['pilotfish.dev/pod-labels'], 'app');
    } finally {
      await run.stop();
    }
  });

  it('follows the spec across an API server restart', (t) =>
    withOneJob(async (setup, run) => {
      await fixture.cluster.restartApiServer();
      const back = Date.now();
      patch(setup, { maintenance: true });
      await waitFor(() => run.supervisor.inMaintenance, 'maintenance on after the restart', 20_000);
      await waitForApplied(setup);
      t.diagnostic(`the spec patched after the API server's restart was applied and reported ${Date.now() - back} ms after it was ready`);
    }));
});
