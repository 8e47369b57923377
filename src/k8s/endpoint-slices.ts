// A Service's ready endpoints, from its EndpointSlices (discovery.k8s.io/v1) as the endpointslice
// controller writes them: several slices per Service (up to 100 endpoints each, one per address
// family), ports per slice and by name, conditions per endpoint. A watch on a Kubernetes Service
// turns them into the same instances a Consul watch gets: `host:port` of what may take traffic.
import type { Instance } from '../contracts/components.js';
import { hostPort } from '../watches/board.js';

/** The label the controller puts on every slice of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface EndpointSlice {
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: SliceEndpoint[] | null;
  /** Absent or empty: the Service has no ports (headless, selector only). */
  ports?: SlicePort[] | null;
}

export interface SliceEndpoint {
  /** Fungible: consumers may use the first only (API reference). */
  addresses: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  targetRef?: { kind?: string; name?: string; namespace?: string };
}

export interface SlicePort {
  name?: string | null;
  port?: number | null;
  protocol?: string | null;
}

export interface ServiceEndpoints {
  instances: Instance[];
  /** Why the slices' endpoints could not all be used (the watch's `port` matches no port). */
  problem?: string;
}

/**
 * The ready endpoints of every slice, each once. `ready` unset counts as ready (the API's rule:
 * unknown is taken as ready); a terminating endpoint is not ready, however long it still serves,
 * unless `ready` says true outright (a Service with publishNotReadyAddresses). `port` picks the
 * slice's port by name or number; without it, a slice must have exactly one port.
 */
export function readyEndpoints(slices: Iterable<EndpointSlice>, port: string | number | undefined): ServiceEndpoints {
  const byId = new Map<string, Instance>();
  const problems = new Set<string>();
  for (const slice of slices) {
    const chosen = slicePort(slice.ports ?? [], port);
    if (typeof chosen === 'string') {
      if ((slice.endpoints ?? []).length > 0) problems.add(chosen);
      continue;
    }
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses[0];
      if (address === undefined || !isReady(endpoint)) continue;
      const id = hostPort({ address, port: chosen });
      byId.set(id, { id, address, port: chosen });
    }
  }
  const instances = [...byId.values()];
  return problems.size > 0 ? { instances, problem: [...problems].join('; ') } : { instances };
}

function isReady({ conditions }: SliceEndpoint): boolean {
  return conditions?.terminating === true ? conditions.ready === true : conditions?.ready !== false;
}

/** The port number to use, or why there is none. */
function slicePort(ports: readonly SlicePort[], wanted: string | number | undefined): number | string {
  const usable = ports.filter((each): each is SlicePort & { port: number } => typeof each.port === 'number');
  const names = usable.map((each) => each.name || String(each.port)).join(', ');
  if (wanted === undefined) {
    const [only, ...others] = usable;
    if (only && others.length === 0) return only.port;
    return usable.length === 0 ? 'the Service has no ports: give it one' : `the Service has several ports (${names}): name one with the watch's \`port\``;
  }
  const found = usable.find((each) => (typeof wanted === 'number' ? each.port === wanted : each.name === wanted));
  return found ? found.port : `the Service has no port ${JSON.stringify(wanted)} (it has ${names || 'none'})`;
}
