// Scenario 7b: a change of a watched Kubernetes Service's EndpointSlices → the hook job running.
import { loadConfigText } from '../../src/config/load.js';
import { manifests } from '../../src/k8s/manifests.js';
import { permissionsOf } from '../../src/k8s/permissions.js';
import { BridgeFixture } from '../../test/k8s/fixture.js';
import { HOOK_LAG_METRICS, measureHookLags } from '../hook-lag.js';
import { withLaunch } from '../instance.js';
import { sleep } from '../sleep.js';
import { JOB_COMM } from '../workload.js';
import { peerRequirement } from './peers.js';
import type { Scenario } from './types.js';

/** Between one change's hook and the next change: nothing is rate-limited, this only keeps changes apart. */
const CHANGE_SPACING_MS = 500;

export const kubernetesWatch: Scenario = {
  id: '7b',
  title: 'Kubernetes: watched Service endpoints change → hook running',
  method:
    'kube-apiserver + etcd as envtest runs them (test/peers), the Role `pilotfish k8s manifests --config` prints; one watch of Service `backend` (source "kubernetes") ' +
    "and a hook job on its `changed` event; each change creates one more EndpointSlice (one ready endpoint, as the endpointslice controller would) through the API server; " +
    `from just before that request to the hook's announcement. 20 changes (quick: 3) on one supervisor, ${CHANGE_SPACING_MS} ms apart; p50 and min–max over the changes`,
  capabilities: ['kubernetes-bridge'],
  requires: [peerRequirement('etcd'), peerRequirement('kube-apiserver')],
  metrics: HOOK_LAG_METRICS,
  runs: { full: 1, quick: 1 },
  async measure(supervisor, context) {
    const fixture = await BridgeFixture.start();
    try {
      const { cluster } = fixture;
      const namespace = await cluster.createNamespace();
      const config = (tokenFile: string, announce: (name: string) => string) => ({
        kubernetes: { enabled: true, apiServer: cluster.server, tokenFile, caFile: cluster.caFile, namespace, events: false, readinessGate: false },
        watches: [{ name: 'backend', source: 'kubernetes', port: 'http' }],
        jobs: [
          { name: 'keeper', exec: ['/bin/sh', '-c', `${announce('keeper')}; exec ${JOB_COMM} 1000000`] },
          { name: 'on-change', exec: ['/bin/sh', '-c', announce('on-change')], when: { source: 'watch.backend', each: 'changed' } },
        ],
      });
      const permissions = permissionsOf(loadConfigText(JSON.stringify(config('/unused', () => 'true')), '/tmp/bench.json', {}), namespace);
      await cluster.apply(manifests({ namespace, serviceAccount: 'pilotfish', permissions }).slice(1) as Array<Record<string, any>>);
      const tokenFile = cluster.writeFile(`token-${namespace}`, await cluster.serviceAccountToken(namespace, 'pilotfish'));
      return await withLaunch(
        supervisor.name,
        (starts, dir) => supervisor.prepareConfig!(config(tokenFile, (name) => starts.announceCommand(name)), dir),
        async (instance) => {
          await instance.started(1);
          // The informer's first list (no slice yet) is not a change; let it arrive first.
          await sleep(1000);
          return measureHookLags(instance, {
            changes: context.quick ? 3 : 20,
            spacingMs: CHANGE_SPACING_MS,
            hook: 'on-change',
            change: (change) =>
              cluster.must('POST', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {
                apiVersion: 'discovery.k8s.io/v1',
                kind: 'EndpointSlice',
                metadata: { name: `backend-${change}`, labels: { 'kubernetes.io/service-name': 'backend' } },
                addressType: 'IPv4',
                endpoints: [{ addresses: [`10.2.0.${change}`], conditions: { ready: true } }],
                ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
              }),
          });
        },
      );
    } finally {
      await fixture.stop();
    }
  },
};
