// The telemetry endpoint: Prometheus' `/metrics` and ContainerPilot's `/status` on
// `telemetry.port`, bound to the address `telemetry.interfaces` resolves to (ContainerPilot
// listened there only, not on every address). This module loads prom-client, so it is imported
// only when telemetry is configured.
import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { Config, TelemetryConfig } from '../config/types.js';
import type { MetricSink, TelemetryEndpoint, TelemetryStatus } from '../contracts/components.js';
import type { EventBus, Subscription } from '../events/bus.js';
import { sendJson } from '../http/json.js';
import { closeServer, createBoundedServer, formatAddress, listenTcp } from '../http/listen.js';
import { router } from '../http/router.js';
import type { Logger } from '../logging/logger.js';
import { internalErrorCount } from '../supervisor/crash-guard.js';
import type { ReportingComponent, SupervisorSnapshot } from '../supervisor/supervisor.js';
import { resolveAddress, type NetworkInterfaces } from '../util/network-interfaces.js';
import { pilotfishVersion } from '../util/version.js';
import { containerPilotStatus } from './containerpilot-status.js';
import { CustomMetrics } from './custom-metrics.js';
import { registerSupervisorMetrics, type SupervisorMetrics } from './supervisor-metrics.js';

/** What telemetry reads: the bus (events, check durations) and the snapshot at each scrape. */
export interface TelemetryHost {
  readonly bus: EventBus;
  readonly currentConfig: Config;
  snapshot(): SupervisorSnapshot;
}

export interface TelemetryOptions {
  config: TelemetryConfig;
  supervisor: TelemetryHost;
  log: Logger;
}

export class TelemetryServer implements ReportingComponent<'telemetry'>, MetricSink {
  readonly name = 'telemetry';
  private readonly registry = new Registry();
  private readonly custom: CustomMetrics;
  private readonly metrics: SupervisorMetrics;
  private readonly server: Server;
  private subscription: Subscription | undefined;
  private bound: TelemetryEndpoint | undefined;
  private failure: string | undefined;

  constructor(private readonly options: TelemetryOptions) {
    const { supervisor } = options;
    const version = pilotfishVersion();
    collectDefaultMetrics({ register: this.registry });
    this.metrics = registerSupervisorMetrics(this.registry, () => supervisor.snapshot(), version);
    this.custom = new CustomMetrics(options.config.metrics, this.registry);
    let internalErrorsCounted = 0;
    new Counter({
      name: 'pilotfish_internal_errors_total',
      help: 'Uncaught exceptions and unhandled rejections the crash guard kept from ending pilotfish (each one a bug)',
      registers: [this.registry],
      collect() {
        const now = internalErrorCount();
        this.inc(now - internalErrorsCounted);
        internalErrorsCounted = now;
      },
    });
    const handle = router([
      {
        method: 'GET',
        path: /^\/metrics$/,
        handle: async (_request, response) => {
          const text = await this.registry.metrics();
          response.writeHead(200, { 'Content-Type': this.registry.contentType });
          response.end(text);
        },
      },
      {
        method: 'GET',
        path: /^\/status$/,
        handle: (_request, response) => {
          // Read once per request, not once per advertised job.
          const interfaces = networkInterfaces();
          const advertisedAddress = (specs: readonly string[]) => addressOrEmpty(specs, interfaces);
          sendJson(response, 200, containerPilotStatus(supervisor.snapshot(), supervisor.currentConfig, { version, advertisedAddress }));
        },
      },
    ]);
    this.server = createBoundedServer((request, response) => void handle(request, response));
  }

  async start(): Promise<void> {
    const { config, log, supervisor } = this.options;
    this.subscription = supervisor.bus.subscribe('telemetry', (event) => this.metrics.observe(event));
    try {
      const host = resolveAddress(config.interfaces, networkInterfaces());
      const address = await listenTcp(this.server, config.port, host);
      this.bound = { address: address.address, port: address.port, tags: config.tags };
      log.info(`telemetry listening on http://${formatAddress(address)}/metrics`);
    } catch (error) {
      this.failure = (error as Error).message;
      log.error(`no telemetry endpoint: ${this.failure}`);
    }
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    await closeServer(this.server);
  }

  status(): TelemetryStatus {
    return this.bound ?? { error: this.failure ?? 'not started' };
  }

  has(name: string): boolean {
    return this.custom.has(name);
  }

  put(name: string, value: number): void {
    this.custom.put(name, value);
  }
}

function addressOrEmpty(specs: readonly string[], interfaces: NetworkInterfaces): string {
  try {
    return resolveAddress(specs, interfaces);
  } catch {
    return '';
  }
}
