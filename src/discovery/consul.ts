// Discovery through a Consul agent's HTTP API, with the `consul` npm package (loaded only when a
// config has a `consul` block). Two calls go around the package's helpers, through its own
// client so they share its connection, token and TLS: registration, whose helper drops
// `EnableTagOverride` and has no `replace-existing-checks`, and `/agent/check/update`, which it
// does not wrap (and the only TTL call that sets status and output together).
import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { CheckStatus, Instance } from '../contracts/components.js';
import type { Logger } from '../logging/logger.js';
import { heldBytes } from '../util/held-bytes.js';
import { sharedLookup } from '../util/shared-lookup.js';
import { BlockingQuery } from './blocking-query.js';
import type { ConsulConnection } from './connection.js';
import {
  DiscoveryError,
  checkIdOf,
  type Discovery,
  type ServiceDefinition,
  type ServiceQuery,
  type ServiceWatch,
  type WatchListener,
  type WatchOptions,
} from './discovery.js';

/** The parts of the package's loosely typed client that are used here. */
interface ConsulClient {
  agent: { service: { deregister(options: RequestOptions & { id: string }): Promise<unknown>; maintenance(options: RequestOptions & { id: string; enable: boolean; reason: string }): Promise<unknown> } };
  health: { service(options: RequestOptions & ServiceQuery & { passing: boolean; index?: string; wait?: string }): Promise<[ResponseLike, HealthEntry[]]> };
  _put(request: { name: string; path: string; query?: Record<string, string>; type: 'json'; body: unknown; timeout?: number }, handler: ResponseHandler): Promise<unknown>;
  /** papi's middleware: `onRequest` runs once the request's transport is chosen, before it is sent. */
  _ext(event: 'onRequest', middleware: (request: { transport: Transport }, next: () => void) => void): void;
  destroy(): void;
}
interface Transport {
  request(options: object): ClientRequest;
}
/** papi's response middleware: settles the call with the request's error or nothing. */
type ResponseHandler = (request: { err?: Error }, next: (retry: boolean, error?: Error, result?: unknown) => void) => void;
const ignoreBody: ResponseHandler = (request, next) => next(false, request.err);

interface RequestOptions {
  timeout?: number;
  ctx?: EventEmitter & { includeResponse?: boolean };
}
interface ResponseLike {
  headers: Record<string, string | undefined>;
}
interface HealthEntry {
  Node?: { Address?: string };
  Service?: { ID?: string; Address?: string; Port?: number };
}
interface PackageError extends Error {
  statusCode?: number;
  isResponse?: boolean;
  response?: { body?: unknown };
}

/** Agent calls are local and quick; a hung agent must not hold a heartbeat for long. */
const CALL_TIMEOUT_MS = 5_000;
/**
 * The package reads every response whole: a larger one is cut off and the call fails. A health
 * answer takes a few hundred bytes per instance, so this is tens of thousands of instances.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export async function connectConsul(connection: ConsulConnection, log: Logger): Promise<Discovery> {
  const { default: Consul } = await import('consul');
  const client = new Consul({
    baseUrl: `${connection.url}/v1`,
    ...(connection.socketPath ? { socketPath: connection.socketPath } : {}),
    // The token travels as a header on every request and is never part of a URL or a message.
    headers: connection.token ? { 'x-consul-token': connection.token } : {},
    ...connection.tls,
  } as ConstructorParameters<typeof Consul>[0]) as unknown as ConsulClient;
  client._ext('onRequest', (request, next) => {
    request.transport = bounded(request.transport, MAX_RESPONSE_BYTES);
    next();
  });
  return new ConsulDiscovery(client, connection.url, log);
}

/**
 * `transport` whose responses fail the request once holding their body takes more than `maxBytes`,
 * and whose host name lookups are shared (a silent DNS server queued one per request).
 */
function bounded(transport: Transport, maxBytes: number): Transport {
  return {
    request(options) {
      const request = transport.request({ ...options, lookup: sharedLookup });
      request.once('response', (response: IncomingMessage) => {
        let held = 0;
        response.on('data', (chunk: Buffer) => {
          held += heldBytes(chunk);
          if (held > maxBytes) request.destroy(new Error(`Consul's answer took more than ${maxBytes} bytes to hold`));
        });
      });
      return request;
    },
  };
}

class ConsulDiscovery implements Discovery {
  private readonly outage: OutageLog;

  constructor(
    private readonly client: ConsulClient,
    readonly location: string,
    log: Logger,
  ) {
    this.outage = new OutageLog(location, log);
  }

  async register(service: ServiceDefinition): Promise<void> {
    await this.call(service.id, () =>
      this.client._put(
        {
          name: 'agent.service.register',
          path: '/agent/service/register',
          // Idempotent re-registration: checks missing from this definition are removed.
          query: { 'replace-existing-checks': 'true' },
          type: 'json',
          body: registrationBody(service),
          timeout: CALL_TIMEOUT_MS,
        },
        ignoreBody,
      ),
    );
  }

  async heartbeat(serviceId: string, status: CheckStatus, output: string): Promise<void> {
    await this.call(serviceId, () =>
      this.client._put(
        { name: 'agent.check.update', path: `/agent/check/update/${encodeURIComponent(checkIdOf(serviceId))}`, type: 'json', body: { Status: status, Output: output }, timeout: CALL_TIMEOUT_MS },
        ignoreBody,
      ),
    );
  }

