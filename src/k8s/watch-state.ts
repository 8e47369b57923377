// The watches as the Autopilot reports them (`status.watches`), read from the supervisor
// snapshot's components: the Consul watches from the discovery component's status, the watches on
// Kubernetes Services from the `kubernetesWatches` component's (./endpoint-watches.ts). A failing
// watch carries its `error` until it answers again.
import type { ComponentStatuses, WatchStatus } from '../contracts/components.js';
import type { WatchRow } from './resource.js';

/** A Kubernetes API message is a few hundred characters; anything longer is cut here. */
const ERROR_LIMIT = 1024;

export function watchRowsOf(components: ComponentStatuses): WatchRow[] {
  return [...(components.discovery?.watches ?? []), ...(components.kubernetesWatches ?? [])].map(rowOf);
}

function rowOf({ name, source, state, instances, error }: WatchStatus): WatchRow {
  return { name, source, state, instances, ...(error !== undefined && error !== '' ? { error: error.slice(0, ERROR_LIMIT) } : {}) };
}
