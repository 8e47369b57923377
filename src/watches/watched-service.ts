// A `watches` entry: turns a source's answers about another service (Consul's catalog, a
// Kubernetes Service's EndpointSlices) into ContainerPilot's events from source `watch.<name>`:
// `changed` when the set of healthy instances changed, then `healthy` if there is at least one and
// `unhealthy` if there is none. Nothing is published for an answer that changed nothing (blocking
// queries also return on timeouts and unrelated writes, informers on every slice's update).
import type { WatchConfig } from '../config/types.js';
import type { Instance, WatchStatus } from '../contracts/components.js';
import type { SupervisorEvent } from '../events/types.js';

export class WatchedService {
  private instances: Instance[] = [];
  private answered = false;
  private lastChange: Date | undefined;
  private failure: { message: string; since: Date } | undefined;

  constructor(
    readonly config: WatchConfig,
    private readonly publish: (event: SupervisorEvent) => void,
  ) {}

  get source(): string {
    return `watch.${this.config.name}`;
  }

  /** The healthy instances as last answered, in a stable order (by ID). */
  endpoints(): Instance[] {
    return sortById(this.instances);
  }

  update(next: Instance[]): void {
    this.answered = true;
    this.failure = undefined;
    if (!instancesChanged(this.instances, next)) return;
    this.instances = next;
    this.lastChange = new Date();
    this.publish({ kind: 'changed', source: this.source });
    this.publish({ kind: next.length > 0 ? 'healthy' : 'unhealthy', source: this.source });
  }

  /** A failed query: the instances last seen are kept (as ContainerPilot did), and nothing is published. */
  failed(error: Error): void {
    this.failure = { message: error.message, since: this.failure?.since ?? new Date() };
  }

  status(): WatchStatus {
    return {
      name: this.config.name,
      source: this.config.source ?? 'consul',
      state: this.answered ? 'watching' : 'waiting',
      instances: this.instances.length,
      lastChange: this.lastChange?.toISOString(),
      ...(this.failure ? { error: this.failure.message, failingSince: this.failure.since.toISOString() } : {}),
    };
  }
}

/**
 * ContainerPilot's rule: a change is a different number of instances, or a different address or
 * port once both lists are sorted by service ID. Starting from no instances, a first answer with
 * none is therefore no change.
 */
export function instancesChanged(previous: readonly Instance[], next: readonly Instance[]): boolean {
  if (previous.length !== next.length) return true;
  const sortedPrevious = sortById(previous);
  const sortedNext = sortById(next);
  return sortedPrevious.some((instance, i) => instance.address !== sortedNext[i]?.address || instance.port !== sortedNext[i]?.port);
}

function sortById(instances: readonly Instance[]): Instance[] {
  return [...instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