  async deregister(serviceId: string): Promise<void> {
    await this.call(serviceId, () => this.client.agent.service.deregister({ id: serviceId, timeout: CALL_TIMEOUT_MS }));
  }

  async maintenance(serviceId: string, enabled: boolean, reason: string): Promise<void> {
    await this.call(serviceId, () => this.client.agent.service.maintenance({ id: serviceId, enable: enabled, reason, timeout: CALL_TIMEOUT_MS }));
  }

  watch(query: ServiceQuery, options: WatchOptions, listener: WatchListener): ServiceWatch {
    const subject = `watch ${JSON.stringify(query)}`;
    const loop = new BlockingQuery<Instance[]>({
      waitMs: options.waitMs,
      onValue: (instances) => listener.onInstances(instances),
      // Every failure comes out of `call` classified (and is logged there, once per outage).
      onError: (error) => listener.onError(error as DiscoveryError),
      fetch: ({ index, waitMs, timeoutMs, signal }) =>
        this.call(subject, async () => {
          const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
          const cancel = () => ctx.emit('cancel');
          signal.addEventListener('abort', cancel, { once: true });
          try {
            const [response, entries] = await this.client.health.service({
              ...query,
              passing: true,
              ...(index > 0 ? { index: String(index), wait: `${waitMs}ms` } : {}),
              timeout: timeoutMs,
              ctx,
            });
            return { value: entries.map(instanceOf), index: Number(response.headers['x-consul-index']) };
          } finally {
            signal.removeEventListener('abort', cancel);
          }
        }, signal),
    });
    loop.start();
    return { stop: () => loop.stop() };
  }

  close(): void {
    this.client.destroy();
  }

  /**
   * Every call, about `subject` (a service ID, a watch): failures become DiscoveryErrors, and an
   * outage is logged once, not per call.
   */
  private async call<T>(subject: string, request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      const result = await request();
      this.outage.recovered(subject);
      return result;
    } catch (error) {
      // A watch stopped on purpose: not a failure of Consul's.
      if (signal?.aborted) throw error;
      const failure = classify(error as PackageError);
      if (failure.failure === 'unknownService') this.outage.recovered(subject);
      else this.outage.failed(subject, failure);
      throw failure;
    }
  }
}

function registrationBody(service: ServiceDefinition): Record<string, unknown> {
  const check = service.check;
  return {
    ID: service.id,
    Name: service.name,
    Address: service.address,
    ...(service.port !== undefined ? { Port: service.port } : {}),
    Tags: service.tags,
    Meta: service.meta,
    EnableTagOverride: service.enableTagOverride,
    Check: {
      // No Name: Consul's default, "Service '<name>' check", is what ContainerPilot's checks were called.
      CheckID: checkIdOf(service.id),
      Notes: check.notes,
      TTL: `${check.ttlMs}ms`,
      Status: check.status,
      ...(check.deregisterCriticalServiceAfterMs !== undefined ? { DeregisterCriticalServiceAfter: `${check.deregisterCriticalServiceAfterMs}ms` } : {}),
    },
  };
}

function instanceOf(entry: HealthEntry): Instance {
  // A service registered without an address is reachable at its node's address.
  return { id: entry.Service?.ID ?? '', address: entry.Service?.Address || entry.Node?.Address || '', port: entry.Service?.Port ?? 0 };
}

function classify(error: PackageError): DiscoveryError {
  if (error instanceof DiscoveryError) return error;
  const status = error.isResponse ? error.statusCode : undefined;
  const body = typeof error.response?.body === 'string' ? error.response.body.trim() : '';
  const detail = body || error.message;
  if (status === undefined) return new DiscoveryError('unreachable', error.message);
  // An agent that lost its state (restarted in -dev mode, emptied data dir) answers a TTL update
  // with 500 "does not have associated TTL" or 404, and a maintenance call with 404.
  if (status === 404 || /does not have associated TTL|Unknown check|Unknown service/i.test(detail)) return new DiscoveryError('unknownService', detail);
  // An agent that is up but cannot serve (electing a leader after a restart: "No cluster leader")
  // is part of the same outage as one that does not answer at all.
  if (status >= 500) return new DiscoveryError('unreachable', `HTTP ${status}: ${detail}`);
  return new DiscoveryError('rejected', `HTTP ${status}: ${detail}`);
}

/**
 * One line when Consul becomes unreachable, one when it answers again; one line when it starts
 * refusing a call about a subject. Kept per subject: a refusal about one service (an ACL token
 * without `service:write` on it, a rejected definition) or a watch failing on its own (another
 * datacenter) must not be "news" again after every successful call about something else, which
 * would log two lines per retry for as long as it lasts.
 */
class OutageLog {
  /** The agent does not answer: one outage, whatever the subject and the socket error of the moment. */
  private down = false;
  /** Subjects whose last call failed, with what was last said about it. */
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly location: string,
    private readonly log: Logger,
  ) {}

  failed(subject: string, failure: DiscoveryError): void {
    const key = failure.failure === 'unreachable' ? 'unreachable' : failure.message;
    const known = this.failing.get(subject) === key;
    this.failing.set(subject, key);
    if (known) return;
    if (key === 'unreachable') {
      if (this.down) return;
      this.down = true;
    }
    this.log.warn(`Consul at ${this.location} is failing: ${failure.message}; retrying in the background`);
  }

  recovered(subject: string): void {
    this.failing.delete(subject);
    if (!this.down) return;
    this.down = false;
    this.log.info(`Consul at ${this.location} is answering again`);
  }
}
