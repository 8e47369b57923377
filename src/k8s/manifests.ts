// What `pilotfish k8s manifests` prints: the Autopilot CRD, and a ServiceAccount with a Role and
// RoleBinding that grant exactly what the bridge does. The CRD's schema is structural and declares
// every field the bridge writes (./resource.ts), so nothing is pruned and strict field validation
// passes.
import { JOB_STATES } from '../events/types.js';
import { ENDPOINT_SLICES_RULE, WITHOUT_CONFIG, type Permissions } from './permissions.js';
import { CATEGORY, GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from './resource.js';

export interface ManifestOptions {
  namespace: string;
  serviceAccount: string;
  /** What the config uses (`--config`); default WITHOUT_CONFIG. */
  permissions?: Permissions;
}

type Schema = Record<string, unknown>;

const string: Schema = { type: 'string' };
const integer: Schema = { type: 'integer', format: 'int64' };
const boolean: Schema = { type: 'boolean' };
const time: Schema = { type: 'string', format: 'date-time' };

function object(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', ...(required.length > 0 ? { required } : {}), properties };
}

function list(items: Schema, extra: Schema = {}): Schema {
  return { type: 'array', items, ...extra };
}

/** A list whose items merge by their `name` (server-side apply, strategic merge). */
function listByName(items: Schema, extra: Schema = {}): Schema {
  return list(items, { ...extra, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
}

// Bounds as controller-gen generates them for metav1.Condition.
const condition = object(
  {
    type: { type: 'string', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    lastTransitionTime: time,
    reason: { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
    message: { type: 'string', maxLength: 32768 },
  },
  ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
);

const job = object(
  {
    name: string,
    state: { type: 'string', enum: [...JOB_STATES] },
    health: string,
    restarts: integer,
    pid: integer,
    startedAt: time,
    lastExit: object({ code: integer, signal: string, at: time, error: string }),
    lastCheck: object({ ok: boolean, output: string, durationMs: integer }),
    statusText: string,
    waitingFor: string,
    waitingUntil: time,
  },
  ['name', 'state', 'health', 'restarts'],
);

const discovery = object(
  {
    state: { type: 'string', enum: ['Disabled', 'Registered', 'Registering', 'Unreachable'] },
    location: string,
    message: string,
    services: list(object({ name: string, registered: boolean, check: string }, ['name', 'registered'])),
  },
  ['state'],
);

const watch = object(
  { name: string, source: { type: 'string', enum: ['consul', 'kubernetes'] }, state: string, instances: integer, error: string },
  ['name', 'source', 'state', 'instances'],
);

const status = object({
  observedGeneration: integer,
  version: string,
  configHash: string,
  startedAt: time,
  maintenance: boolean,
  jobsHealthy: string,
  restarts: integer,
  conditions: list(condition, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  jobs: listByName(job),
  discovery,
  watches: listByName(watch),
});

/** What operators may ask of the pod (./steering.ts); times as `kubectl rollout restart` writes them. */
const steeredJob = object(
  {
    // A job's name as configs write it: no leading or trailing blanks.
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^\\S(.*\\S)?$' },
    restartedAt: time,
    stopped: boolean,
  },
  ['name'],
);

const spec = object({
  podName: string,
  nodeName: string,
  maintenance: boolean,
  jobs: listByName(steeredJob, { maxItems: 100 }),
  reloadedAt: time,
});

function readyColumn(name: string, field: 'status' | 'reason' | 'message', priority = 0): Schema {
  return { name, type: 'string', jsonPath: `.status.conditions[?(@.type=="Ready")].${field}`, ...(priority > 0 ? { priority } : {}) };
}

const printerColumns: Schema[] = [
  readyColumn('Ready', 'status'),
  { name: 'Jobs', type: 'string', description: 'healthy/total jobs', jsonPath: '.status.jobsHealthy' },
  { name: 'Restarts', type: 'integer', jsonPath: '.status.restarts' },
  { name: 'Consul', type: 'string', jsonPath: '.status.discovery.state' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  readyColumn('Reason', 'reason', 1),
  { name: 'Node', type: 'string', priority: 1, jsonPath: '.spec.nodeName' },
  { name: 'Version', type: 'string', priority: 1, description: 'pilotfish version', jsonPath: '.status.version' },
  readyColumn('Message', 'message', 1),
];

export function customResourceDefinition(): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: [SHORT_NAME], categories: [CATEGORY] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: "One pod's pilotfish supervisor: its jobs, their health, and its Consul registration; its spec steers it.",
              properties: { spec, status },
            },
          },
        },
      ],
    },
  };
}

/** Named after the service account, so that tiers with different needs (and accounts) share a namespace. */
function roleName(serviceAccount: string): string {
  return serviceAccount === 'pilotfish' ? serviceAccount : `pilotfish-${serviceAccount}`;
}

/**
 * The bridge's requests, one rule each: create its Autopilot, read it when it exists, repair an
 * earlier pod's object (patch); write status (patch only: merge patches need no read); post Events
 * and update their series; read the pod through `pods/status` (its labels, copied onto the
 * Autopilot, and whether it has the readiness gate) and patch its gate condition there, which
 * cannot change the pod's spec; list and watch its Autopilot (by a field selector on its name) for
 * the spec operators set; list and watch the EndpointSlices of watched Services. Events, the gate's
 * patch and EndpointSlices only when the config uses them. RBAC can name neither the pod to read
 * (a Deployment's pod names are made up when the pod is created) nor the Autopilot to create, so
 * give pilotfish its own service account rather than sharing one.
 */
export function role({ namespace, serviceAccount, permissions = WITHOUT_CONFIG }: ManifestOptions): Schema {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: roleName(serviceAccount), namespace },
    rules: [
      { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'create', 'patch'] },
      { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['patch'] },
      { apiGroups: [GROUP], resources: [PLURAL], verbs: ['list', 'watch'] },
      ...(permissions.events ? [{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] }] : []),
      { apiGroups: [''], resources: ['pods/status'], verbs: permissions.readinessGate ? ['get', 'patch'] : ['get'] },
      ...(permissions.endpointSliceNamespaces.includes(namespace) ? [ENDPOINT_SLICES_RULE] : []),
    ],
  };
}

function roleBinding({ namespace, serviceAccount }: ManifestOptions, name = roleName(serviceAccount), where = namespace): Schema {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: where },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  };
}

/**
 * Watches on Services of other namespaces: there, a Role granting only their EndpointSlices, bound
 * to the pods' service account; named after the pods' namespace, so several can share one.
 */
function watchedNamespaces(options: ManifestOptions): Schema[] {
  const { namespace, serviceAccount, permissions = WITHOUT_CONFIG } = options;
  const name = `${roleName(serviceAccount)}-${namespace}-watches`;
  return permissions.endpointSliceNamespaces
    .filter((other) => other !== namespace)
    .flatMap((other) => [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: other }, rules: [ENDPOINT_SLICES_RULE] },
      roleBinding(options, name, other),
    ]);
}

function serviceAccount({ namespace, serviceAccount }: ManifestOptions): Schema {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } };
}

/** Everything, in the order `kubectl apply` needs it. */
export function manifests(options: ManifestOptions): Schema[] {
  return [customResourceDefinition(), serviceAccount(options), role(options), roleBinding(options), ...watchedNamespaces(options)];
}
