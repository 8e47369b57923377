// The two-tier Kubernetes example (examples/kubernetes), against a real API server: its manifests
// are what `pilotfish k8s manifests --config` prints for each tier, kubectl accepts all of it
// (server-side dry run), and pilotfish processes run as its three pods: the backends keep their
// readiness gates, the test writes the backend Service's EndpointSlices from them as the
// endpointslice controller would, and the frontend's hook points its proxy at the ready ones.
// EndpointSlices refuse loopback addresses: the backends listen on this machine's own address,
// each on a port of its own (so one slice each, as the controller makes for pods whose named
// port has different numbers).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { READINESS_GATE } from '../../src/k8s/readiness-gate.js';
import { httpCall } from '../helpers/control.js';
import { KubeCluster } from '../helpers/kube.js';
import { freePorts } from '../helpers/peers.js';
import { CLI, REPO_ROOT, runPilotfish, type PilotfishRun } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const EXAMPLE = join(REPO_ROOT, 'examples/kubernetes');
const NAMESPACE = 'default';
const BACKENDS = ['backend-0', 'backend-1'];

/** An address of this machine that an EndpointSlice takes (not loopback). */
function podAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((each) => each && each.family === 'IPv4' && !each.internal)?.address;
  if (!address) throw new Error('this test needs a non-loopback IPv4 address: EndpointSlices refuse loopback ones');
  return address;
}

function pilotfish(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: EXAMPLE, encoding: 'utf8' });
}

function documents(file: string): Array<Record<string, any>> {
  return parseAllDocuments(readFileSync(join(EXAMPLE, file), 'utf8')).map((document) => document.toJS() as Record<string, any>);
}

let cluster: KubeCluster;
before(async () => {
  cluster = await KubeCluster.start();
});
after(() => cluster?.stop());

