// Discovery as a supervisor component: registers the advertised jobs and runs the watches. It
// only observes the bus (job transitions and health, maintenance) and publishes the watches'
// events; every Consul call happens in the background, so an unreachable or slow agent never
// blocks a job, the bus or the supervisor's shutdown for more than a bounded time.
import { hostname, networkInterfaces } from 'node:os';
import type { Config } from '../config/types.js';
import type { EventBus, Subscription } from '../events/bus.js';
import { GLOBAL_SOURCE, type SupervisorEvent } from '../events/types.js';
import type { Logger } from '../logging/logger.js';
import type { SupervisorComponent } from '../supervisor/supervisor.js';
import type { Discovery, ServiceWatch } from './discovery.js';
import type { NetworkInterfaces } from './interfaces.js';
import { ServiceRegistration, isAdvertised, type AdvertisedJob, type RegistrationStatus } from './registration.js';
import { WatchedService, type WatchStatus } from './watched-service.js';

/** What the component reads from the supervisor. */
export interface DiscoveryHost {
  readonly bus: EventBus;
  readonly currentConfig: Config;
  readonly inMaintenance: boolean;
  job(name: string): AdvertisedJob | undefined;
}

export interface DiscoveryComponentOptions {
  host: DiscoveryHost;
  /** Opens the catalog (loading its client library); a failure leaves discovery off, said once. */
  connect: () => Promise<Discovery>;
  log: Logger;
  hostname?: string;
  interfaces?: () => NetworkInterfaces;
}

export interface DiscoveryStatus {
  consul: string;
  services: RegistrationStatus[];
  watches: WatchStatus[];
  error?: string;
}

/** Deregistration at shutdown gets this long, so that a dead agent cannot hold up the exit. */
const SHUTDOWN_GRACE_MS = 5_000;

export class DiscoveryComponent implements SupervisorComponent {
  readonly name = 'discovery';
  private discovery: Discovery | undefined;
  private connectError: string | undefined;
  private subscription: Subscription | undefined;
  private closed = false;
  private readonly registrations = new Map<string, ServiceRegistration>();
  private readonly watches: { service: WatchedService; query: ServiceWatch }[] = [];

  constructor(private readonly options: DiscoveryComponentOptions) {}

  async start(): Promise<void> {
    const { host, log } = this.options;
    try {
      this.discovery = await this.options.connect();
    } catch (error) {
      this.connectError = (error as Error).message;
      log.error(`Consul discovery is off: ${this.connectError}`);
      return;
    }
    this.subscription = host.bus.subscribe(this.name, (event) => this.observe(event));
    for (const config of host.currentConfig.watches) {
      const service = new WatchedService(config, (event) => host.bus.publish(event));
      const query = this.discovery.watch({ service: config.name, tag: config.tag, dc: config.dc }, { waitMs: service.waitMs }, (instances) => service.update(instances));
      this.watches.push({ service, query });
    }
  }

  async stop(): Promise<void> {
    for (const watch of this.watches) watch.query.stop();
    // Every job has stopped: the last syncs deregister what is still registered.
    this.closed = true;
    const deregistered = Promise.all([...this.registrations.values()].map((registration) => registration.sync()));
    let grace: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([deregistered, timedOut]);
    clearTimeout(grace);
    const left = [...this.registrations.values()].map((registration) => registration.status()).filter((status) => status.state === 'registered' || status.state === 'registering');
    // Their TTL lapses to critical; Consul removes them after `deregisterCriticalServiceAfter`, if set.
    if (left.length > 0) this.options.log.warn(`could not deregister ${left.map((status) => status.id).join(', ')} from Consul: ${left[0]?.error ?? 'no answer'}`);
    for (const registration of this.registrations.values()) registration.stopTimers();
    this.subscription?.unsubscribe();
    this.discovery?.close();
  }

  status(): DiscoveryStatus {
    return {
      consul: this.discovery?.location ?? 'off',
      services: [...this.registrations.values()].map((registration) => registration.status()),
      watches: this.watches.map((watch) => watch.service.status()),
      ...(this.connectError ? { error: this.connectError } : {}),
    };
  }

  private observe(event: SupervisorEvent): void {
    if (this.closed) return;
    if (event.source === GLOBAL_SOURCE && (event.kind === 'enterMaintenance' || event.kind === 'exitMaintenance')) {
      for (const registration of this.registrations.values()) {
        // Leaving maintenance puts every service back, even one the agent lost meanwhile
        // (ContainerPilot never registered again after maintenance).
        if (event.kind === 'exitMaintenance') registration.registerAgain();
        void registration.sync();
      }
      return;
    }
    if (event.kind !== 'transition' && event.kind !== 'healthy' && event.kind !== 'unhealthy') return;
    const registration = this.registrationFor(event.source);
    if (!registration) return;
    if (event.kind !== 'transition') registration.noteOutput(event.detail ?? '');
    void registration.sync();
  }

  private registrationFor(name: string): ServiceRegistration | undefined {
    const job = this.options.host.job(name);
    const discovery = this.discovery;
    if (!job || !discovery) return undefined;
    let registration = this.registrations.get(name);
    if (!registration) {
      if (!isAdvertised(job.config)) return undefined;
      const { host, log } = this.options;
      registration = new ServiceRegistration(job, {
        discovery,
        log: log.child({ job: name }),
        hostname: this.options.hostname ?? hostname(),
        interfaces: this.options.interfaces ?? networkInterfaces,
        inMaintenance: () => host.inMaintenance,
        closed: () => this.closed,
      });
      this.registrations.set(name, registration);
    }
    registration.replaceJob(job);
    return registration;
  }
}
