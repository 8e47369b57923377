// The generated manifests: a CRD that a real API server accepts as structural and establishes,
// a schema that declares every field the bridge writes, and a Role with only what it does.
// (That the Role is enough, and the printer columns, are shown with a running bridge in
// bridge.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { customResourceDefinition, manifests, role } from '../../src/k8s/manifests.js';
import { buildStatus } from '../../src/k8s/status.js';
import { KubeCluster } from '../helpers/kube.js';
import { waitFor } from '../helpers/wait.js';

let cluster: KubeCluster;
before(async () => {
  cluster = await KubeCluster.start();
});
after(() => cluster?.stop());

describe('the generated CRD', () => {
  it('is accepted with strict field validation and becomes Established under its names', async () => {
    await cluster.apply([customResourceDefinition()]);
    const crd = await waitFor(async () => {
      const found = await cluster.must('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/autopilots.pilotfish.dev');
      return found.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True') && found;
    }, 'the CRD to be Established', 20_000, 100);
    const conditions = Object.fromEntries(crd.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]));
    assert.equal(conditions.NamesAccepted, 'True');
    assert.equal(conditions.NonStructuralSchema, undefined, 'the schema is structural');
    assert.deepEqual(crd.status.acceptedNames.shortNames, ['ap']);
    assert.deepEqual(crd.status.acceptedNames.categories, ['pilotfish']);
    assert.match(cluster.kubectl('api-resources', '--api-group=pilotfish.dev'), /autopilots\s+ap\s+pilotfish.dev\/v1alpha1\s+true\s+Autopilot/);
  });
});

describe('the generated Role', () => {
  it('grants exactly what the bridge requests, in its namespace only', () => {
    assert.deepEqual(role({ namespace: 'shop', serviceAccount: 'web' }), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pilotfish-web', namespace: 'shop' },
      rules: [
        { apiGroups: ['pilotfish.dev'], resources: ['autopilots'], verbs: ['get', 'create', 'patch'] },
        { apiGroups: ['pilotfish.dev'], resources: ['autopilots/status'], verbs: ['patch'] },
        { apiGroups: ['pilotfish.dev'], resources: ['autopilots'], verbs: ['list', 'watch'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['pods/status'], verbs: ['get', 'patch'] },
      ],
    });
  });

  it('is bound to the given service account, which is created with it, and named after it', () => {
    const [, serviceAccount, , binding] = manifests({ namespace: 'shop', serviceAccount: 'web' });
    assert.deepEqual(serviceAccount, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } });
    assert.deepEqual((binding as { subjects: unknown }).subjects, [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }]);
    assert.deepEqual((binding as { roleRef: unknown }).roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pilotfish-web' });
  });
});

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema };

/** Paths in `value` that `schema` does not declare, or declares with another type. */
function undeclared(value: unknown, schema: Schema, path = ''): string[] {
  const type = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (schema.type !== type) return [`${path}: ${type}, declared ${schema.type}`];
  if (Array.isArray(value)) return value.flatMap((item, index) => undeclared(item, schema.items ?? {}, `${path}[${index}]`));
  if (type !== 'object') return [];
  return Object.entries(value as object).flatMap(([key, child]) => {
    const declared = schema.properties?.[key];
    return declared ? undeclared(child, declared, `${path}.${key}`) : [`${path}.${key}: not declared`];
  });
}

describe('the CRD schema', () => {
  it('declares every field of the status, with its type, so nothing is pruned', () => {
    const status = buildStatus(
      {
        pid: 1,
        startedAt: '2026-01-01T00:00:00.000Z',
        configFile: '/app/pilotfish.json5',
        configHash: 'abc',
        shuttingDown: false,
        maintenance: false,
        jobs: [
          {
            name: 'web',
            state: 'running',
            health: 'healthy',
            pid: 7,
            restarts: 1,
            startedAt: '2026-01-01T00:00:01.000Z',
            lastExit: { code: 1, signal: 'SIGTERM', at: '2026-01-01T00:00:00.500Z', error: 'spawn ENOENT' },
            lastCheck: { ok: true, output: 'ok', durationMs: 2 },
            statusText: 'serving',
          },
        ],
        components: {
          discovery: { consul: 'consul:8500', services: [{ id: 'web-pod', name: 'web', maintenance: false, state: 'registered', check: 'passing', error: 'timeout' }], watches: [] },
          kubernetesWatches: [{ name: 'backend', source: 'kubernetes', state: 'waiting', instances: 0, error: 'list refused' }],
        },
      },
      {
        jobConfigs: new Map(),
        version: '0.1.0',
        generation: 1,
        specApplied: { status: 'False', reason: 'UnknownJob', message: 'no job named "db"' },
        previousConditions: [],
        now: new Date(),
      },
    );
    const crd = customResourceDefinition() as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } };
    const root = crd.spec.versions[0]?.schema.openAPIV3Schema as Schema;
    assert.deepEqual(undeclared({ status }, root), []);
  });
});
