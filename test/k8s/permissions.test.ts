// `pilotfish k8s manifests --config FILE`: the Role grants only what that config makes the bridge do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load.js';
import { manifests, role } from '../../src/k8s/manifests.js';
import { permissionsOf } from '../../src/k8s/permissions.js';
import { runPilotfish, writeConfig } from '../helpers/pilotfish.js';

const load = (text: string) => loadConfigText(text, '/tmp/permissions.json5', {});
const resources = (object: any) => object.rules.map((rule: { resources: string[]; verbs: string[] }) => `${rule.resources.join(',')}:${rule.verbs.join(',')}`);

describe('the Role for a config', () => {
  it('has the Autopilot rules and the read of the pod (for its labels) always, and nothing else when Events and the readiness gate are off and nothing is watched', () => {
    const config = load('{ kubernetes: { events: false, readinessGate: false }, watches: [{ name: "db", interval: 5 }] }');
    assert.deepEqual(resources(role({ namespace: 'shop', serviceAccount: 'pf', permissions: permissionsOf(config, 'shop') })), [
      'autopilots:get,create,patch',
      'autopilots/status:patch',
      'autopilots:list,watch',
      'pods/status:get',
    ]);
  });

  it('adds Events, the patch of pods/status and EndpointSlices (list, watch) when the config uses them', () => {
    const config = load('{ watches: [{ name: "backend", source: "kubernetes" }] }');
    assert.deepEqual(resources(role({ namespace: 'shop', serviceAccount: 'pf', permissions: permissionsOf(config, 'shop') })), [
      'autopilots:get,create,patch',
      'autopilots/status:patch',
      'autopilots:list,watch',
      'events:create,patch',
      'pods/status:get,patch',
      'endpointslices:list,watch',
    ]);
  });

  it("grants another namespace's EndpointSlices with a Role there, bound to the pods' service account", () => {
    const config = load('{ kubernetes: { events: false }, watches: [{ name: "db", source: "kubernetes", namespace: "data" }, { name: "cache", source: "kubernetes", namespace: "data" }] }');
    const objects = manifests({ namespace: 'shop', serviceAccount: 'pf', permissions: permissionsOf(config, 'shop') }) as any[];
    assert.deepEqual(resources(objects[2]), ['autopilots:get,create,patch', 'autopilots/status:patch', 'autopilots:list,watch', 'pods/status:get,patch']);
    const [otherRole, otherBinding, ...rest] = objects.slice(4);
    assert.deepEqual(rest, []);
    assert.deepEqual(otherRole.metadata, { name: 'pilotfish-pf-shop-watches', namespace: 'data' });
    assert.deepEqual(resources(otherRole), ['endpointslices:list,watch']);
    assert.deepEqual(otherBinding.metadata, { name: 'pilotfish-pf-shop-watches', namespace: 'data' });
    assert.equal(otherBinding.roleRef.name, 'pilotfish-pf-shop-watches');
    assert.deepEqual(otherBinding.subjects, [{ kind: 'ServiceAccount', name: 'pf', namespace: 'shop' }]);
  });
});

describe('pilotfish k8s manifests --config', () => {
  it('prints the Role of that config', async () => {
    const { file } = writeConfig('{ kubernetes: { events: false }, watches: [{ name: "backend", source: "kubernetes", port: "http" }] }');
    const run = runPilotfish({ args: ['k8s', 'manifests', '--namespace', 'shop', '--config', file] });
    assert.equal((await run.exited).code, 0, run.output());
    const text = run.output();
    assert.match(text, /^# pilotfish k8s manifests --namespace shop --service-account pilotfish --config \S+/);
    assert.match(text, /resources:\n\s+- endpointslices\n\s+verbs:\n\s+- list\n\s+- watch/);
    assert.doesNotMatch(text, /events\.k8s\.io/);
  });

  it('refuses an invalid config with exit 2, printing nothing else', async () => {
    const { file } = writeConfig('{ watches: [{ name: "backend", source: "kubernetes", interval: 5 }] }');
    const run = runPilotfish({ args: ['k8s', 'manifests', '--config', file] });
    assert.equal((await run.exited).code, 2);
    assert.match(run.output(), /^invalid config:\n.*watches\[0\]\.interval.*is for watches with source "consul", this one's source is "kubernetes"/);
  });
});
