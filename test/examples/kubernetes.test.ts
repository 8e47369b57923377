// The Kubernetes example: its manifests are exactly what `pilotfish k8s manifests` prints, its
// config is valid, and a real API server accepts all of it (server-side dry run, strict fields).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { KubeCluster } from '../helpers/kube.js';
import { CLI, REPO_ROOT } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const EXAMPLE = join(REPO_ROOT, 'examples/kubernetes');

function pilotfish(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
}

function documents(file: string): Array<Record<string, any>> {
  return parseAllDocuments(readFileSync(join(EXAMPLE, file), 'utf8')).map((document) => document.toJS() as Record<string, any>);
}

let cluster: KubeCluster;
before(async () => {
  cluster = await KubeCluster.start();
});
after(() => cluster?.stop());

describe('the Kubernetes example', () => {
  it("ships the manifests command's output unchanged", () => {
    assert.equal(readFileSync(join(EXAMPLE, 'manifests.yaml'), 'utf8'), pilotfish('k8s', 'manifests', '--namespace', 'default', '--service-account', 'pilotfish'));
  });

  it('has a valid pilotfish config', () => {
    assert.match(pilotfish('validate', '--config', join(EXAMPLE, 'pilotfish.json5')), /valid \(3 job\(s\)/);
  });

  it('gives pilotfish its identity from the downward API and probes its /livez and /readyz', () => {
    const [deployment] = documents('deployment.yaml');
    const container = deployment?.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((variable: any) => [variable.name, variable.valueFrom?.fieldRef?.fieldPath ?? variable.value]));
    assert.deepEqual(env, { PILOTFISH_CONFIG: '/etc/pilotfish/pilotfish.json5', POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', POD_UID: 'metadata.uid', NODE_NAME: 'spec.nodeName' });
    assert.equal(container.livenessProbe.httpGet.path, '/livez');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    // The probes' named port is the one pilotfish's probe endpoints listen on.
    const probePort = container.ports.find((port: any) => port.name === container.livenessProbe.httpGet.port)?.containerPort;
    assert.equal(container.readinessProbe.httpGet.port, container.livenessProbe.httpGet.port);
    assert.equal(probePort, loadConfig(join(EXAMPLE, 'pilotfish.json5'), {}).probes?.port);
    assert.equal(deployment?.spec.template.spec.serviceAccountName, 'pilotfish');
  });

  it('is accepted by a real API server, manifests first, then the Deployment', async () => {
    const [crd, ...rbac] = documents('manifests.yaml');
    await cluster.apply([crd!, ...rbac]);
    await waitFor(async () => (await cluster.request('GET', '/apis/pilotfish.dev/v1alpha1/namespaces/default/autopilots')).status === 200, 'the Autopilot API', 20_000, 100);
    const [deployment] = documents('deployment.yaml');
    const dryRun = await cluster.request('POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All&fieldValidation=Strict', deployment);
    assert.equal(dryRun.status, 201, JSON.stringify(dryRun.body));
  });
});
