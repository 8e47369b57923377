// Watches on Kubernetes Services against a real API server: pilotfish (a real process, with the
// Role `k8s manifests --config` prints for its config) informs on the Service's EndpointSlices,
// which the test writes as the endpointslice controller would (the test server runs none), and
// the hooks on `watch.backend` fire with the ready endpoints in their environment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigText } from '../../src/config/load.js';
import { readyEndpoints, type EndpointSlice } from '../../src/k8s/endpoint-slices.js';
import { manifests } from '../../src/k8s/manifests.js';
import { permissionsOf } from '../../src/k8s/permissions.js';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { KubeCluster } from '../helpers/kube.js';
import { runPilotfish } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const slice = (name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }], service = 'backend') => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'pilotfish-tests' } },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const ready = (address: string, conditions: Record<string, boolean> = { ready: true, serving: true, terminating: false }) => ({ addresses: [address], conditions });

describe('a watch on a Kubernetes Service, against a real API server', () => {
  let cluster: KubeCluster;
  let namespace: string;
  let pilotfish: RunningSupervisor;
  let reloadedConfig: string;
  const slices = () => `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`;
  const hookLines = (pattern: RegExp) => pilotfish.lines.filter((line) => pattern.test(line));
  const waitForHook = (text: string) =>
    waitFor(() => pilotfish.lines.some((line) => line.includes(text)), `a hook printing ${JSON.stringify(text)} in:\n${pilotfish.output()}`, 20_000, 50);

  before(async () => {
    cluster = await KubeCluster.start();
    namespace = await cluster.createNamespace();
    await cluster.must('POST', `/api/v1/namespaces/${namespace}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend' },
      spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9100 }] },
    });
    // No Consul anywhere; the pod's own Autopilot, and no Events or readiness gate: the Role
    // printed for this config has nothing else, so a request beyond it would be a logged 403.
    const body = (tokenFile: string) => `{
      kubernetes: { enabled: true, apiServer: "${cluster.server}", tokenFile: "${tokenFile}", caFile: "${cluster.caFile}", namespace: "${namespace}", events: false, readinessGate: false },
      watches: [{ name: "backend", source: "kubernetes", port: "http" }],
      jobs: [
        { name: "keeper", exec: "sleep 600" },
        { name: "on-change", exec: "sh -c 'echo \\"upstreams=[$PILOTFISH_WATCH_ADDRESSES] count=$PILOTFISH_WATCH_COUNT of $PILOTFISH_WATCH_NAME\\"'", when: { source: "watch.backend", each: "changed" } },
        { name: "on-healthy", exec: "echo backend up", when: { source: "watch.backend", each: "healthy" } },
        { name: "on-unhealthy", exec: "echo backend down", when: { source: "watch.backend", each: "unhealthy" } },
      ],
    }`;
    const [, serviceAccount, role, binding] = manifests({ namespace, serviceAccount: 'pilotfish', permissions: permissionsOf(loadConfigText(body('/unused'), '/tmp/x.json5', {}), namespace) });
    await cluster.apply([serviceAccount!, role!, binding!] as Array<Record<string, any>>);
    const tokenFile = cluster.writeFile(`token-${namespace}`, await cluster.serviceAccountToken(namespace, 'pilotfish'));
    // The Autopilot CRD is not installed: the bridge's status writes fail, and the watches do not care.
    pilotfish = await startSupervisor(body(tokenFile));
    reloadedConfig = body(tokenFile).replace('{ name: "backend", source: "kubernetes", port: "http" }', '{ name: "backend", source: "kubernetes", port: "http" }, { name: "orders", source: "kubernetes" }').replace(
      '{ name: "keeper", exec: "sleep 600" },',
      '{ name: "keeper", exec: "sleep 600" }, { name: "on-orders", exec: "sh -c \'echo \\"orders=[$PILOTFISH_WATCH_ADDRESSES]\\"\'", when: { source: "watch.orders", each: "changed" } },',
    );
  });
  after(async () => {
    await pilotfish?.stop();
    await cluster?.stop();
  });

  it('runs the change hook with the ready endpoints of the named port, and the healthy hook', async () => {
    await cluster.must('POST', slices(), slice('backend-a', [ready('10.1.0.1'), ready('10.1.0.2', { ready: false, serving: false, terminating: false })], [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9100, protocol: 'TCP' },
    ]));
    await waitForHook('upstreams=[10.1.0.1:8080] count=1 of backend');
    await waitForHook('[on-healthy] backend up');
  });

  it('merges the endpoints of several slices', async () => {
    // No conditions at all: ready, by the API's rule for an unset `ready`.
    await cluster.must('POST', slices(), slice('backend-b', [{ addresses: ['10.1.0.3'] }]));
    await waitForHook('upstreams=[10.1.0.1:8080,10.1.0.3:8080] count=2 of backend');
  });

  it('drops a terminating endpoint, its readiness unset or false, and takes one that became ready', async () => {
    const current = await cluster.must('GET', `${slices()}/backend-a`);
    current.endpoints = [ready('10.1.0.1', { ready: false, serving: true, terminating: true }), ready('10.1.0.2'), ready('10.1.0.4', { serving: true, terminating: true })];
    await cluster.must('PUT', `${slices()}/backend-a`, current);
    await waitForHook('upstreams=[10.1.0.2:8080,10.1.0.3:8080] count=2 of backend');
  });

  it('shows the endpoints through the control API and the CLI', async () => {
    const answer = await pilotfish.call('GET', '/v1/watches/backend');
    assert.equal(answer.status, 200);
    assert.equal(answer.json.source, 'kubernetes');
    assert.equal(answer.json.state, 'watching');
    assert.deepEqual(answer.json.endpoints.map((endpoint: { id: string }) => endpoint.id), ['10.1.0.2:8080', '10.1.0.3:8080']);
    const run = runPilotfish({ args: ['watches'], env: { PILOTFISH_SOCKET: pilotfish.socket } });
    assert.equal((await run.exited).code, 0, run.output());
    assert.match(run.output(), /^backend\s+kubernetes\s+watching\s+2\s+10\.1\.0\.2:8080,10\.1\.0\.3:8080\s/m);
  });

  it('deleting the last slice makes the watch unhealthy', async () => {
    await cluster.must('DELETE', `${slices()}/backend-b`);
    await waitForHook('upstreams=[10.1.0.2:8080] count=1 of backend');
    await cluster.must('DELETE', `${slices()}/backend-a`);
    await waitForHook('upstreams=[] count=0 of backend');
    await waitForHook('[on-unhealthy] backend down');
    // With exactly the Role its config needs, the watch was never refused.
    assert.deepEqual(hookLines(/RBAC|forbidden/i), []);
  });

  it('a reload starts a watch on another Service and keeps the running one', async () => {
    assert.notEqual(reloadedConfig, undefined);
    assert.match(reloadedConfig, /watch\.orders/);
    writeFileSync(join(pilotfish.dir, 'pilotfish.json5'), reloadedConfig);
    const reload = await pilotfish.call('POST', '/v1/reload');
    assert.equal(reload.status, 200, reload.body);
    await cluster.must('POST', slices(), slice('orders-a', [ready('10.3.0.1')], [{ name: 'grpc', port: 9000, protocol: 'TCP' }], 'orders'));
    await waitForHook('[on-orders] orders=[10.3.0.1:9000]');
    const watches = (await pilotfish.call('GET', '/v1/watches')).json.watches;
    assert.deepEqual(watches.map((watch: { name: string; state: string }) => `${watch.name} ${watch.state}`), ['backend watching', 'orders watching']);
  });
});

describe('the ready endpoints of slices', () => {
  const http = [{ name: 'http', port: 8080 }];
  it('pick the port by name or number, or the only one', () => {
    const slices: EndpointSlice[] = [{ metadata: { name: 'a' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [...http, { name: 'admin', port: 9000 }] }];
    assert.deepEqual(readyEndpoints(slices, 'admin').instances, [{ id: '10.0.0.1:9000', address: '10.0.0.1', port: 9000 }]);
    assert.deepEqual(readyEndpoints(slices, 8080).instances, [{ id: '10.0.0.1:8080', address: '10.0.0.1', port: 8080 }]);
    assert.deepEqual(readyEndpoints([{ ...slices[0]!, ports: http }], undefined).instances.length, 1);
  });

  it('say why when the port is ambiguous or missing, and use none of that slice', () => {
    const slices: EndpointSlice[] = [{ metadata: { name: 'a' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [...http, { name: 'admin', port: 9000 }] }];
    assert.deepEqual(readyEndpoints(slices, undefined), { instances: [], problem: "the Service has several ports (http, admin): name one with the watch's `port`" });
    assert.deepEqual(readyEndpoints(slices, 'grpc'), { instances: [], problem: 'the Service has no port "grpc" (it has http, admin)' });
  });

  it('count an endpoint whose readiness is unset, unless it is terminating; a terminating one only when ready outright', () => {
    const endpoints: EndpointSlice['endpoints'] = [
      { addresses: ['10.0.0.1'] },
      { addresses: ['10.0.0.2'], conditions: { serving: true } },
      { addresses: ['10.0.0.3'], conditions: { ready: false, serving: true } },
      { addresses: ['10.0.0.4'], conditions: { serving: true, terminating: true } },
      { addresses: ['10.0.0.5'], conditions: { ready: false, serving: true, terminating: true } },
      // publishNotReadyAddresses: the Service asks for it anyway.
      { addresses: ['10.0.0.6'], conditions: { ready: true, serving: true, terminating: true } },
    ];
    const slices: EndpointSlice[] = [{ metadata: { name: 'a' }, addressType: 'IPv4', endpoints, ports: http }];
    assert.deepEqual(readyEndpoints(slices, 'http').instances.map((instance) => instance.address), ['10.0.0.1', '10.0.0.2', '10.0.0.6']);
  });

  it('list an endpoint in two slices once (as during a move between slices), IPv6 bracketed', () => {
    const endpoint = { addresses: ['fd00::1'] };
    const slices: EndpointSlice[] = ['a', 'b'].map((name) => ({ metadata: { name }, addressType: 'IPv6', endpoints: [endpoint], ports: http }));
    assert.deepEqual(readyEndpoints(slices, 'http').instances, [{ id: '[fd00::1]:8080', address: 'fd00::1', port: 8080 }]);
  });
});

describe('the config of a watch', () => {
  const problems = (text: string) => {
    try {
      loadConfigText(text, '/tmp/watches.json5', {});
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
      throw error;
    }
    return [];
  };

  it('keeps ContainerPilot watches as they are, Consul by default', () => {
    const config = loadConfigText('{ watches: [{ name: "db", interval: 5, tag: "primary" }, { name: "web", source: "kubernetes", namespace: "shop", port: 8080 }] }', '/tmp/w.json5', {});
    assert.deepEqual(config.watches, [
      { name: 'db', interval: 5000, tag: 'primary' },
      { source: 'kubernetes', name: 'web', namespace: 'shop', port: 8080 },
    ]);
  });

  it("names each key of the other source, and a Consul watch's missing interval", () => {
    assert.deepEqual(problems('{ watches: [{ name: "db", port: "http" }, { name: "web", source: "kubernetes", interval: 5, dc: "x" }] }'), [
      'watches[0].interval: is required',
      'watches[0].port: is for watches with source "kubernetes", this one\'s source is "consul"',
      'watches[1].interval: is for watches with source "consul", this one\'s source is "kubernetes"',
      'watches[1].dc: is for watches with source "consul", this one\'s source is "kubernetes"',
    ]);
  });

  it('refuses a Kubernetes watch when the bridge is forced off', () => {
    assert.deepEqual(problems('{ kubernetes: { enabled: false }, watches: [{ name: "web", source: "kubernetes" }] }'), [
      'watches[0].source: a watch on a Kubernetes Service needs the Kubernetes bridge, which `kubernetes.enabled: false` turns off',
    ]);
  });
});
