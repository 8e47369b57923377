// The watches as the Autopilot reports them (`status.watches`), read from the supervisor
// snapshot's components: the Consul watches from the discovery component's status, the watches on
// Kubernetes Services from the `kubernetesWatches` component's (./endpoint-watches.ts). Read
// defensively, as ./discovery-state.ts reads discovery: an unexpected shape drops a row, never
// the report. A failing watch carries its `error` until it answers again.
import { isPlainObject } from '../util/records.js';
import type { WatchRow } from './resource.js';

/** A Kubernetes API message is a few hundred characters; anything longer is cut here. */
const ERROR_LIMIT = 1024;

export function watchRowsOf(components: Record<string, unknown>): WatchRow[] {
  const discovery = components.discovery;
  const consul = isPlainObject(discovery) ? discovery.watches : undefined;
  return [...rows(consul), ...rows(components.kubernetesWatches)];
}

function rows(statuses: unknown): WatchRow[] {
  if (!Array.isArray(statuses)) return [];
  return statuses.filter(isPlainObject).flatMap((status) => {
    const { name, source, state, instances, error } = status;
    if (typeof name !== 'string' || (source !== 'consul' && source !== 'kubernetes') || typeof state !== 'string' || typeof instances !== 'number') return [];
    return [{ name, source, state, instances, ...(typeof error === 'string' && error !== '' ? { error: error.slice(0, ERROR_LIMIT) } : {}) }];
  });
}
