// Listening as the observability endpoints need it: resolves once bound, or rejects with the
// reason (port in use, address not on this host) instead of emitting it later.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function listenTcp(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
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
