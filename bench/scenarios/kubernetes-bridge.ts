// Scenario 7: what the Kubernetes bridge costs the API server, and how current its status is,
// while a job flaps every second; then how soon the status, and a spec change, catch up after an
// API server outage.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { autopilotPath } from '../../src/k8s/resource.js';
import { BridgeFixture, downwardApi } from '../../test/k8s/fixture.js';
import { withLaunch, type Instance } from '../instance.js';
import { sleep } from '../sleep.js';
import { summarize } from '../stats.js';
import { peerRequirement } from './peers.js';
import type { Scenario } from './types.js';

const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'APPLY'];

/** Each time the watched Autopilot changed: when the harness saw it, and the flapping job's pid then. */
interface Seen {
  at: number;
  pid: number | undefined;
}

export const kubernetesBridge: Scenario = {
  id: '7',
  title: 'Kubernetes bridge: API writes and status freshness, job flapping every second',
  method:
    'kube-apiserver + etcd as envtest runs them (test/peers), the Autopilot CRD and RBAC from `pilotfish k8s manifests`; the bridge at its defaults. ' +
    'One job runs 1 s, exits 1 and is restarted at once, over 60 s (quick: 10 s) after 3 s of warm-up. ' +
    'Writes: the API server\'s own apiserver_request_total (POST/PUT/PATCH/APPLY) for autopilots (status) and events. ' +
    'Freshness: for each job start, from its announcement to the first Autopilot (seen through a watch) showing that run or a later one. ' +
    'Catch-up: then the API server is stopped for 60 s, 30 s and 30 s (quick: once, 10 s), each time started again on the same port and etcd; ' +
    'from its /readyz passing (polled every 200 ms) to the Autopilot first showing more restarts than before the outage (polled every 50 ms). ' +
    'Steering: right after /readyz passes, `spec.maintenance` is flipped; from then to the status showing that maintenance for that generation (the informer, the supervisor and a status write)',
  capabilities: ['kubernetes-bridge'],
  requires: [peerRequirement('etcd'), peerRequirement('kube-apiserver')],
  metrics: [
    { key: 'writes', label: 'writes', unit: 'per min' },
    { key: 'statusWrites', label: 'status writes', unit: 'per min' },
    { key: 'eventWrites', label: 'event writes', unit: 'per min' },
    { key: 'flaps', label: 'job starts', unit: 'per min' },
    { key: 'freshnessP50', label: 'freshness p50', unit: 'ms' },
    { key: 'freshnessMax', label: 'freshness max', unit: 'ms' },
    { key: 'recoveryP50', label: 'catch-up after outage p50', unit: 'ms' },
    { key: 'recoveryMax', label: 'catch-up after outage max', unit: 'ms' },
    { key: 'steeringP50', label: 'spec applied after outage p50', unit: 'ms' },
    { key: 'steeringMax', label: 'spec applied after outage max', unit: 'ms' },
  ],
  runs: { full: 1, quick: 1 },
  async measure(supervisor, context) {
    const fixture = await BridgeFixture.start();
    try {
      const setup = await fixture.podWithServiceAccount();
      const { cluster } = fixture;
      const writes = async (resource: string) => {
        let sum = 0;
        for (const verb of WRITE_VERBS) sum += await cluster.counter('apiserver_request_total', { resource, verb });
        return sum;
      };
      const config = (announce: (name: string) => string) => ({
        kubernetes: { enabled: true, apiServer: cluster.server, tokenFile: setup.tokenFile, caFile: cluster.caFile, namespace: setup.namespace },
        jobs: [{ name: 'flapper', exec: ['/bin/sh', '-c', `${announce('flapper')}; sleep 1; exit 1`], restarts: 'unlimited', backoff: { resetAfter: '500ms' } }],
      });
      return await withLaunch(
        supervisor.name,
        (starts, dir) => {
          const launch = supervisor.prepareConfig!(config((name) => starts.announceCommand(name)), dir);
          return { ...launch, env: { ...launch.env, ...downwardApi(setup) } };
        },
        async (instance) => {
          await instance.started(1);
          const path = autopilotPath(setup.namespace, setup.pod.name);
          const watch = watchAutopilot(cluster.server, cluster.adminToken, cluster.caFile, path);
          let measured: Record<string, number>;
          try {
            await sleep(3000);
            const windowMs = (context.quick ? 10 : 60) * 1000;
            const [statusBefore, eventsBefore] = [await writes('autopilots'), await writes('events')];
            const from = performance.now();
            await sleep(windowMs);
            const [statusAfter, eventsAfter] = [await writes('autopilots'), await writes('events')];
            const perMinute = (count: number) => (count * 60_000) / windowMs;
            const failure = watch.error();
            if (failure) throw new Error(`the watch of the Autopilot failed: ${failure.message}`);
            const lags = freshness(instance, watch.seen, from, from + windowMs);
            const lag = summarize(lags);
            measured = {
              writes: perMinute(statusAfter - statusBefore + eventsAfter - eventsBefore),
              statusWrites: perMinute(statusAfter - statusBefore),
              eventWrites: perMinute(eventsAfter - eventsBefore),
              flaps: perMinute(instance.starts.starts.filter((start) => start.at >= from && start.at < from + windowMs).length),
              ...(lag ? { freshnessP50: lag.median, freshnessMax: lag.max } : {}),
            };
          } finally {
            watch.stop();
          }
          const recoveries: number[] = [];
          const steerings: number[] = [];
          for (const outageS of context.quick ? [10] : OUTAGES_S) {
            const { status, spec } = await catchUpAfterOutage(cluster, path, outageS * 1000);
            recoveries.push(status);
            steerings.push(spec);
          }
          const [recovery, steering] = [summarize(recoveries), summarize(steerings)];
          return {
            ...measured,
            ...(recovery ? { recoveryP50: recovery.median, recoveryMax: recovery.max } : {}),
            ...(steering ? { steeringP50: steering.median, steeringMax: steering.max } : {}),
          };
        },
      );
    } finally {
      await fixture.stop();
    }
  },
};

