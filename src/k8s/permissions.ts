// What a config makes the bridge do, and so what its Role must grant beyond its Autopilot and
// reading its pod: Events when `kubernetes.events` is on, patching `pods/status` when the readiness gate is, and
// EndpointSlices (list and watch, in each namespace watched) when a watch names a Kubernetes
// Service. `pilotfish k8s manifests --config FILE` prints exactly that.
import type { Config } from '../config/types.js';

export interface Permissions {
  events: boolean;
  readinessGate: boolean;
  /** Namespaces whose EndpointSlices the watches read. */
  endpointSliceNamespaces: readonly string[];
}

/** Without a config: every bridge feature that needs no config to be used, and no Service watches. */
export const WITHOUT_CONFIG: Permissions = { events: true, readinessGate: true, endpointSliceNamespaces: [] };

/** `podNamespace` is where a watch without `namespace` looks (the pod's own). */
export function permissionsOf(config: Pick<Config, 'kubernetes' | 'watches'>, podNamespace: string): Permissions {
  const namespaces = config.watches.flatMap((watch) => (watch.source === 'kubernetes' ? [watch.namespace ?? podNamespace] : []));
  return {
    events: config.kubernetes.events,
    readinessGate: config.kubernetes.readinessGate,
    endpointSliceNamespaces: [...new Set(namespaces)].sort(),
  };
}

/** The rule for a Service watch's informer. */
export const ENDPOINT_SLICES_RULE = { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] };
