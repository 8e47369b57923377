// One job's service in the catalog. Its wanted state follows the job: registered once the job is
// healthy (or right away with `initialStatus`), its TTL check passing or critical with the
// check's output as the job's health flips, out of rotation during maintenance, and deregistered
// when the job has stopped for good. `sync` moves the catalog towards that state one call at a
// time; a failed call is retried with backoff, and an agent that has forgotten the service
// (restarted, state lost) gets it registered again. Unlike ContainerPilot, nothing here is
// remembered as "registered" beyond what the agent last confirmed.
//
// The TTL is renewed after every completed health check, as ContainerPilot did: a heartbeat
// means "a check has just run", so checks that stall (a hung probe, a stuck supervisor) let the
// TTL lapse to critical, which is what a TTL check is for. The cadence is thus `health.interval`,
// which must stay below `ttl` (the config warns otherwise).
import { isAdvertised } from '../config/rules.js';
import type { HealthConfig, JobConfig } from '../config/types.js';
import type { CheckStatus, RegistrationStatus } from '../contracts/components.js';
import type { JobState } from '../events/types.js';
import type { Health } from '../health/monitor.js';
import type { Logger } from '../logging/logger.js';
import { retryDelay } from './blocking-query.js';
import { DiscoveryError, type Discovery, type ServiceDefinition } from './discovery.js';
import { resolveAddress, type NetworkInterfaces } from '../util/network-interfaces.js';

/** The parts of a job's config that make it a service (also built for the telemetry endpoint). */
export type AdvertisedConfig = Pick<
  JobConfig,
  'name' | 'writtenName' | 'exec' | 'port' | 'tags' | 'meta' | 'interfaces' | 'initialStatus' | 'enableTagOverride' | 'deregisterCriticalServiceAfter'
> & { health?: Pick<HealthConfig, 'interval' | 'ttl'> };

/** What the registration reads from the job it advertises. */
export interface AdvertisedJob {
  readonly config: AdvertisedConfig;
  readonly state: JobState;
  readonly health: Health;
}

const ENDED: ReadonlySet<JobState> = new Set(['stopped', 'exited', 'failed']);
const MAINTENANCE_REASON = 'pilotfish maintenance mode';

/** Unique on the agent, and stable for a job across reloads: ContainerPilot's `<name>-<hostname>`, by the name as written. */
function serviceIdOf(name: string, hostname: string): string {
  return `${name}-${hostname}`;
}

export function serviceDefinition(job: AdvertisedConfig, hostname: string, interfaces: NetworkInterfaces): ServiceDefinition {
  const ttlMs = job.health?.ttl ?? 0;
  return {
    id: serviceIdOf(job.writtenName, hostname),
    name: job.writtenName,
    address: resolveAddress(job.interfaces, interfaces),
    port: job.port,
    tags: job.tags,
    meta: job.meta,
    enableTagOverride: job.enableTagOverride,
    check: {
      ttlMs,
      status: job.initialStatus ?? 'critical',
      notes: `TTL for ${job.writtenName} set by pilotfish`,
      deregisterCriticalServiceAfterMs: job.deregisterCriticalServiceAfter,
    },
  };
}

/**
 * After a failed call, the next try comes with backoff but no later than about half a TTL, so
 * that an agent that comes back gets the service again within one TTL.
 */
function retryLimit(job: AdvertisedConfig): number {
  const ttl = job.health?.ttl ?? 0;
  return Math.max(100, Math.min(job.health?.interval ?? ttl, ttl / 2));
}

interface Wanted {
  present: boolean;
  status?: CheckStatus;
  maintenance: boolean;
}

export interface RegistrationContext {
  /** The catalog in use now: a reload may switch agents, or turn discovery off. */
  discovery: () => Discovery | undefined;
  log: Logger;
  hostname: string;
  interfaces: () => NetworkInterfaces;
  inMaintenance: () => boolean;
  /** Set once the supervisor is going away: nothing is retried any more. */
  closed: () => boolean;
  /** A pass of calls changed its status. */
  changed: () => void;
}

export class ServiceRegistration {
  private definition: ServiceDefinition | undefined;
  /** We have put it in the catalog and not taken it out: it belongs there, even as critical. */
  private advertised = false;
  /** The agent has it as last sent (cleared when the agent lost it or it must be sent again). */
  private confirmed = false;
  private maintenanceApplied = false;
  private lastCheck: CheckStatus | undefined;
  private everRegistered = false;
  private output = '';
  private error: string | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  /** Re-registering at once after a loss is done once; an agent that keeps losing it gets backoff. */
  private reRegisteredAfterLoss = false;
  /** Its status after the last pass, serialized: a heartbeat that changes nothing is no news. */
  private reported: string | undefined;

  constructor(
    private job: AdvertisedJob,
    private readonly context: RegistrationContext,
  ) {}

  /** The job it follows now. */
  get jobName(): string {
    return this.job.config.name;
  }

  private get id(): string {
    return serviceIdOf(this.job.config.writtenName, this.context.hostname);
  }

  /** A reload replaced the job: its definition may differ, so it is registered afresh. */
  replaceJob(job: AdvertisedJob): void {
    if (job === this.job) return;
    this.job = job;
    this.definition = undefined;
    this.confirmed = false;
  }

