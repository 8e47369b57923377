// The validated, normalized configuration: pure data that the supervisor acts on.
// Everything the loader accepts (ContainerPilot v3 spellings, durations as "10s" or seconds,
// snake_case keys) is resolved into this one shape; nothing downstream sees raw input.

/** Durations are milliseconds once normalized. */
export type Millis = number;

/** The event names a `when` clause can name (ContainerPilot v3's vocabulary). */
export const EVENT_NAMES = [
  'startup',
  'shutdown',
  'exitSuccess',
  'exitFailed',
  'healthy',
  'unhealthy',
  'changed',
  'stopping',
  'stopped',
  'enterMaintenance',
  'exitMaintenance',
  'timerExpired',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Signals that jobs can hook as event sources (`when: {source: "SIGHUP"}`). */
export const HOOKABLE_SIGNALS = ['SIGHUP', 'SIGUSR2'] as const;
export type HookableSignal = (typeof HOOKABLE_SIGNALS)[number];

/**
 * A command ready to spawn. A string `exec` without shell operators is split respecting quotes;
 * one with operators (`|`, `&&`, `>`, `$(…)`, …) becomes `["/bin/sh", "-c", string]`.
 */
export interface Command {
  argv: [string, ...string[]];
  /** The command as the user wrote it, for logs and status. */
  display: string;
}

export type When =
  /** Start once when the supervisor starts (the default). */
  | { kind: 'startup'; timeout?: Millis }
  /** Start on an event of another job (`name`), watch (`watch.name`), `global`, or a signal. */
  | { kind: 'event'; source: string; event: EventName | 'signal'; repeat: 'once' | 'each'; timeout?: Millis }
  /** Run at startup and then every `interval`. */
  | { kind: 'interval'; interval: Millis };

export interface Backoff {
  /** First delay after a quick crash. */
  delay: Millis;
  factor: number;
  /** Ceiling for the delay. */
  limit: Millis;
  /** A run at least this long counts as stable: the backoff resets and the next restart is immediate. */
  resetAfter: Millis;
}

export type HealthProbe =
  | { type: 'exec'; command: Command }
  | { type: 'http'; url: string; method: 'GET' | 'HEAD' | 'POST'; headers: Record<string, string>; expectStatus?: number[] }
  | { type: 'tcp'; host: string; port: number };

export interface HealthConfig {
  probe: HealthProbe;
  interval: Millis;
  timeout: Millis;
  /** Consecutive failures needed to become unhealthy. */
  threshold: number;
  /** Consecutive successes needed to become healthy. */
  successThreshold: number;
  /** Consul TTL (ContainerPilot's `health.ttl`), when the job is registered. */
  ttl?: Millis;
  /** Restart the job when it becomes unhealthy. */
  onUnhealthy: 'ignore' | 'restart';
  /** Pebble's check levels: an `alive` check failing fails /livez too; every check counts for /readyz. */
  level?: 'alive' | 'ready';
  /** Pass the probe's output through unmodified instead of as log lines. */
  rawLogging: boolean;
}

/** What the supervisor does when a job has ended for good. */
export type OnExit = 'ignore' | 'shutdown' | 'shutdownOnFailure';

export interface JobConfig {
  /**
   * Unique: how the job is addressed and listed (status, control API, CLI, metrics, Kubernetes).
   * The name as written, or `name#2`, `name#3`… for a job repeating an earlier one's (identity.ts).
   */
  name: string;
  /**
   * The name as written, shared by jobs that repeat it as in ContainerPilot: the source of the
   * job's events, its `CONTAINERPILOT_<NAME>_*` variables and its Consul service name.
   */
  writtenName: string;
  /** Absent for registration-only services. */
  exec?: Command;
  env: Record<string, string>;
  cwd?: string;
  when: When;
  /** Run time limit: the process group is SIGKILLed when it is exceeded. */
  timeout?: Millis;
  /** How many times the job is started again after an exit; `Infinity` for unlimited. */
  restarts: number;
  backoff: Backoff;
  stopSignal: NodeJS.Signals;
  stopTimeout: Millis;
  health?: HealthConfig;
  /** Serve a NOTIFY_SOCKET to this job; `READY=1` makes it healthy. */
  notify: boolean;
  onExit: OnExit;
  logging: { raw: boolean };
  /** Discovery fields (used by the Consul backend). */
  port?: number;
  tags: string[];
  meta: Record<string, string>;
  interfaces: string[];
  initialStatus?: 'passing' | 'warning' | 'critical';
  enableTagOverride: boolean;
  deregisterCriticalServiceAfter?: Millis;
}

/** A watched service: a Consul service (ContainerPilot's watch) or a Kubernetes Service. */
export type WatchConfig = ConsulWatchConfig | KubernetesWatchConfig;

export interface ConsulWatchConfig {
  /** Absent in ContainerPilot's configs: Consul is the default. */
  source?: 'consul';
  name: string;
  interval: Millis;
  tag?: string;
  dc?: string;
}

/** A Service's ready endpoints, from its EndpointSlices (pushed by a watch: no interval). */
export interface KubernetesWatchConfig {
  source: 'kubernetes';
  name: string;
  /** Default: the pod's namespace. */
  namespace?: string;
  /** The Service port by name or number; default: its only one. */
  port?: string | number;
}

export interface ConsulConfig {
  address: string;
  scheme: 'http' | 'https';
  token?: string;
  tls?: { cafile?: string; capath?: string; clientcert?: string; clientkey?: string; servername?: string; verify?: boolean };
}

/** The Kubernetes bridge: where the API server is and what it may write. */
export interface KubernetesConfig {
  /** `true`/`false` force the bridge on/off; absent, it is on when `KUBERNETES_SERVICE_HOST` is set. */
  enabled?: boolean;
  /** API server URL; default `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`. */
  apiServer?: string;
  /** Bearer token, re-read every minute (projected service-account tokens rotate). */
  tokenFile: string;
  /** CA bundle that signs the API server's certificate. */
  caFile: string;
  /** Namespace of the pod's Autopilot object; default `$POD_NAMESPACE`, then the service account's. */
  namespace?: string;
  /** Post Kubernetes Events about job transitions. */
  events: boolean;
  /** Keep the readiness gate's pod condition (if the pod lists it); false: never read the pod. */
  readinessGate: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggingConfig {
  level: LogLevel;
  /** `default` and `text` are human text lines; `json` is one JSON object a line. */
  format: 'default' | 'text' | 'json';
  /** `stdout`, `stderr` or a file path (reopened on SIGUSR1). */
  output: string;
}

export interface MetricConfig {
  /** The full Prometheus name: namespace_subsystem_name. */
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
}

export interface TelemetryConfig {
  /** 0 picks a free port. */
  port: number;
  interfaces: string[];
  /** Its service name in Consul; absent, ContainerPilot's "containerpilot". */
  name?: string;
  tags: string[];
  metrics: MetricConfig[];
}

export interface ProbesConfig {
  port: number;
  address: string;
}

export interface Config {
  /** Absolute path of the file it came from. */
  file: string;
  /** sha256 of the rendered text, for status and reload diffs. */
  hash: string;
  /** The environment values the template put into the text: log lines mask them, as they may be secrets. */
  templateValues: readonly string[];
  jobs: JobConfig[];
  watches: WatchConfig[];
  consul?: ConsulConfig;
  logging: LoggingConfig;
  control: { socket: string };
  kubernetes: KubernetesConfig;
  /** The Prometheus endpoint; off when absent. */
  telemetry?: TelemetryConfig;
  /** The /livez and /readyz endpoints; off when absent. */
  probes?: ProbesConfig;
  /** Default per-job stop timeout (ContainerPilot's top-level `stopTimeout`). */
  stopTimeout: Millis;
  /** The job whose exit code becomes the supervisor's. */
  main?: string;
  /** The config's entry for the main job had an `exec`, which the command after `pilotfish --` replaced. */
  mainExecReplaced?: true;
  /** Lines to log when the config comes into force (`file:line:column: path: message`). */
  warnings: readonly string[];
}
