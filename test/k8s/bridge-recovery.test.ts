// The bridge recovering from what a real API server answers when it will not take a write: a
// rejected (rotated) token, throttling by API Priority and Fairness (429 with Retry-After), and a
// status the installed CRD's schema refuses (422). Its own cluster: these tests restart the API
// server and change cluster-wide objects (the CRD, flow-control configuration).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { customResourceDefinition } from '../../src/k8s/manifests.js';
import { autopilotPath } from '../../src/k8s/resource.js';
import { HealthSwitch } from '../helpers/discovery.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { BridgeFixture, FAST, condition, problems, webJob, type PodSetup } from './fixture.js';

let fixture: BridgeFixture;
before(async () => {
  fixture = await BridgeFixture.start();
});
after(() => fixture?.stop());

const serviceAccountUser = (setup: PodSetup) => `system:serviceaccount:${setup.namespace}:pilotfish`;

/** What the kubelet does to a projected token: a new file renamed over the old one. */
function rotateToken(path: string, token: string): void {
  writeFileSync(`${path}.new`, token);
  renameSync(`${path}.new`, path);
}

describe('the Kubernetes bridge recovering', () => {
  it('re-reads a rotated token when the API server rejects the old one, without an error', async () => {
    const setup = await fixture.podWithServiceAccount();
    const [tokenA, tokenB] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    // Static tokens, authenticated as the service account, so the generated Role still applies.
    fixture.cluster.setStaticTokens([{ token: tokenA, user: serviceAccountUser(setup) }]);
    await fixture.cluster.restartApiServer();
    rotateToken(setup.tokenFile, tokenA);
    const health = new HealthSwitch().healthy('ok');
    // The default maximum age (1 minute) outlasts the test: only the 401 can make the bridge read the file again.
    const run = await fixture.supervise(setup, webJob(health));
    try {
      await fixture.waitForReady(setup, 'True');
      assert.equal((await fixture.cluster.request('GET', autopilotPath(setup.namespace, setup.pod.name), undefined, { token: tokenA })).status, 200);

      rotateToken(setup.tokenFile, tokenB);
      fixture.cluster.setStaticTokens([{ token: tokenB, user: serviceAccountUser(setup) }]);
      await fixture.cluster.restartApiServer();
      assert.equal((await fixture.cluster.request('GET', autopilotPath(setup.namespace, setup.pod.name), undefined, { token: tokenA })).status, 401, 'A is no longer accepted');
      health.unhealthy('after the rotation');
      // By its message: a check that read the old message before the switch also counts as unhealthy.
      await waitFor(async () => /after the rotation/.test(condition(await fixture.autopilot(setup), 'Ready')?.message ?? ''), 'the status written with the new token', 15_000, 100);
      assert.ok(run.lines.includes(`DEBUG the API server rejects the token: reading ${setup.tokenFile} again`), run.lines.join('\n'));
      assert.equal(run.supervisor.isShuttingDown, false);
    } finally {
      await run.stop();
    }
    assert.deepEqual(problems(run.lines).filter((line) => line.startsWith('ERROR')), [], 'no error: a rotated token is routine');
  });

  it('catches up soon after an API server outage, however long its write backoff has grown', async (t) => {
    const setup = await fixture.podWithServiceAccount('web-0', undefined, { readinessGate: true });
    const health = new HealthSwitch().healthy('ok');
    // A ten-minute write backoff: only the probe of the returning server can bring the writes back within the test.
    const stubborn = { initialMs: 600_000, maxMs: 600_000 };
    const timing = { ...FAST, status: { ...FAST.status, backoff: stubborn }, events: { ...FAST.events, backoff: stubborn } };
    const run = await fixture.supervise(setup, webJob(health), { timing });
    try {
      await fixture.waitForReady(setup, 'True');
      await fixture.waitForGate(setup, 'True');
      await fixture.cluster.stopApiServer();
      health.unhealthy('down during the outage');
      await waitFor(() => run.lines.some((line) => line.startsWith('WARN Kubernetes API unavailable')), 'a write to fail', 10_000);
      await sleep(3_000);
      await fixture.cluster.startApiServer();
      const back = Date.now();
      // Generous deadlines: hang detectors, not timing assertions.
      const caughtUp = await fixture.waitForReady(setup, 'False', 'JobUnhealthy', 30_000);
      t.diagnostic(`Autopilot status caught up ${Date.now() - back} ms after the API server was ready`);
      assert.match(condition(caughtUp, 'Ready')?.message ?? '', /down during the outage/);
      await fixture.waitForGate(setup, 'False', 'JobsNotReady', 30_000);
      assert.equal(run.supervisor.job('web')?.state, 'running');
      // Said once every loop (status, Events, the gate, the labels and the spec's informer) has succeeded: the informer may be last.
      await waitFor(() => run.lines.includes('INFO Kubernetes API writes succeed again'), 'the all-clear line', 30_000, 100);
    } finally {
      await run.stop();
    }
  });

  it('waits as long as a throttling API server says (429, Retry-After), then catches up', async () => {
    const setup = await fixture.podWithServiceAccount();
    const flow = `pf-throttled-${setup.namespace}`;
    // A priority level without seats of its own that rejects what it cannot run at once, for the
    // bridge's service account: while one of its requests runs, APF answers the others 429.
    await fixture.cluster.apply([
      {
        apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
        kind: 'PriorityLevelConfiguration',
        metadata: { name: flow },
        spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Reject' } } },
      },
      {
        apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
        kind: 'FlowSchema',
        metadata: { name: flow },
        spec: {
          priorityLevelConfiguration: { name: flow },
          matchingPrecedence: 100,
          distinguisherMethod: { type: 'ByUser' },
          rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'pilotfish', namespace: setup.namespace } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }] }],
        },
      },
    ]);
    const rejected = () => fixture.cluster.counter('apiserver_flowcontrol_rejected_requests_total', { flow_schema: flow });
    const hog = await holdSeat(setup);
    // Without Retry-After this backoff would retry every 50 ms at most.
    const eager = { ...FAST, status: { ...FAST.status, backoff: { initialMs: 20, maxMs: 50 } }, events: { ...FAST.events, backoff: { initialMs: 20, maxMs: 50 } } };
    const health = new HealthSwitch().healthy('ok');
    const run = await fixture.supervise(setup, webJob(health), { timing: eager });
    try {
      await waitFor(async () => (await rejected()) > 0, 'the bridge to be throttled', 10_000, 100);
      const throttledFrom = performance.now();
      const before = await rejected();
      await sleep(3_000);
      const during = (await rejected()) - before;
      // Retry-After is at least 1 s: each of the five loops (status, Events, readiness gate, labels, the spec's informer) retries at most once a second.
      const bound = 5 * (Math.ceil((performance.now() - throttledFrom) / 1000) + 1);
      assert.ok(during >= 1 && during <= bound, `${during} requests rejected in 3 s (bound ${bound})`);
      assert.equal(await fixture.autopilot(setup), undefined, 'nothing got through');
      assert.equal(run.supervisor.job('web')?.state, 'running');

      hog.release();
      await fixture.waitForReady(setup, 'True');
      // Said once every loop (status, Events, the gate and the spec's informer) has succeeded: the informer may be last.
      await waitFor(() => run.lines.includes('INFO Kubernetes API writes succeed again'), 'the all-clear line', 30_000, 100);
    } finally {
      hog.release();
      await run.stop();
    }
    // Up to the all-clear: the flow schema stays, so the account keeps its one seat, and the
    // writes that run.stop() makes at once may meet a 429 of their own — a new problem, said anew.
    const warnings = problems(run.lines.slice(0, run.lines.indexOf('INFO Kubernetes API writes succeed again')));
    assert.deepEqual(warnings, ['WARN Kubernetes API unavailable (Too many requests, please try again later.): retrying with backoff; the jobs are not affected'], 'said once');
  });

  it('logs a status the installed CRD refuses (422) with its field causes, backs off, and recovers once the CRD is fixed', async () => {
    const setup = await fixture.podWithServiceAccount();
    // An installed CRD out of step with this pilotfish: it allows job names of two characters only.
    // A copy: the generated CRD shares its schema objects.
    const crd = structuredClone(customResourceDefinition()) as any;
    crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.jobs.items.properties.name = { type: 'string', maxLength: 2 };
    await fixture.cluster.apply([crd]);
    const invalidCalls = () => fixture.cluster.counter('apiserver_request_total', { resource: 'autopilots', subresource: 'status', code: '422' });
    try {
      // The schema applies once the API server has reloaded the CRD: wait until it refuses what the bridge would write.
      await waitFor(async () => {
        await fixture.cluster.request('POST', autopilotPath(setup.namespace), { apiVersion: 'pilotfish.dev/v1alpha1', kind: 'Autopilot', metadata: { name: 'probe' } });
        const answer = await fixture.cluster.request('PATCH', `${autopilotPath(setup.namespace, 'probe')}/status`, { status: { jobs: [{ name: 'web', state: 'x', health: 'x', restarts: 0 }] } }, { contentType: 'application/merge-patch+json' });
        return answer.status === 422;
      }, 'the stricter CRD to apply', 10_000, 100);
      const run = await fixture.supervise(setup, '{ name: "web", exec: "sleep 600" }');
      try {
        const refusal = await waitFor(() => run.lines.find((line) => line.startsWith('ERROR')), 'the 422 to be logged', 10_000);
        assert.match(refusal, /^ERROR Kubernetes API refused to patch autopilots\/status: HTTP 422 Invalid: .*; fields: status\.jobs\[0\]\.name: Too long: may not be (more than|longer than) 2/);
        const before = await invalidCalls();
        await sleep(3_000);
        const during = (await invalidCalls()) - before;
        // Exponential backoff (FAST: 100 ms doubling to 1 s): a handful in 3 s, not a hot loop.
        assert.ok(during <= 8, `${during} refused writes in 3 s`);
        assert.equal(run.lines.filter((line) => line.startsWith('ERROR')).length, 1, 'said once');
        assert.equal(run.supervisor.job('web')?.state, 'running');

        await fixture.cluster.apply([customResourceDefinition()]);
        await fixture.waitForReady(setup, 'True');
        await waitFor(() => run.lines.includes('INFO Kubernetes API writes succeed again'), 'the all-clear line', 10_000, 100);
      } finally {
        await run.stop();
      }
    } finally {
      await fixture.cluster.apply([customResourceDefinition()]);
    }
  });
});

/**
 * Occupies the flow's only seat: a status patch as the bridge's service account whose body never
 * comes, so the API server holds it (admitted and authorized) until released. Sent again until
 * another request of that account is refused, since the flow schema applies a moment after it is
 * created.
 */
async function holdSeat(setup: PodSetup): Promise<{ release(): void }> {
  const { cluster } = fixture;
  const token = readFileSync(setup.tokenFile, 'utf8');
  let held: ClientRequest | undefined;
  await waitFor(
    async () => {
      held?.destroy();
      held = request(`${cluster.server}${autopilotPath(setup.namespace, 'hog')}/status`, {
        method: 'PATCH',
        ca: readFileSync(cluster.caFile),
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/merge-patch+json', 'Content-Length': '1000' },
      });
      held.on('error', () => undefined);
      held.write('{');
      await sleep(200);
      return (await cluster.request('GET', autopilotPath(setup.namespace, 'probe'), undefined, { token })).status === 429;
    },
    'a held request to fill the flow',
    10_000,
    100,
  );
  return { release: () => held?.destroy() };
}
