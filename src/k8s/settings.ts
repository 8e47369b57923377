// Whether the bridge runs, and with what: the API server, credentials and the pod's identity, from
// the config's `kubernetes` block, the in-cluster environment and the downward API. Kept free of
// the bridge's dependencies, so deciding costs nothing when it is off.
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubernetesConfig } from '../config/types.js';
import { readRegularFile } from '../util/regular-file.js';
import type { PodIdentity } from './resource.js';

export interface BridgeSettings {
  server: string;
  tokenFile: string;
  caFile: string;
  pod: PodIdentity;
  events: boolean;
  readinessGate: boolean;
}

/** On when forced by config, else when running in a pod (the kubelet sets KUBERNETES_SERVICE_HOST). */
export function bridgeEnabled(config: KubernetesConfig, env: NodeJS.ProcessEnv): boolean {
  return config.enabled ?? Boolean(env.KUBERNETES_SERVICE_HOST);
}

export class BridgeSettingsError extends Error {}

/**
 * The pod's identity comes from the downward API (POD_NAME, POD_NAMESPACE, POD_UID, NODE_NAME); a
 * pod's hostname is its name and the service account's mount holds its namespace, so only the
 * UID, needed for the ownerReference, has no fallback.
 */
export function resolveSettings(config: KubernetesConfig, env: NodeJS.ProcessEnv, readText = (path: string) => readRegularFile(path)): BridgeSettings {
  const namespace = config.namespace ?? nonEmpty(env.POD_NAMESPACE) ?? serviceAccountNamespace(config.tokenFile, readText);
  if (namespace === undefined) {
    throw new BridgeSettingsError('cannot tell the pod\'s namespace: set POD_NAMESPACE from the downward API (metadata.namespace) or kubernetes.namespace');
  }
  return {
    server: config.apiServer ?? inClusterServer(env),
    tokenFile: config.tokenFile,
    caFile: config.caFile,
    pod: {
      name: nonEmpty(env.POD_NAME) ?? hostname(),
      namespace,
      ...optional('uid', nonEmpty(env.POD_UID)),
      ...optional('nodeName', nonEmpty(env.NODE_NAME)),
    },
    events: config.events,
    readinessGate: config.readinessGate,
  };
}

/** What client-go's InClusterConfig does, IPv6 hosts bracketed. */
function inClusterServer(env: NodeJS.ProcessEnv): string {
  const host = nonEmpty(env.KUBERNETES_SERVICE_HOST);
  if (host === undefined) throw new BridgeSettingsError('no API server: KUBERNETES_SERVICE_HOST is not set and kubernetes.apiServer is not configured');
  const port = nonEmpty(env.KUBERNETES_SERVICE_PORT) ?? '443';
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function serviceAccountNamespace(tokenFile: string, readText: (path: string) => string): string | undefined {
  try {
    return nonEmpty(readText(join(dirname(tokenFile), 'namespace')).trim());
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
