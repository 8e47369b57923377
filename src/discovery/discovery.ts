// What the supervisor needs from a service catalog: register a job as a service with a TTL
// check, keep that check's status and output current, take it out of rotation, remove it, and
// watch other services. Consul (./consul.ts) implements it; without a `consul` block no
// discovery is attached at all (see ./attach.ts), and everything else works the same.
import type { CheckStatus, Instance } from '../contracts/components.js';

export interface ServiceDefinition {
  /** Unique on the agent. */
  id: string;
  name: string;
  address: string;
  port?: number;
  tags: string[];
  meta: Record<string, string>;
  enableTagOverride: boolean;
  check: { ttlMs: number; status: CheckStatus; notes: string; deregisterCriticalServiceAfterMs?: number };
}

export interface ServiceQuery {
  service: string;
  tag?: string;
  dc?: string;
}

export interface WatchOptions {
  /** How long one blocking query may wait for a change: also the longest time between polls. */
  waitMs: number;
}

export interface ServiceWatch {
  stop(): void;
}

export interface WatchListener {
  /** The service's passing instances, whenever the catalog may have changed. */
  onInstances(instances: Instance[]): void;
  /** A query failed; the watch retries by itself, and its next answer means it works again. */
  onError(error: DiscoveryError): void;
}

/** Why a call failed; `unknownService` is how an agent that lost its registrations answers. */
export type DiscoveryFailure = 'unreachable' | 'unknownService' | 'rejected';

export class DiscoveryError extends Error {
  constructor(
    readonly failure: DiscoveryFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface Discovery {
  /** Where the catalog is, for logs and status (never credentials). */
  readonly location: string;
  /** Registers (or re-registers, replacing its checks) a service with its TTL check. */
  register(service: ServiceDefinition): Promise<void>;
  /** Sets the service's TTL check status and output, renewing its TTL. */
  heartbeat(serviceId: string, status: CheckStatus, output: string): Promise<void>;
  deregister(serviceId: string): Promise<void>;
  /** Takes the service out of rotation (or back in) while it stays registered. */
  maintenance(serviceId: string, enabled: boolean, reason: string): Promise<void>;
  watch(query: ServiceQuery, options: WatchOptions, listener: WatchListener): ServiceWatch;
  close(): void;
}

/** The TTL check's ID for a service registered with an inline check (Consul's own rule). */
export function checkIdOf(serviceId: string): string {
  return `service:${serviceId}`;
}
