// Real test peers built by test/peers/build.sh, and free loopback ports to run them on.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not imported from pilotfish.js, which loads node:test: scripts/side-by-side.mjs starts Consul
// through this module, and node:test would print a TAP report into its output.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The cached binary of a peer; a clear error (never a skip) when it has not been built. */
export function peerBinary(name: string): string {
  const version = /^VERSION=(.+)$/m.exec(readFileSync(join(REPO_ROOT, `test/peers/${name}/peer.env`), 'utf8'))?.[1];
  const cache = process.env.PILOTFISH_PEERS_CACHE ?? join(homedir(), '.cache/pilotfish-peers');
  const binary = join(cache, 'bin', `${name}-${version}`);
  if (!existsSync(binary)) throw new Error(`${name} ${version} is not built: run test/peers/build.sh ${name} first (minutes, once; npm test does it)`);
  return binary;
}

/** Ports free right now on 127.0.0.1 (the OS picks them, so parallel test files do not collide). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
