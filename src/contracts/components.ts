// The shapes components share: each component's part of the supervisor's status snapshot, what a
// watch reports, and what telemetry offers the control socket. A leaf: components import these
// instead of each other (telemetry reads discovery's status, discovery the telemetry endpoint,
// the Kubernetes bridge both), so no component depends on another's code, and none decodes
// another's status. It imports nothing, so every layer may use it.

/** What a service's TTL check is set to in the catalog. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** One healthy instance of a watched service. */
export interface Instance {
  id: string;
  address: string;
  port: number;
}

export interface RegistrationStatus {
  id: string;
  name: string;
  address?: string;
  port?: number;
  /** `waiting`: not yet healthy; `registering`: being (re)sent; `deregistered`: taken out after it ended. */
  state: 'waiting' | 'registering' | 'registered' | 'deregistered';
  /** What the TTL check was last set to. */
  check?: CheckStatus;
  maintenance: boolean;
  /** The last failure, until a call succeeds again. */
  error?: string;
}

export interface WatchStatus {
  name: string;
  source: 'consul' | 'kubernetes';
  /** `waiting` until the source's first answer. */
  state: 'waiting' | 'watching';
  instances: number;
  lastChange?: string;
  /** The last failed query's message (never a token, which travels as a header), until an answer comes. */
  error?: string;
  /** When the current run of failed queries began. */
  failingSince?: string;
}

/** The discovery component's status; also the payload of its `discovery` event. */
export interface DiscoveryStatus {
  /** Where the catalog is, or `off`. */
  consul: string;
  services: RegistrationStatus[];
  watches: WatchStatus[];
  /** Why discovery is off (the connection failed). */
  error?: string;
}

/** Where the telemetry endpoint listens. */
export interface TelemetryEndpoint {
  address: string;
  port: number;
  tags: string[];
}

/** A server's status: where it listens, or why it does not. */
type ListenerStatus<Listening> = Listening | { error: string };

export type TelemetryStatus = ListenerStatus<TelemetryEndpoint>;

export type ProbesStatus = ListenerStatus<{ address: string; port: number }>;

export interface ControlStatus {
  socket: string;
  listening: boolean;
  error?: string;
}

export interface ServiceManagerStatus {
  socket: string;
  ready: boolean;
  stopping: boolean;
}

export interface BridgeStatus {
  /** `namespace/name` of the pod's Autopilot. */
  object: string;
  /** The last status write succeeded. */
  synced: boolean;
  statusWrites: number;
  eventWrites: number;
}

/** Each component's part of the snapshot, under its name; absent when the component is not attached. */
export interface ComponentStatuses {
  control?: ControlStatus;
  telemetry?: TelemetryStatus;
  probes?: ProbesStatus;
  discovery?: DiscoveryStatus;
  kubernetes?: BridgeStatus;
  kubernetesWatches?: WatchStatus[];
  serviceManager?: ServiceManagerStatus;
}

/** The endpoint in telemetry's status, if it listens. */
export function listeningEndpoint(status: TelemetryStatus | undefined): TelemetryEndpoint | undefined {
  return status && 'port' in status ? status : undefined;
}

/** Where putmetric values go: the telemetry component, when telemetry is configured. */
export interface MetricSink {
  /** Whether `telemetry.metrics` declares this name. */
  has(name: string): boolean;
  /** Counter: adds; gauge: sets; histogram and summary: observe. */
  put(name: string, value: number): void;
}

/** The Consul service of pilotfish's own telemetry endpoint, ContainerPilot's "containerpilot" unless `telemetry.name` says otherwise. */
export function telemetryServiceName(telemetry: { name?: string }): string {
  return telemetry.name ?? 'containerpilot';
}
