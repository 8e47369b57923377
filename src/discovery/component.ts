// Discovery as a supervisor component: registers the advertised jobs (and the telemetry
// endpoint) and runs the watches. It only observes the bus (job transitions, health and checks,
// maintenance) and publishes the watches' events; every Consul call happens in the background, so
// an unreachable or slow agent never blocks a job, the bus or the supervisor's shutdown for more
// than a bounded time. A reload applies to it too: jobs re-registered with their new definition
// or deregistered, watches started and stopped, and another `consul` block reconnects.
import { hostname, networkInterfaces } from 'node:os';
import { isAdvertised } from '../config/rules.js';
import type { Config, ConsulConfig, ConsulWatchConfig, WatchConfig } from '../config/types.js';
import type { DiscoveryStatus, RegistrationStatus, TelemetryEndpoint } from '../contracts/components.js';
import type { EventBus, Subscription } from '../events/bus.js';
import { DISCOVERY_SOURCE, GLOBAL_SOURCE, jobOfEvent, type SupervisorEvent } from '../events/types.js';
import type { Logger } from '../logging/logger.js';
import type { ReportingComponent } from '../supervisor/supervisor.js';
import type { NetworkInterfaces } from '../util/network-interfaces.js';
import type { WatchBoard } from '../watches/board.js';
import { WatchedService } from '../watches/watched-service.js';
import type { Discovery, ServiceWatch } from './discovery.js';
import { ServiceRegistration, type AdvertisedJob } from './registration.js';
import { TelemetryService, telemetryServiceConfig } from './telemetry-service.js';
import { withDeadline } from '../util/deadline.js';

/** What the component reads from the supervisor. */
export interface DiscoveryHost {
  readonly bus: EventBus;
  readonly currentConfig: Config;
  readonly inMaintenance: boolean;
  job(name: string): AdvertisedJob | undefined;
  /** Where the watches' endpoints are read from. */
  readonly watches: WatchBoard;
  /** Where the telemetry endpoint listens, once it does. */
  telemetryEndpoint(): TelemetryEndpoint | undefined;
}

export interface DiscoveryComponentOptions {
  host: DiscoveryHost;
  /** Opens the catalog (loading its client library); a failure leaves discovery off, said once. */
  connect: (consul: ConsulConfig) => Promise<Discovery>;
  log: Logger;
  hostname?: string;
  interfaces?: () => NetworkInterfaces;
}

/** Blocking-query waits are bounded by Consul at 10 minutes. */
const MAX_WAIT_MS = 10 * 60_000;
const MIN_WAIT_MS = 1_000;

/**
 * ContainerPilot's `interval` bounds how long one blocking query waits, so the watch still
 * re-reads the catalog at least that often.
 */
export function blockingWaitMs(config: ConsulWatchConfig): number {
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, config.interval));
}

/** Deregistration at shutdown gets this long, so that a dead agent cannot hold up the exit. */
const SHUTDOWN_GRACE_MS = 5_000;

/** In the catalog, or being (re)sent there. */
function inCatalog({ state }: RegistrationStatus): boolean {
  return state === 'registered' || state === 'registering';
}

interface RunningWatch {
  service: WatchedService;
  query: ServiceWatch;
}

export class DiscoveryComponent implements ReportingComponent<'discovery'> {
  readonly name = 'discovery';
  private discovery: Discovery | undefined;
  private connectError: string | undefined;
  private subscription: Subscription | undefined;
  /** Set while services are being taken out for good (shutdown, another agent): no retries. */
  private withdrawing = false;
  /** By service name: a job's name as written, which jobs repeating it share (as in ContainerPilot). */
  private readonly registrations = new Map<string, ServiceRegistration>();
  private advertisersOf: { config: Config; byService: ReadonlyMap<string, string> } | undefined;
  private readonly watches = new Map<string, RunningWatch>();
  private telemetry: { service: TelemetryService; registration: ServiceRegistration } | undefined;
  /** Serializes reconnections, which a quick series of reloads could otherwise interleave. */
  private reconnecting: Promise<void> = Promise.resolve();
  /** The status last published on the bus, serialized. */
  private published: string | undefined;

  constructor(private readonly options: DiscoveryComponentOptions) {}

  async start(): Promise<void> {
    this.subscription = this.options.host.bus.subscribe(this.name, (event) => this.observe(event));
    await this.open(this.options.host.currentConfig.consul);
  }

  async stop(): Promise<void> {
    await this.reconnecting;
    this.telemetry?.service.stop();
    // Every job has stopped: take out what is still registered.
    await this.close();
    this.subscription?.unsubscribe();
  }

