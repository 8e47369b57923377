// Real test peers built by test/peers/build.sh, and free loopback ports to run them on.
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
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

/**
 * Ports free right now on 127.0.0.1, for TCP and UDP, picked at random *below* the kernel's
 * ephemeral range. Ports the OS hands out for listen(0) come from that range, which is also where
 * every outgoing connection takes its local port: a port reserved for a peer that starts seconds
 * later (ConsulAgent.reserve) could meanwhile become the local end of some connection — even a
 * connection to itself, as a client retrying an absent agent can make — and the peer would then
 * fail to bind. Nothing takes a port below the range unless it asks for that very port.
 *
 * Test files run in processes of their own, several at once: a port is also claimed, for as long
 * as this process lives, in a directory they all share, so that two files picking the same port
 * before either has bound it do not both get it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ephemeralLow = Number(/^\d+/.exec(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))?.[0] ?? 32768);
  const low = Math.max(1024, ephemeralLow - 16384);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (claim(port) && (await bindable(port))) ports.push(port);
  }
  return ports;
}

const CLAIMS = join(tmpdir(), 'pilotfish-test-ports');
/** Claims of this process: they end with it (a claim whose process is gone is free anyway). */
const claimed = new Set<number>();
process.once('exit', () => {
  for (const port of claimed) rmSync(join(CLAIMS, String(port)), { force: true });
});

/** True if `port` was claimed by no living process, and is now this one's (once: never twice). */
function claim(port: number): boolean {
  const file = join(CLAIMS, String(port));
  mkdirSync(CLAIMS, { recursive: true });
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch {
    // Claimed already; taken over only from a process that is gone. Any surprise (the owner
    // removing it meanwhile, a claim still being written) just means: another port.
    try {
      if (isAlive(Number(readFileSync(file, 'utf8')))) return false;
      unlinkSync(file);
      writeFileSync(file, String(process.pid), { flag: 'wx' });
    } catch {
      return false;
    }
  }
  claimed.add(port);
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function bindable(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}
