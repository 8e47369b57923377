// The Autopilot custom resource: its names, and the shape pilotfish writes. One object per pod,
// with the pod's name and namespace; the manifests (./manifests.ts) declare exactly this shape.

export const GROUP = 'pilotfish.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'Autopilot';
export const PLURAL = 'autopilots';
export const SINGULAR = 'autopilot';
export const SHORT_NAME = 'ap';
export const CATEGORY = 'pilotfish';
/** `reportingController` of the bridge's Events (must be a qualified name). */
export const REPORTING_CONTROLLER = `${GROUP}/pilotfish`;

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type ConditionType = 'Ready' | 'JobsHealthy' | 'ConsulRegistered' | 'Degraded' | 'SpecApplied';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  /** Changes only when `status` flips. */
  lastTransitionTime: string;
  /** One CamelCase word: the category of the cause. */
  reason: string;
  message: string;
}

export interface JobStatus {
  name: string;
  state: string;
  health: string;
  restarts: number;
  pid?: number;
  startedAt?: string;
  lastExit?: { code: number; signal?: string; at: string; error?: string };
  lastCheck?: { ok: boolean; output: string; durationMs: number };
  /** The last `STATUS=` the job sent through NOTIFY_SOCKET. */
  statusText?: string;
  /** What an idle job waits for (`healthy from db`), or how a stopped one starts again. */
  waitingFor?: string;
  /** Until when: the end of its `when.timeout`. */
  waitingUntil?: string;
}

export type DiscoveryState = 'Disabled' | 'Registered' | 'Registering' | 'Unreachable';

export interface DiscoveryStatus {
  state: DiscoveryState;
  /** The catalog's address (never credentials). */
  location?: string;
  message?: string;
  services: Array<{ name: string; registered: boolean; check?: string }>;
}

/** A watch (on Consul or a Kubernetes Service) as status reports it; `error` while it fails. */
export interface WatchRow {
  name: string;
  source: 'consul' | 'kubernetes';
  state: string;
  instances: number;
  error?: string;
}

export interface AutopilotStatus {
  observedGeneration: number;
  version: string;
  configHash: string;
  startedAt: string;
  maintenance: boolean;
  /** "healthy/total", for the printer column. */
  jobsHealthy: string;
  /** Restarts of all jobs together. */
  restarts: number;
  conditions: Condition[];
  jobs: JobStatus[];
  discovery: DiscoveryStatus;
  watches: WatchRow[];
}

export interface PodIdentity {
  name: string;
  namespace: string;
  /** Absent when POD_UID is not set: the object then has no owner and outlives the pod. */
  uid?: string;
  nodeName?: string;
}

export interface AutopilotSpec {
  podName: string;
  nodeName?: string;
  /** Set by operators (./steering.ts): maintenance mode on the pod. */
  maintenance?: boolean;
  /** Set by operators: each job to restart (when newer than its last start), stop or start again. */
  jobs?: Array<{ name: string; restartedAt?: string; stopped?: boolean }>;
  /** Set by operators: reload the config when newer than the last reload. */
  reloadedAt?: string;
}

/** The object's path under the API server. */
export function autopilotPath(namespace: string, name?: string): string {
  const collection = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
  return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
}

/** The pod's path under the API server. */
export function podPath(pod: Pick<PodIdentity, 'name' | 'namespace'>): string {
  return `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}`;
}
