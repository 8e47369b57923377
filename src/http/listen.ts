// Listening as the observability endpoints need it: resolves once bound, or rejects with the
// reason (port in use, address not on this host) instead of emitting it later.
import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';

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
