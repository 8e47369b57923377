// pilotfish's own telemetry endpoint as a Consul service, as ContainerPilot registered it: named
// "containerpilot" (unless `telemetry.name` says otherwise), with `telemetry.tags` and then the
// supervisor's version (ContainerPilot appended its own, e.g. "3.8.0"), at the address
// and port the endpoint listens on, and a TTL check of 15 s renewed every 5 s. ContainerPilot
// declared that service always healthy; here each renewal follows a TCP check of the endpoint
// itself, so an endpoint that failed to bind or stopped serving is not advertised as up.
import { DEFAULT_INTERFACES } from '../config/build.js';
import type { TelemetryConfig } from '../config/types.js';
import { telemetryServiceName, type TelemetryEndpoint } from '../contracts/components.js';
import type { Health } from '../health/monitor.js';
import { runTcpProbe } from '../health/tcp-probe.js';
import { pilotfishVersion } from '../util/version.js';
import type { AdvertisedConfig, AdvertisedJob } from './registration.js';

/** ContainerPilot's fixed TTL and heartbeat for this service. */
const TTL_MS = 15_000;
const HEARTBEAT_MS = 5_000;
const CHECK_TIMEOUT_MS = 2_000;

export class TelemetryService implements AdvertisedJob {
  readonly state = 'running';
  health: Health = 'unknown';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly config: AdvertisedConfig,
    private readonly endpoint: TelemetryEndpoint,
  ) {}

  /** Checks the endpoint now and every heartbeat; `onCheck` gets each result's output. */
  start(onCheck: (output: string) => void): void {
    const check = async () => {
      const result = await runTcpProbe({ type: 'tcp', host: this.endpoint.address, port: this.endpoint.port }, { timeoutMs: CHECK_TIMEOUT_MS });
      if (!this.timer) return;
      this.health = result.ok ? 'healthy' : 'unhealthy';
      onCheck(result.ok ? `telemetry serving on ${this.endpoint.address}:${this.endpoint.port}` : `telemetry not serving: ${result.output}`);
    };
    this.timer = setInterval(() => void check(), HEARTBEAT_MS);
    this.timer.unref();
    void check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The service definition's inputs for an endpoint that listens. */
export function telemetryServiceConfig(telemetry: TelemetryConfig, endpoint: TelemetryEndpoint): AdvertisedConfig {
  const name = telemetryServiceName(telemetry);
  return {
    name,
    writtenName: name,
    port: endpoint.port,
    tags: [...endpoint.tags, pilotfishVersion()],
    meta: {},
    // Listening on every address (`static:0.0.0.0`), it is advertised where a job would be by default.
    interfaces: isUnspecified(endpoint.address) ? [...DEFAULT_INTERFACES] : [`static:${endpoint.address}`],
    enableTagOverride: false,
    health: { interval: HEARTBEAT_MS, ttl: TTL_MS },
  };
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
