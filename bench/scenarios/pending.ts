// Scenarios 5 and 7 measure features other issues are building. They declare what they need;
// until it exists the report says "not yet available" and why, and the run goes on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, goPeer } from '../supervisors/installed.js';
import type { Requirement, Scenario } from './types.js';

function builtModule(name: string, path: string): Requirement {
  return { name, missing: () => (existsSync(join(REPO_ROOT, path)) ? undefined : `${name} is not built yet (${path})`) };
}

function peerBinary(name: string): Requirement {
  return {
    name,
    missing() {
      const peer = goPeer(name).availability;
      return peer.available ? undefined : `${name}: ${peer.reason}`;
    },
  };
}

export const consulWatch: Scenario = {
  id: '5',
  title: 'Consul: watched service change → hook running',
  method: "pilotfish's blocking queries vs ContainerPilot's polling; p50 of change → hook",
  capabilities: ['jobs'],
  requires: [builtModule("pilotfish's Consul discovery", 'dist/src/discovery/consul.js'), peerBinary('consul')],
  metrics: [{ key: 'ms', label: 'change → hook', unit: 'ms' }],
  runs: { full: 20, quick: 3 },
};

export const kubernetesBridge: Scenario = {
  id: '7',
  title: 'Kubernetes bridge: API writes per minute and status freshness, job flapping every second',
  method: 'kube-apiserver + etcd as envtest runs them; writes counted at the API server',
  capabilities: ['jobs'],
  requires: [builtModule("pilotfish's Kubernetes bridge", 'dist/src/k8s/bridge.js'), peerBinary('kube-apiserver'), peerBinary('etcd')],
  metrics: [{ key: 'writes', label: 'writes', unit: 'per s' }],
  runs: { full: 3, quick: 1 },
};
