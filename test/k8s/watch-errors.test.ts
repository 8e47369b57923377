// A watch on a Kubernetes Service whose EndpointSlices the Role does not grant, against a real API
// server: the refusal is the watch's `error` (what `pilotfish watches` and /v1/watches show) and
// is in the Autopilot's status.watches, until the Role grants the slices and the watch answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manifests } from '../../src/k8s/manifests.js';
import { waitFor } from '../helpers/wait.js';
import { BridgeFixture } from './fixture.js';

let fixture: BridgeFixture;
before(async () => {
  fixture = await BridgeFixture.start();
});
after(() => fixture?.stop());

describe('a failing watch on a Kubernetes Service', () => {
  it('shows the refusal in its error field and in the Autopilot status, and clears it once the Role grants the slices', async () => {
    // The Role printed without a config grants no EndpointSlices.
    const setup = await fixture.podWithServiceAccount('front-0');
    const run = await fixture.supervise(setup, '{ name: "keeper", exec: "sleep 600" }', { watches: '[{ name: "backend", source: "kubernetes" }]' });
    const report = () => run.supervisor.watches.reports(run.supervisor.currentConfig.watches)[0];
    const statusRow = async () => (await fixture.autopilot(setup))?.status?.watches?.[0];
    const refusal = /^list discovery\.k8s\.io\/endpointslices: HTTP 403 Forbidden: endpointslices\.discovery\.k8s\.io is forbidden: User "system:serviceaccount:[^"]+:pilotfish" cannot list resource "endpointslices"/;
    try {
      const failing = await waitFor(() => (report()?.error === undefined ? undefined : report()), 'the watch to fail', 15_000, 50);
      assert.match(failing.error ?? '', refusal);
      assert.equal(failing.state, 'waiting');
      assert.ok(failing.failingSince);
      const row = await waitFor(async () => (await statusRow())?.error !== undefined && statusRow(), 'the failure in status.watches', 15_000, 100);
      assert.equal(row.name, 'backend');
      assert.equal(row.source, 'kubernetes');
      assert.match(row.error, refusal);

      const [, , role] = manifests({ namespace: setup.namespace, serviceAccount: 'pilotfish', permissions: { events: true, readinessGate: true, endpointSliceNamespaces: [setup.namespace] } });
      await fixture.cluster.apply([role!]);
      await fixture.cluster.must('POST', `/apis/discovery.k8s.io/v1/namespaces/${setup.namespace}/endpointslices`, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'backend-a', labels: { 'kubernetes.io/service-name': 'backend' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.9.0.1'] }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      });
      const recovered = await waitFor(() => (report()?.state === 'watching' && report()?.error === undefined ? report() : undefined), 'the watch to answer', 20_000, 50);
      assert.equal(recovered.state, 'watching');
      assert.equal(recovered.failingSince, undefined);
      await waitFor(async () => (await statusRow())?.instances === 1 && statusRow(), 'status.watches to show the answer', 15_000, 100);
      assert.equal((await statusRow()).error, undefined);
    } finally {
      await run.stop();
    }
  });
});