/** Outages, longest first: its backoff grown to the cap, the bridge relies on the probe alone. */
const OUTAGES_S = [60, 30, 30];

/**
 * Stops the API server for `outageMs`, starts it again on the same port and etcd, flips the spec's
 * maintenance, and returns the times from its /readyz passing to the Autopilot showing more
 * restarts than before (the job restarted every second of the outage, so any write since shows
 * more), and to its status showing the flipped maintenance applied.
 */
async function catchUpAfterOutage(cluster: BridgeFixture['cluster'], path: string, outageMs: number): Promise<{ status: number; spec: number }> {
  const autopilot = async () => (await cluster.request('GET', path)).body;
  const before = await autopilot();
  const maintenance = before?.spec?.maintenance !== true;
  await cluster.stopApiServer();
  await sleep(outageMs);
  await cluster.startApiServer();
  const back = performance.now();
  const { metadata } = await cluster.must('PATCH', path, { spec: { maintenance } }, { contentType: 'application/merge-patch+json' });
  const deadline = back + 5 * 60_000;
  const times: { status?: number; spec?: number } = {};
  while (times.status === undefined || times.spec === undefined) {
    if (performance.now() > deadline) throw new Error(`the Autopilot did not catch up within 5 minutes of a ${outageMs / 1000} s outage`);
    const { status } = await autopilot();
    if (times.status === undefined && (status?.restarts ?? -1) > (before?.status?.restarts ?? -1)) times.status = performance.now() - back;
    if (times.spec === undefined && status?.maintenance === maintenance && status.observedGeneration === metadata.generation) times.spec = performance.now() - back;
    await sleep(50);
  }
  return { status: times.status, spec: times.spec };
}

/**
 * For each job start announced in [from, to): the time until the Autopilot first showed that run
 * (its pid) or a later one. A run that ended before any write showed it counts until the write
 * that showed a later run: the status was that stale.
 */
function freshness(instance: Instance, seen: readonly Seen[], from: number, to: number): number[] {
  const starts = instance.starts.starts;
  const order = new Map(starts.map((start, index) => [start.pid, index]));
  const lags: number[] = [];
  starts.forEach((start, index) => {
    if (start.at < from || start.at >= to) return;
    const shown = seen.find((change) => change.at >= start.at && change.pid !== undefined && (order.get(change.pid) ?? -1) >= index);
    if (shown) lags.push(shown.at - start.at);
  });
  return lags;
}

/** A watch on one Autopilot (the API server streams every change as a JSON line). */
function watchAutopilot(server: string, token: string, caFile: string, path: string): { seen: Seen[]; error(): Error | undefined; stop(): void } {
  const seen: Seen[] = [];
  let failure: Error | undefined;
  const slash = path.lastIndexOf('/');
  const url = `${server}${path.slice(0, slash)}?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${path.slice(slash + 1)}`)}`;
  const outgoing = request(url, { ca: readFileSync(caFile), headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, (response) => {
    let partial = '';
    response.setEncoding('utf8').on('data', (chunk: string) => {
      const at = performance.now();
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as { object?: { status?: { jobs?: Array<{ name: string; pid?: number }> } } };
        seen.push({ at, pid: event.object?.status?.jobs?.find((job) => job.name === 'flapper')?.pid });
      }
    });
  });
  outgoing.on('error', (error) => (failure ??= error));
  outgoing.end();
  return { seen, error: () => failure, stop: () => outgoing.destroy() };
}