  configChanged(next: Config, previous: Config): void {
    // Queued behind a reconnection in progress: while it takes the services off the old agent,
    // `discovery` is still that agent, and watches started on it now would never move over.
    if (JSON.stringify(next.consul) !== JSON.stringify(previous.consul)) {
      this.reconnecting = this.reconnecting.then(() => this.reconnect(next.consul));
      return;
    }
    this.reconnecting = this.reconnecting.then(() => this.applyReload());
  }

  /** The config as it is now (a later reload may have come meanwhile): watches and jobs follow it. */
  private applyReload(): void {
    if (!this.discovery) return;
    this.updateWatches(this.options.host.currentConfig.watches);
    this.syncJobs();
  }

  /**
   * Syncs every job's registration. Jobs a reload removed are gone from the supervisor: their
   * last sync deregisters them. Changed ones are new jobs under the same name, registered afresh
   * with their definition.
   */
  private syncJobs(): void {
    for (const service of this.registrations.keys()) void this.registrationFor(service)?.sync();
  }

  /** The jobs' registrations and the telemetry endpoint's, if any. */
  private allRegistrations(): ServiceRegistration[] {
    return [...this.registrations.values(), ...(this.telemetry ? [this.telemetry.registration] : [])];
  }

  status(): DiscoveryStatus {
    // A job a reload removed is shown only while it is still in the catalog: one that never got
    // there (or has left) is not "waiting" for anything, and would keep readers (the Kubernetes
    // bridge's ConsulRegistered) at "registering" for good.
    const current = [...this.registrations.values()].flatMap((registration) => {
      if (this.options.host.job(registration.jobName)) return [registration];
      return inCatalog(registration.status()) ? [registration] : [];
    });
    const registrations = [...current, ...(this.telemetry ? [this.telemetry.registration] : [])];
    return {
      consul: this.discovery?.location ?? 'off',
      services: registrations.map((registration) => registration.status()),
      watches: [...this.watches.values()].map((watch) => watch.service.status()),
      ...(this.connectError ? { error: this.connectError } : {}),
    };
  }

  /** Publishes the status when it differs from the one last published: whoever reads it need not poll. */
  private publishStatus(): void {
    const status = this.status();
    const serialized = JSON.stringify(status);
    if (serialized === this.published) return;
    this.published = serialized;
    this.options.host.bus.publish({ kind: 'discoveryChanged', source: DISCOVERY_SOURCE, status });
  }

  private async open(consul: ConsulConfig | undefined): Promise<void> {
    this.connectError = undefined;
    if (consul) {
      try {
        this.discovery = await this.options.connect(consul);
      } catch (error) {
        this.connectError = (error as Error).message;
        this.options.log.error(`Consul discovery is off: ${this.connectError}`);
      }
    }
    if (this.discovery) this.updateWatches(this.options.host.currentConfig.watches);
    else this.publishStatus();
  }

  /** Stops the watches and takes every service out, within the grace period; then lets go of the agent. */
  private async close(): Promise<void> {
    this.updateWatches([]);
    this.withdrawing = true;
    const all = this.allRegistrations();
    const deregistered = Promise.all(all.map((registration) => registration.sync()));
    await withDeadline(deregistered, SHUTDOWN_GRACE_MS);
    const left = all.map((registration) => registration.status()).filter(inCatalog);
    // Their TTL lapses to critical; Consul removes them after `deregisterCriticalServiceAfter`, if set.
    if (left.length > 0) this.options.log.warn(`could not deregister ${left.map((status) => status.id).join(', ')} from Consul: ${left[0]?.error ?? 'no answer'}`);
    for (const registration of all) registration.stopTimers();
    this.withdrawing = false;
    this.discovery?.close();
    this.discovery = undefined;
    this.publishStatus();
  }

  /**
   * Another agent, token or TLS setup: the services leave the old agent and are registered with
   * the new one, with the watches moved over; without a `consul` block any more, discovery is off.
   */
  private async reconnect(consul: ConsulConfig | undefined): Promise<void> {
    const { log } = this.options;
    log.info(consul ? 'the consul block changed: reconnecting' : 'the consul block was removed: deregistering and turning discovery off');
    await this.close();
    await this.open(consul);
    if (!this.discovery) return;
    // Discovery may have been off since startup (a failed connection): the endpoint's turn now.
    this.advertiseTelemetry();
    for (const registration of this.allRegistrations()) registration.registerAgain();
    this.syncJobs();
    void this.telemetry?.registration.sync();
  }

  /** Starts the Consul watches that `configured` has and the running set lacks; stops the others. */
  private updateWatches(configured: readonly WatchConfig[]): void {
    const { host } = this.options;
    const wanted = configured.filter((config): config is ConsulWatchConfig => config.source !== 'kubernetes');
    const key = (config: WatchConfig) => JSON.stringify(config);
    const keep = new Set(wanted.map(key));
    for (const [id, watch] of this.watches) {
      if (keep.has(id)) continue;
      watch.query.stop();
      host.watches.remove(watch.service);
      this.watches.delete(id);
    }
    const discovery = this.discovery;
    if (discovery) for (const config of wanted) if (!this.watches.has(key(config))) this.startWatch(discovery, config, key(config));
    this.publishStatus();
  }

