// The watches that run now, whichever source feeds them (Consul's catalog, a Kubernetes Service's
// EndpointSlices), by name: the control API answers `/v1/watches` from it, and the supervisor
// reads it for the environment of the hooks a watch triggers. Sources add a watch when it starts
// and remove it when it stops; a reload that replaces one adds its successor under the same name.
import type { WatchConfig } from '../config/types.js';
import type { Instance, WatchStatus } from '../contracts/components.js';
import type { WatchedService } from './watched-service.js';

export interface WatchReport extends Omit<WatchStatus, 'state'> {
  /** `off`: configured, but its source is not there (no `consul` block, not in Kubernetes). */
  state: WatchStatus['state'] | 'off';
  /** Healthy instances only, sorted by ID. */
  endpoints: Instance[];
}

export class WatchBoard {
  private readonly watches = new Map<string, WatchedService>();

  add(watch: WatchedService): void {
    this.watches.set(watch.config.name, watch);
  }

  /** Only if it is still the one under its name (its successor may have been added already). */
  remove(watch: WatchedService): void {
    if (this.watches.get(watch.config.name) === watch) this.watches.delete(watch.config.name);
  }

  endpoints(name: string): Instance[] | undefined {
    return this.watches.get(name)?.endpoints();
  }

  report(name: string): WatchReport | undefined {
    const watch = this.watches.get(name);
    return watch && { ...watch.status(), endpoints: watch.endpoints() };
  }

  /** Every configured watch, in the config's order; those no source runs are `off`. */
  reports(configured: readonly WatchConfig[]): WatchReport[] {
    return configured.map(
      ({ name, source = 'consul' }) => this.report(name) ?? { name, source, state: 'off', instances: 0, endpoints: [] },
    );
  }
}

/** `host:port`, IPv6 hosts bracketed, as clients take it. */
export function hostPort({ address, port }: Pick<Instance, 'address' | 'port'>): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
