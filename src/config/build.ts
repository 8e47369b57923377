// Validated input → Config. Every default for an omitted field is decided here, in one place.
import { dirname, resolve } from 'node:path';
import { withoutUndefined } from '../util/records.js';
import { jobIdentities } from './identity.js';
import type { ConfigInput, JobInput } from './schema.js';
import type { Backoff, Command, Config, HealthConfig, JobConfig, KubernetesConfig, LoggingConfig, Millis, ProbesConfig, TelemetryConfig } from './types.js';

const DEFAULT_STOP_TIMEOUT: Millis = 5_000;
const DEFAULT_BACKOFF: Readonly<Backoff> = { delay: 500, factor: 2, limit: 30_000, resetAfter: 10_000 };
export const DEFAULT_INTERFACES: readonly string[] = ['eth0:inet', 'inet'];
export const DEFAULT_CONTROL_SOCKET = '/var/run/containerpilot.socket';
const DEFAULT_LOGGING: Readonly<LoggingConfig> = { level: 'info', format: 'default', output: 'stdout' };
const DEFAULT_TELEMETRY_PORT = 9090;
// Where the kubelet can reach the probes: the pod's IP, whatever it is.
const DEFAULT_PROBES_ADDRESS = '0.0.0.0';
/** The job that runs the command after `pilotfish --`, unless the config's `main` names another. */
const COMMAND_LINE_JOB = 'main';
/** Config.file when there is no config file, only the command after `--`. */
const NO_CONFIG_FILE = '(command line)';
/** Where the kubelet mounts the pod's service-account credentials. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ConfigOrigin {
  file: string;
  /** What the config's `hash` is the SHA-256 of: the rendered file, or the command line. */
  hashed: string;
  templateValues?: string[];
  /** The command after `pilotfish --`: the exec of the main job (the one `main` names, else COMMAND_LINE_JOB). */
  commandLine?: Command;
}

export function buildConfig(input: ConfigInput, origin: ConfigOrigin): Config {
  // ContainerPilot treats a stopTimeout of 0 as unset.
  const stopTimeout = input.stopTimeout || DEFAULT_STOP_TIMEOUT;
  const { commandLine } = origin;
  const main = input.main ?? (commandLine ? COMMAND_LINE_JOB : undefined);
  const jobs = commandLine && main !== undefined ? withCommandLineJob(input.jobs ?? [], main, commandLine) : (input.jobs ?? []);
  const identities = jobIdentities(jobs.map((job) => job.name));
  const config = withoutUndefined<Omit<Config, 'hash'>>({
    file: origin.file,
    templateValues: origin.templateValues ?? [],
    jobs: jobs.map((job, index) => buildJob(job, identities[index] as string, stopTimeout, dirname(origin.file), main)),
    watches: input.watches ?? [],
    consul: input.consul,
    logging: { ...DEFAULT_LOGGING, ...input.logging },
    control: { socket: input.control?.socket ?? DEFAULT_CONTROL_SOCKET },
    kubernetes: buildKubernetes(input.kubernetes ?? {}),
    telemetry: input.telemetry && buildTelemetry(input.telemetry),
    probes: input.probes && buildProbes(input.probes),
    stopTimeout,
    main,
    mainExecReplaced: commandLine && input.jobs?.some((job) => job.name === main && job.exec !== undefined) ? true : undefined,
    // The loader adds them: they name places in the file.
    warnings: [],
  });
  return withLazyHash(config, origin.hashed);
}

/**
 * `hash` is computed when first read, by status and the Kubernetes bridge: loading node:crypto
 * (16 modules) cost every start ~10 ms (docs/benchmarks.md). Copies of the config (a spread)
 * read it, so the loader adds its warnings in place.
 */
function withLazyHash(config: Omit<Config, 'hash'>, hashed: string): Config {
  let hash: string | undefined;
  const sha256 = (): string => process.getBuiltinModule('node:crypto').createHash('sha256').update(hashed).digest('hex');
  return Object.defineProperty(config, 'hash', { enumerable: true, get: () => (hash ??= sha256()) }) as Config;
}

/** The config with nothing but the command after `pilotfish --`, when there is no config file (pilotfish as tini). */
export function commandLineOnlyConfig(commandLine: Command): Config {
  return buildConfig({}, { file: NO_CONFIG_FILE, hashed: JSON.stringify(commandLine.argv), commandLine });
}

/**
 * The command after `--` runs as the main job, `name`: the config's entry of that name, if any,
 * keeps its health check, registration, restarts and hooks, and takes the command as its exec
 * (whatever exec it had); without one, the job is just the command.
 */
function withCommandLineJob(jobs: readonly JobInput[], name: string, exec: Command): JobInput[] {
  if (!jobs.some((job) => job.name === name)) return [...jobs, { name, exec }];
  return jobs.map((job) => (job.name === name ? { ...job, exec } : job));
}

function buildJob(job: JobInput, identity: string, defaultStopTimeout: Millis, configDir: string, main: string | undefined): JobConfig {
  const when = job.when ?? { kind: 'startup' };
  const interval = when.kind === 'interval' ? when.interval : undefined;
  return withoutUndefined({
    name: identity,
    writtenName: job.name,
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
    // The main job ends the container (as tini's child does), unless its onExit says otherwise.
    onExit: job.onExit ?? (identity === main ? 'shutdown' : 'ignore'),
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
    level: health.level,
    rawLogging: health.logging?.raw ?? false,
  });
}

function buildKubernetes(kubernetes: NonNullable<ConfigInput['kubernetes']>): KubernetesConfig {
  return withoutUndefined({
    enabled: kubernetes.enabled,
    apiServer: kubernetes.apiServer,
    tokenFile: kubernetes.tokenFile ?? `${SERVICE_ACCOUNT_DIR}/token`,
    caFile: kubernetes.caFile ?? `${SERVICE_ACCOUNT_DIR}/ca.crt`,
    namespace: kubernetes.namespace,
    events: kubernetes.events ?? true,
    readinessGate: kubernetes.readinessGate ?? true,
  });
}

function buildTelemetry(telemetry: NonNullable<ConfigInput['telemetry']>): TelemetryConfig {
  return withoutUndefined({
    port: telemetry.port ?? DEFAULT_TELEMETRY_PORT,
    // As in ContainerPilot, telemetry listens on the advertised address only, not on every one.
    interfaces: telemetry.interfaces ?? [...DEFAULT_INTERFACES],
    name: telemetry.name,
    tags: telemetry.tags ?? [],
    metrics: telemetry.metrics ?? [],
  });
}

function buildProbes(probes: NonNullable<ConfigInput['probes']>): ProbesConfig {
  return { port: probes.port, address: probes.address ?? DEFAULT_PROBES_ADDRESS };
}