  private startWatch(discovery: Discovery, config: ConsulWatchConfig, id: string): void {
    const { host } = this.options;
    const service = new WatchedService(config, (event) => host.bus.publish(event));
    const answered = (update: () => void) => {
      update();
      this.publishStatus();
    };
    const query = discovery.watch(
      { service: config.name, tag: config.tag, dc: config.dc },
      { waitMs: blockingWaitMs(config) },
      { onInstances: (instances) => answered(() => service.update(instances)), onError: (error) => answered(() => service.failed(error)) },
    );
    this.watches.set(id, { service, query });
    host.watches.add(service);
  }

  private observe(event: SupervisorEvent): void {
    if (this.withdrawing || !this.discovery) return;
    if (event.source === GLOBAL_SOURCE) {
      if (event.kind === 'startup') this.advertiseTelemetry();
      if (event.kind !== 'enterMaintenance' && event.kind !== 'exitMaintenance') return;
      for (const registration of this.allRegistrations()) {
        // Leaving maintenance puts every service back, even one the agent lost meanwhile
        // (ContainerPilot never registered again after maintenance).
        if (event.kind === 'exitMaintenance') registration.registerAgain();
        void registration.sync();
      }
      return;
    }
    if (event.kind !== 'transition' && event.kind !== 'healthy' && event.kind !== 'unhealthy' && event.kind !== 'checkResult') return;
    const registration = this.registrationForJob(jobOfEvent(event));
    if (!registration) return;
    if (event.kind === 'checkResult') return registration.checked();
    if (event.kind !== 'transition') registration.noteOutput(event.detail ?? '');
    void registration.sync();
  }

  /**
   * The registration a job's event concerns, if that job is the one its service follows; for a job
   * a reload removed, the registration that still follows it, whose end deregisters it.
   */
  private registrationForJob(name: string): ServiceRegistration | undefined {
    const job = this.options.host.job(name);
    const registration = job ? this.registrationFor(job.config.writtenName) : [...this.registrations.values()].find((candidate) => candidate.jobName === name);
    return registration?.jobName === name ? registration : undefined;
  }

  /**
   * The registration of a service, following the job that advertises it now. Jobs of one name share
   * ContainerPilot's service ID `<name>-<hostname>`: the last one in the config is registered, as
   * its registration replaced the others' under ContainerPilot. Once no job advertises it (a
   * reload removed it), the last job it had, whose end deregisters it.
   */
  private registrationFor(service: string): ServiceRegistration | undefined {
    const { host } = this.options;
    const advertiser = this.advertisers().get(service);
    const job = advertiser === undefined ? undefined : host.job(advertiser);
    let registration = this.registrations.get(service);
    if (!job) return registration;
    if (!registration) {
      registration = this.newRegistration(job);
      this.registrations.set(service, registration);
    }
    registration.replaceJob(job);
    return registration;
  }

  /** The job advertising each service, by identity; worked out once per config, as every check's event asks. */
  private advertisers(): ReadonlyMap<string, string> {
    const config = this.options.host.currentConfig;
    if (this.advertisersOf?.config !== config) {
      // Later jobs of a name overwrite earlier ones: the last one is registered.
      const byService = new Map(config.jobs.filter(isAdvertised).map((job) => [job.writtenName, job.name]));
      this.advertisersOf = { config, byService };
    }
    return this.advertisersOf.byService;
  }

  /** Once every component has started, the telemetry endpoint is listening, or never will. */
  private advertiseTelemetry(): void {
    const { host, log } = this.options;
    const telemetry = host.currentConfig.telemetry;
    if (!telemetry || this.telemetry) return;
    const endpoint = host.telemetryEndpoint();
    if (!endpoint) {
      log.warn('the telemetry endpoint is not listening: it is not registered in Consul');
      return;
    }
    const service = new TelemetryService(telemetryServiceConfig(telemetry, endpoint), endpoint);
    const registration = this.newRegistration(service);
    this.telemetry = { service, registration };
    service.start((output) => {
      registration.noteOutput(output);
      registration.checked();
    });
  }

  private newRegistration(job: AdvertisedJob): ServiceRegistration {
    const { host, log } = this.options;
    return new ServiceRegistration(job, {
      discovery: () => this.discovery,
      log: log.child({ job: job.config.name }),
      hostname: this.options.hostname ?? hostname(),
      interfaces: this.options.interfaces ?? networkInterfaces,
      inMaintenance: () => host.inMaintenance,
      closed: () => this.withdrawing,
      changed: () => this.publishStatus(),
    });
  }
}
