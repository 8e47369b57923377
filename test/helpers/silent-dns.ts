// Runs an ES module script behind a DNS server that never answers, in a network and mount
// namespace of its own (we are root): /etc/resolv.conf points at 127.0.0.1:53, where the script
// binds a UDP socket that reads nothing. A lookup then hangs in libuv's thread pool for 30 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Binds the silent DNS server; the script's own code follows it. */
const SILENT_DNS = `
  import { createSocket } from 'node:dgram';
  const silentDns = createSocket('udp4');
  await new Promise((resolve) => silentDns.bind(53, '127.0.0.1', resolve));
`;

/** Host name lookups still under way in this process (each holds or waits for a pool thread). */
export const PENDING_LOOKUPS = `process._getActiveRequests().filter((request) => request.constructor.name === 'GetAddrInfoReqWrap').length`;

/**
 * What `script` wrote to stdout. It must end with process.kill(process.pid, 'SIGKILL'): exiting
 * would wait for the pool's threads, stuck in getaddrinfo.
 */
export function behindSilentDns(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-dns-'));
  try {
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:30 attempts:1\n');
    writeFileSync(join(dir, 'nsswitch.conf'), 'hosts: files dns\n');
    const setup = `ip link set lo up && mount --bind "$0/resolv.conf" /etc/resolv.conf && mount --bind "$0/nsswitch.conf" /etc/nsswitch.conf && exec "$@"`;
    const args = ['--net', '--mount', '--propagation', 'private', 'sh', '-c', setup, dir, process.execPath, '--input-type=module', '-e', SILENT_DNS + script];
    const run = spawnSync('unshare', args, { encoding: 'utf8', timeout: 25_000 });
    if (run.signal !== 'SIGKILL') throw new Error(`the script did not end as expected (${run.signal ?? run.status}): ${run.stdout}${run.stderr}`);
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