  /** Sends the registration again on the next sync (idempotent for the agent). */
  registerAgain(): void {
    this.confirmed = false;
  }

  /** The job's health changed, with this check output. */
  noteOutput(output: string): void {
    this.output = output;
  }

  /** A health check completed: the heartbeat, unless a retry after a failure is already due. */
  checked(): void {
    if (this.failures > 0 && this.timer) return;
    void this.sync();
  }

  /** Brings the catalog in line with the job; calls never overlap, and one more runs if asked meanwhile. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = this.runSyncs().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  status(): RegistrationStatus {
    const definition = this.definition;
    return {
      id: this.id,
      name: this.job.config.writtenName,
      address: definition?.address,
      port: definition?.port,
      state: this.confirmed ? 'registered' : this.advertised ? 'registering' : this.everRegistered ? 'deregistered' : 'waiting',
      check: this.confirmed ? this.lastCheck : undefined,
      maintenance: this.confirmed && this.maintenanceApplied,
      error: this.error,
    };
  }

  stopTimers(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runSyncs(): Promise<void> {
    do {
      this.syncAgain = false;
      this.stopTimers();
      await this.syncOnce();
    } while (this.syncAgain);
  }

  private async syncOnce(): Promise<void> {
    try {
      await this.converge();
      this.failures = 0;
      this.error = undefined;
      this.reRegisteredAfterLoss = false;
    } catch (error) {
      if (error instanceof DiscoveryError && error.failure === 'unknownService') {
        // The agent lost it (restart without persisted state): register again, right away once.
        this.confirmed = false;
        if (!this.reRegisteredAfterLoss) {
          this.reRegisteredAfterLoss = true;
          this.context.log.warn(`Consul no longer knows ${this.job.config.name} (${error.message}): registering it again`);
          this.syncAgain = true;
          return;
        }
      }
      this.failures += 1;
      this.error = (error as Error).message;
      // Consul's own failures are logged once per outage by the discovery; others (no address
      // matches `interfaces`) once per episode here.
      if (!(error instanceof DiscoveryError) && this.failures === 1) this.context.log.error(`cannot register ${this.job.config.name}: ${this.error}`);
    }
    this.scheduleNext();
    const status = JSON.stringify(this.status());
    if (status === this.reported) return;
    this.reported = status;
    this.context.changed();
  }

  /** One pass of calls towards the wanted state; throws on the first failure. */
  private async converge(): Promise<void> {
    const wanted = this.wanted();
    const discovery = this.context.discovery();
    if (!discovery) return;
    if (!wanted.present) {
      if (!this.advertised) return;
      await discovery.deregister(this.id);
      this.advertised = false;
      this.confirmed = false;
      this.context.log.info(`deregistered ${this.id} from Consul`);
      return;
    }
    this.definition ??= serviceDefinition(this.job.config, this.context.hostname, this.context.interfaces());
    const definition = this.definition;
    if (!this.confirmed) {
      await discovery.register({ ...definition, check: { ...definition.check, status: wanted.status ?? definition.check.status } });
      this.advertised = true;
      this.confirmed = true;
      this.everRegistered = true;
      this.maintenanceApplied = false;
      this.lastCheck = wanted.status ?? definition.check.status;
      this.context.log.info(`registered ${definition.id} in Consul at ${definition.address}${definition.port === undefined ? '' : `:${definition.port}`}`);
    }
    if (this.maintenanceApplied !== wanted.maintenance) {
      await discovery.maintenance(definition.id, wanted.maintenance, MAINTENANCE_REASON);
      this.maintenanceApplied = wanted.maintenance;
    }
    if (wanted.status !== undefined) {
      await discovery.heartbeat(definition.id, wanted.status, this.output || `${this.job.config.name} is ${this.job.health}`);
      this.lastCheck = wanted.status;
    }
  }

  private wanted(): Wanted {
    const job = this.job;
    const maintenance = this.context.inMaintenance();
    // A reload may have taken the job's `port` away: then it is no longer a service.
    if (this.context.closed() || ENDED.has(job.state) || !isAdvertised(job.config)) return { present: false, maintenance };
    if (job.health === 'healthy') return { present: true, status: 'passing', maintenance };
    if (job.health === 'unhealthy') return { present: this.advertised, status: 'critical', maintenance };
    // Its process is gone (exited and waiting to restart, between runs, being stopped): nothing
    // serves at this address whatever the last check said, so it is critical now rather than
    // passing until the TTL runs out (the job's `unhealthy` says how it exited).
    if (this.advertised && job.state !== 'running') return { present: true, status: 'critical', maintenance };
    // Health unknown: registered only with an initial status, which the TTL then keeps until the
    // first check says otherwise (no heartbeat vouches for a job nobody has checked yet).
    const started = job.state !== 'idle';
    return { present: this.advertised || (started && job.config.initialStatus !== undefined), maintenance };
  }

  /** A retry after a failure; heartbeats otherwise come with the job's checks. */
  private scheduleNext(): void {
    // A deregistration that failed is retried too: `advertised` is still set.
    if (this.failures === 0 || this.context.closed() || !(this.wanted().present || this.advertised)) return;
    this.timer = setTimeout(() => void this.sync(), retryDelay(this.failures, retryLimit(this.job.config)));
  }
}
