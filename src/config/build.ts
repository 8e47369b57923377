// Validated input → Config. Every default for an omitted field is decided here, in one place.
import { dirname, resolve } from 'node:path';
import type { ConfigInput, JobInput } from './schema.js';
import type { Backoff, Config, HealthConfig, JobConfig, LoggingConfig, Millis } from './types.js';

const DEFAULT_STOP_TIMEOUT: Millis = 5_000;
const DEFAULT_BACKOFF: Readonly<Backoff> = { delay: 500, factor: 2, limit: 30_000, resetAfter: 10_000 };
const DEFAULT_INTERFACES: readonly string[] = ['eth0:inet', 'inet'];
const DEFAULT_CONTROL_SOCKET = '/var/run/containerpilot.socket';
const DEFAULT_LOGGING: Readonly<LoggingConfig> = { level: 'info', format: 'default', output: 'stdout' };

export function buildConfig(input: ConfigInput, origin: { file: string; hash: string }): Config {
  // ContainerPilot treats a stopTimeout of 0 as unset.
  const stopTimeout = input.stopTimeout || DEFAULT_STOP_TIMEOUT;
  return withoutUndefined({
    file: origin.file,
    hash: origin.hash,
    jobs: (input.jobs ?? []).map((job) => buildJob(job, stopTimeout, dirname(origin.file))),
    watches: input.watches ?? [],
    consul: input.consul,
    logging: { ...DEFAULT_LOGGING, ...input.logging },
    control: { socket: input.control?.socket ?? DEFAULT_CONTROL_SOCKET },
    telemetry: input.telemetry,
    stopTimeout,
    main: input.main,
  });
}

function buildJob(job: JobInput, defaultStopTimeout: Millis, configDir: string): JobConfig {
  const when = job.when ?? { kind: 'startup' };
  const interval = when.kind === 'interval' ? when.interval : undefined;
  return withoutUndefined({
    name: job.name,
    exec: job.exec,
    env: job.env ?? {},
    // A relative working directory is relative to the config file, so a config can sit beside its app.
    cwd: job.cwd === undefined ? undefined : resolve(configDir, job.cwd),
    when,
    // As in ContainerPilot, a periodic run may last at most one interval…
    timeout: job.timeout ?? interval,
    // …and a periodic job keeps running ("unlimited") unless told otherwise.
    restarts: job.restarts ?? (interval === undefined ? 0 : Infinity),
    backoff: { ...DEFAULT_BACKOFF, ...job.backoff },
    stopSignal: job.stopSignal ?? 'SIGTERM',
    stopTimeout: job.stopTimeout ?? defaultStopTimeout,
    health: job.health && buildHealth(job.health),
    notify: job.notify ?? false,
    onExit: job.onExit ?? 'ignore',
    logging: { raw: job.logging?.raw ?? false },
    port: job.port,
    tags: job.tags ?? [],
    meta: job.meta ?? {},
    interfaces: job.interfaces ?? [...DEFAULT_INTERFACES],
    initialStatus: job.initialStatus,
    enableTagOverride: job.consul?.enableTagOverride ?? false,
    deregisterCriticalServiceAfter: job.consul?.deregisterCriticalServiceAfter,
  });
}

function buildHealth(health: NonNullable<JobInput['health']>): HealthConfig {
  return withoutUndefined({
    probe: health.probe,
    interval: health.interval,
    timeout: health.timeout ?? health.interval,
    threshold: health.threshold ?? 1,
    successThreshold: health.successThreshold ?? 1,
    ttl: health.ttl,
    onUnhealthy: health.onUnhealthy ?? 'ignore',
    rawLogging: health.logging?.raw ?? false,
  });
}

/** Optional fields are left out rather than set to undefined, so configs compare and serialize cleanly. */
function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