describe('the two-tier Kubernetes example', () => {
  it("ships each tier's manifests as `k8s manifests --config` prints them: EndpointSlices for the frontend only", () => {
    for (const tier of ['backend', 'frontend']) {
      assert.equal(readFileSync(join(EXAMPLE, `manifests-${tier}.yaml`), 'utf8'), pilotfish('k8s', 'manifests', '--service-account', tier, '--config', `${tier}.json5`));
    }
    const rules = (tier: string) => documents(`manifests-${tier}.yaml`).find((object) => object.kind === 'Role')?.rules.flatMap((rule: any) => rule.resources);
    assert.ok(!rules('backend').includes('endpointslices'));
    assert.ok(rules('frontend').includes('endpointslices'));
  });

  it('has valid configs, without Consul', () => {
    for (const tier of ['backend', 'frontend']) {
      assert.match(pilotfish('validate', '--config', `${tier}.json5`), /valid/);
      assert.doesNotMatch(readFileSync(join(EXAMPLE, `${tier}.json5`), 'utf8'), /consul:/);
    }
  });

  it('gives the pods the readiness gate, the downward API and the service account of their tier', () => {
    const deployments = documents('app.yaml').filter((object) => object.kind === 'Deployment');
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      const tier = deployment.metadata.name;
      assert.equal(pod.serviceAccountName, tier);
      assert.deepEqual(pod.readinessGates, [{ conditionType: READINESS_GATE }]);
      const env = Object.fromEntries(pod.containers[0].env.map((variable: any) => [variable.name, variable.valueFrom?.fieldRef?.fieldPath ?? variable.value]));
      assert.equal(env.PILOTFISH_CONFIG, `/app/${tier}.json5`);
      assert.deepEqual([env.POD_NAME, env.POD_NAMESPACE, env.POD_UID], ['metadata.name', 'metadata.namespace', 'metadata.uid']);
    }
  });

  it('is accepted by kubectl apply --dry-run=server, manifests first', async () => {
    for (const tier of ['backend', 'frontend']) cluster.kubectl('apply', '-f', join(EXAMPLE, `manifests-${tier}.yaml`));
    await waitFor(async () => (await cluster.request('GET', `/apis/pilotfish.dev/v1alpha1/namespaces/${NAMESPACE}/autopilots`)).status === 200, 'the Autopilot API', 20_000, 100);
    const output = cluster.kubectl('apply', '--dry-run=server', '--validate=strict', '-f', join(EXAMPLE, 'app.yaml'));
    assert.match(output, /service\/backend created \(server dry run\)/);
    assert.match(output, /deployment\.apps\/frontend created \(server dry run\)/);
  });

  describe('run as its pods', () => {
    const pods: Array<{ name: string; run: PilotfishRun; socket: string }> = [];
    let backendPorts: number[];
    let frontendPort: number;
    const address = podAddress();

    /** A pod's pilotfish: the example's config with the test server in place of the in-cluster one, and ports of its own. */
    async function startPod(tier: 'backend' | 'frontend', name: string, env: Record<string, string>): Promise<void> {
      const dir = mkdtempSync(join(tmpdir(), `pilotfish-example-${name}-`));
      cpSync(EXAMPLE, dir, { recursive: true });
      const [probesPort] = await freePorts(1);
      const tokenFile = cluster.writeFile(`token-${name}`, await cluster.serviceAccountToken(NAMESPACE, tier));
      const original = readFileSync(join(dir, `${tier}.json5`), 'utf8');
      const text = original
        .replace(/^\{$/m, `{\n  kubernetes: { enabled: true, apiServer: "${cluster.server}", tokenFile: "${tokenFile}", caFile: "${cluster.caFile}" },`)
        .replace('probes: { port: 9091 }', `probes: { port: ${probesPort} }`);
      assert.equal(text.split('\n').length, original.split('\n').length + 1, 'the config took the test settings');
      assert.ok(text.includes(`port: ${probesPort}`));
      writeFileSync(join(dir, `${tier}.json5`), text);
      const pod = await cluster.createPod(NAMESPACE, name, [READINESS_GATE]);
      const socket = join(dir, 'control.socket');
      const run = runPilotfish({
        args: ['run', '--config', join(dir, `${tier}.json5`)],
        env: { ...env, POD_NAME: name, POD_NAMESPACE: NAMESPACE, POD_UID: pod.uid, NODE_NAME: 'node-a', PILOTFISH_SOCKET: socket, KUBERNETES_SERVICE_HOST: '' },
      });
      pods.push({ name, run, socket });
    }

    const podOf = (name: string) => pods.find((pod) => pod.name === name)!;
    const gate = async (name: string) =>
      (await cluster.must('GET', `/api/v1/namespaces/${NAMESPACE}/pods/${name}`)).status?.conditions?.find((condition: { type: string }) => condition.type === READINESS_GATE)?.status;

    /** What the endpointslice controller does: the backend pods, ready as their readiness gates say. */
    async function syncBackendSlices(): Promise<void> {
      for (const [index, name] of BACKENDS.entries()) {
        const ready = (await gate(name)) === 'True';
        await cluster.apply([
          {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { name: `backend-${index}x7k2p`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': 'backend', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
            addressType: 'IPv4',
            endpoints: [{ addresses: [address], conditions: { ready, serving: ready, terminating: false }, targetRef: { kind: 'Pod', name, namespace: NAMESPACE } }],
            ports: [{ name: 'http', port: backendPorts[index], protocol: 'TCP' }],
          },
        ]);
      }
    }

    async function answers(count: number): Promise<Set<string>> {
      const seen = new Set<string>();
      for (let i = 0; i < count; i++) seen.add((await httpCall({ host: '127.0.0.1', port: frontendPort }, 'GET', '/')).body.trim());
      return seen;
    }

    before(async () => {
      cluster.kubectl('apply', '-f', join(EXAMPLE, 'app.yaml'));
      const ports = await freePorts(3);
      frontendPort = ports.pop()!;
      backendPorts = ports;
      for (const [index, name] of BACKENDS.entries()) await startPod('backend', name, { POD_IP: address, BACKEND_PORT: String(backendPorts[index]) });
      const upstreams = join(mkdtempSync(join(tmpdir(), 'pilotfish-example-upstreams-')), 'upstreams');
      await startPod('frontend', 'frontend-0', { FRONTEND_PORT: String(frontendPort), UPSTREAMS_FILE: upstreams });
    });
    after(async () => {
      for (const { run } of pods) run.signal('SIGTERM');
      await Promise.all(pods.map(({ run }) => run.exited));
    });

    it('the backends become ready through their readiness gates, and kubectl shows every pod as an Autopilot', async () => {
      for (const name of [...BACKENDS, 'frontend-0']) {
        await waitFor(async () => (await gate(name)) === 'True', `${name}'s readiness gate True\n${podOf(name).run.output()}`, 30_000, 200);
      }
      const table = cluster.kubectl('get', 'ap', '-n', NAMESPACE);
      for (const name of [...BACKENDS, 'frontend-0']) assert.match(table, new RegExp(`^${name}\\s+True\\s+(\\d)/\\1\\s`, 'm'));
    });

    it("the frontend's hook points the proxy at both ready backends", async () => {
      await syncBackendSlices();
      const frontend = podOf('frontend-0').run;
      await waitFor(() => frontend.lines.some((line) => line.includes('[update-upstreams] upstreams: 2 ready backend(s)')), `the hook\n${frontend.output()}`, 20_000, 50);
      await waitFor(async () => (await answers(4)).size === 2, `answers from both backends\n${frontend.output()}`, 10_000, 100);
      assert.deepEqual([...(await answers(4))].sort(), ['hello from backend-0', 'hello from backend-1']);
      const watches = runPilotfish({ args: ['watches', 'backend'], env: { PILOTFISH_SOCKET: podOf('frontend-0').socket } });
      assert.equal((await watches.exited).code, 0, watches.output());
      const endpoints = backendPorts.map((port) => `  ${address}:${port}`).sort();
      assert.equal(watches.output(), [watches.output().split('\n')[0], ...endpoints].join('\n'));
      assert.match(watches.output(), /^backend \(kubernetes\): watching, 2 healthy, last change /);
    });

    it('a backend in maintenance leaves the rotation: its gate, then its endpoint, then the upstream list', async () => {
      const maintenance = runPilotfish({ args: ['maintenance', 'on'], env: { PILOTFISH_SOCKET: podOf('backend-1').socket } });
      assert.equal((await maintenance.exited).code, 0, maintenance.output());
      await waitFor(async () => (await gate('backend-1')) === 'False', "backend-1's readiness gate False", 20_000, 100);
      await syncBackendSlices();
      const frontend = podOf('frontend-0').run;
      await waitFor(() => frontend.lines.some((line) => line.includes('[update-upstreams] upstreams: 1 ready backend(s)')), `the hook\n${frontend.output()}`, 20_000, 50);
      await waitFor(async () => {
        const seen = await answers(4);
        return seen.size === 1 && seen.has('hello from backend-0');
      }, `answers from backend-0 only\n${frontend.output()}`, 10_000, 100);
    });
  });
});
