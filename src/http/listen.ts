// The HTTP servers of PID 1 (probes, telemetry, control socket), made so that no client can
// exhaust its descriptors or hold them forever, and listening as the endpoints need it: resolves
// once bound, or rejects with the reason (port in use, address not on this host).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, ListenOptions, Socket } from 'node:net';
import { ConnectionSlots } from './connection-slots.js';

/**
 * Connections each server keeps at once; one more evicts a connection that has no request in
 * progress, or is closed if every one has (ConnectionSlots). A kubelet, a Prometheus and an
 * operator need a handful; three servers at this cap stay far below the smallest descriptor limit
 * containers get (1024).
 */
export const MAX_CONNECTIONS = 64;
/** A client gets this long to send its request's headers, */
export const HEADERS_TIMEOUT_MS = 10_000;
/** and this long for the whole request (streamed answers such as `logs -f` are not limited). */
const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after this long. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * A connection is dropped once it has this many requests waiting for their answers, or leaves
 * this much of its answers unread. Node reads pipelined requests as fast as they come, and an
 * answer written a turn later (the control socket's) does not slow it down: 720 KB of pipelined
 * `GET /v1/status` from a client that never read made PID 1 hold 34 MB of answers, 1 GB for 63
 * connections. No client of these servers pipelines (curl, kubelets and Prometheus do not).
 */
export const MAX_PIPELINED_REQUESTS = 16;
export const MAX_UNREAD_ANSWER_BYTES = 1024 * 1024;

/** An HTTP server with the limits above; the timeouts are checked every second. */
export function createBoundedServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Server {
  const slots = new ConnectionSlots(MAX_CONNECTIONS);
  const server = createServer(
    { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    (request, response) => {
      const { socket } = request;
      const awaiting = slots.requestArrived(socket);
      if (socket.destroyed || awaiting > MAX_PIPELINED_REQUESTS || socket.writableLength > MAX_UNREAD_ANSWER_BYTES) {
        socket.destroy();
        return;
      }
      response.once('close', () => slots.answered(socket));
      handler(request, response);
    },
  );
  server.on('connection', (socket: Socket) => slots.admit(socket));
  return server;
}

/** Resolves once `server` is bound to `target` (a port and host, or a unix socket path), or rejects with why not. */
export function listen(server: Server, target: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function listenTcp(server: Server, port: number, host: string): Promise<AddressInfo> {
  await listen(server, { port, host });
  return server.address() as AddressInfo;
}

/** Closes the server and every open connection (keep-alive, followers), then resolves. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress({ address, port }: AddressInfo): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
