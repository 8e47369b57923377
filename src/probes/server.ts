// `/livez` and `/readyz` for the kubelet (or any load balancer): 200 or 503, with a short JSON
// reason, on their own port so that one probe covers every job in the container.
import type { Server } from 'node:http';
import type { Config, ProbesConfig } from '../config/types.js';
import type { ProbesStatus } from '../contracts/components.js';
import { sendJson } from '../http/json.js';
import { closeServer, createBoundedServer, formatAddress, listenTcp } from '../http/listen.js';
import { router } from '../http/router.js';
import type { Logger } from '../logging/logger.js';
import { liveness, readiness } from '../supervisor/readiness.js';
import type { ReportingComponent, SupervisorSnapshot } from '../supervisor/supervisor.js';

/** What the probes judge: the jobs as they are, against their config. */
export interface ProbedSupervisor {
  readonly currentConfig: Config;
  snapshot(): SupervisorSnapshot;
}

export interface ProbeServerOptions {
  config: ProbesConfig;
  supervisor: ProbedSupervisor;
  log: Logger;
}

export class ProbeServer implements ReportingComponent<'probes'> {
  readonly name = 'probes';
  private readonly server: Server;
  private bound: { address: string; port: number } | undefined;
  private failure: string | undefined;

  constructor(private readonly options: ProbeServerOptions) {
    const { supervisor } = options;
    const handle = router(
      [
        { path: /^\/livez$/, judge: liveness },
        { path: /^\/readyz$/, judge: readiness },
      ].map(({ path, judge }) => ({
        method: 'GET' as const,
        path,
        handle: (_request, response) => {
          const verdict = judge(supervisor.snapshot(), supervisor.currentConfig.jobs);
          sendJson(response, verdict.ok ? 200 : 503, verdict.ok ? { status: 'ok' } : { status: 'failing', reasons: verdict.reasons });
        },
      })),
    );
    this.server = createBoundedServer((request, response) => void handle(request, response));
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    try {
      const address = await listenTcp(this.server, config.port, config.address);
      this.bound = { address: address.address, port: address.port };
      log.info(`probes listening on http://${formatAddress(address)}/livez and /readyz`);
    } catch (error) {
      this.failure = (error as Error).message;
      log.error(`no probe endpoints: ${this.failure}`);
    }
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  status(): ProbesStatus {
    return this.bound ?? { error: this.failure ?? 'not started' };
  }
}
