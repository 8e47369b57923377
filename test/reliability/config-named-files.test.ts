// Files a config names besides itself (Consul's CA and token, the Kubernetes service account's CA,
// token and namespace) cannot hang PID 1 or hold its thread pool: a FIFO there is refused, as a
// FIFO given as the config is. Before, readFileSync of a FIFO kept pilotfish from ever starting a
// job (and of /dev/zero grew it to 4.4 GB in 12 s), and every read of a FIFO token file held one of
// libuv's four threads for good (the bridge's loops and two Service watches took all four): the
// bridge stalled without a word, an HTTP check by host name (getaddrinfo) timed out, and SIGTERM
// never ended pilotfish.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePorts } from '../helpers/peers.js';
import { runConfig, type PilotfishRun } from '../helpers/pilotfish.js';
import { sleep } from '../helpers/wait.js';

function fifoIn(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** SIGTERM; SIGKILL if that went unheard (a pilotfish blocked in a read never hears it). */
async function stop(run: PilotfishRun): Promise<void> {
  run.signal('SIGTERM');
  const timer = setTimeout(() => run.signal('SIGKILL'), 5000);
  await run.exited;
  clearTimeout(timer);
}

describe('files a config names', () => {
  const server = createServer((_request, response) => response.end('ok'));
  after(() => server.close());

  it('a FIFO as Consul\'s CA file turns discovery off, and the jobs run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-named-files-'));
    const ca = fifoIn(dir, 'ca.pem');
    const [port] = await freePorts(1);
    const run = runConfig(`{
      consul: { address: "127.0.0.1:${port}", tls: { cafile: "${ca}" } },
      jobs: [{ name: "app", exec: "sleep 60" }],
    }`);
    try {
      await run.waitForLine(/\[app\] started/, 10_000);
      assert.ok(run.lines.some((line) => line.includes(`ERROR Consul discovery is off: cannot read ${ca}: it is a FIFO, not a regular file`)), run.output());
    } finally {
      await stop(run);
    }
  });

  it('a FIFO as the service account\'s namespace file leaves the bridge off, and the jobs run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-named-files-'));
    fifoIn(dir, 'namespace');
    const [port] = await freePorts(1);
    const run = runConfig(`{
      kubernetes: { enabled: true, apiServer: "https://127.0.0.1:${port}", tokenFile: "${join(dir, 'token')}", caFile: "${join(dir, 'ca.crt')}" },
      jobs: [{ name: "app", exec: "sleep 60" }],
    }`);
    try {
      await run.waitForLine(/\[app\] started/, 10_000);
      await run.waitForLine(/ERROR Kubernetes bridge is off: cannot tell the pod's namespace/, 10_000);
    } finally {
      await stop(run);
    }
  });

  it('a FIFO as the cluster CA is refused, and the bridge trusts the system\'s CAs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-named-files-'));
    const ca = fifoIn(dir, 'ca.crt');
    writeFileSync(join(dir, 'token'), 'a-token\n');
    const [port] = await freePorts(1);
    const run = runConfig(`{
      kubernetes: { enabled: true, apiServer: "https://127.0.0.1:${port}", tokenFile: "${join(dir, 'token')}", caFile: "${ca}", namespace: "shop" },
      jobs: [{ name: "app", exec: "sleep 60" }],
    }`);
    try {
      await run.waitForLine(/\[app\] started/, 10_000);
      assert.ok(run.lines.some((line) => line.includes(`cannot read the API server's CA from ${ca} (it is a FIFO, not a regular file)`)), run.output());
    } finally {
      await stop(run);
    }
  });

  it('a FIFO as the token is refused, and neither checks by host name nor the exit wait for a thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-named-files-'));
    const token = fifoIn(dir, 'token');
    const [apiPort] = await freePorts(1);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // The bridge's loops and each Service watch read the token as they start: with two watches,
    // at least the four threads of libuv's pool.
    const run = runConfig(`{
      kubernetes: { enabled: true, apiServer: "https://127.0.0.1:${apiPort}", tokenFile: "${token}", caFile: "${join(dir, 'ca.crt')}", namespace: "shop" },
      watches: [{ name: "backend", source: "kubernetes" }, { name: "cache", source: "kubernetes" }],
      jobs: [{ name: "app", exec: "sleep 60", health: { http: "http://localhost:${port}/", interval: "200ms", timeout: "1s" } }],
    }`);
    try {
      await run.waitForLine(/\[app\] is healthy/, 10_000);
      // Ten more checks, each needing a thread of the pool for its lookup of localhost.
      await sleep(2000);
      run.signal('SIGTERM');
      const stopped = await Promise.race([run.exited, sleep(5000).then(() => 'still running')]);
      assert.deepEqual(stopped, { code: 143, signal: null }, run.output());
      assert.ok(!run.lines.some((line) => /\[app\] is unhealthy/.test(line)), run.output());
      assert.ok(run.lines.some((line) => line.includes(`Kubernetes API unavailable (cannot read the token ${token}: it is a FIFO, not a regular file)`)), run.output());
    } finally {
      await stop(run);
    }
  });
});
