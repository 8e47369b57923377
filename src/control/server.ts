// The control plane: HTTP over a unix socket, pilotfish's `/v1` API beside ContainerPilot's `/v3`.
// A supervisor without its control socket still runs its app: failing to create the socket is
// logged, not fatal.
//
// The socket is always on, so its cost is paid by every container: the routes and what they import
// are loaded while the socket is being bound, not earlier. Not later either: a first request that
// came once the descriptors had run out (EMFILE while reading a module) would fail for good, since
// Node remembers a failed import.
import { unlinkSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ControlStatus, MetricSink } from '../contracts/components.js';
import { closeServer, createBoundedServer } from '../http/listen.js';
import type { Logger } from '../logging/logger.js';
import type { ReportingComponent } from '../supervisor/supervisor.js';
import { pilotfishVersion } from '../util/version.js';
import type { ControlContext, ControlHost } from './api.js';
import { listenOnUnixSocket } from './unix-socket.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface ControlServerOptions {
  socket: string;
  supervisor: ControlHost;
  log: Logger;
  metrics?: MetricSink;
}

export class ControlServer implements ReportingComponent<'control'> {
  readonly name = 'control';
  private readonly server: Server;
  private readonly followers = new Set<ServerResponse>();
  private failure: string | undefined;
  private readonly routes: () => Promise<Handler>;

  constructor(private readonly options: ControlServerOptions) {
    let handler: Promise<Handler> | undefined;
    const routes = (this.routes = (): Promise<Handler> =>
      (handler ??= Promise.all([import('./api.js'), import('./containerpilot-api.js'), import('../http/router.js')]).then(
        ([api, containerPilot, { router }]) => {
          const context: ControlContext = {
            supervisor: options.supervisor,
            metrics: options.metrics,
            envSet: new Set(),
            version: pilotfishVersion(),
            followers: this.followers,
          };
          return router([...api.pilotfishRoutes(context), ...containerPilot.containerPilotRoutes(context)]);
        },
      )));
    this.server = createBoundedServer((request, response) => {
      routes().then(
        (handle) => handle(request, response),
        // Only a broken install gets here; the supervisor must not die of it.
        (error: Error) => response.writeHead(500).end(`control API unavailable: ${error.message}\n`),
      );
    });
  }

  async start(): Promise<void> {
    try {
      // A broken install's failure to load them is answered per request (500), not here.
      await Promise.all([listenOnUnixSocket(this.server, this.options.socket), this.routes().catch(() => undefined)]);
      this.options.log.debug(`control socket listening on ${this.options.socket}`);
    } catch (error) {
      this.failure = (error as Error).message;
      this.options.log.error(`no control socket: ${this.failure}`);
    }
  }

  async stop(): Promise<void> {
    // Not listening: the socket file, if any, is not ours to remove.
    if (!this.server.listening) return;
    for (const follower of this.followers) follower.end();
    await closeServer(this.server);
    try {
      unlinkSync(this.options.socket);
    } catch {
      // Already gone (Node removes it on close on some platforms).
    }
  }

  status(): ControlStatus {
    return { socket: this.options.socket, listening: this.server.listening, ...(this.failure ? { error: this.failure } : {}) };
  }
}
