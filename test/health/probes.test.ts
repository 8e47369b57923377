import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, HealthProbe } from '../../src/config/types.js';
import { runProbe, type ProbeOptions } from '../../src/health/probes.js';
import { waitFor } from '../helpers/wait.js';
import { PENDING_LOOKUPS, behindSilentDns } from '../helpers/silent-dns.js';
import { ProcessTable } from '../../src/process/process-table.js';

const options: ProbeOptions = { timeoutMs: 2000, processes: new ProcessTable(), env: () => process.env };

function shell(script: string): HealthProbe {
  const command: Command = { argv: ['/bin/sh', '-c', script], display: script };
  return { type: 'exec', command };
}

function httpProbe(url: string, extra: Partial<Extract<HealthProbe, { type: 'http' }>> = {}): HealthProbe {
  return { type: 'http', url, method: 'GET', headers: {}, ...extra };
}

/** Gone, or a zombie waiting for whoever adopted it: either way it no longer runs. */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('exec probes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-probe-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on exit 0 and keeps both streams of output', async () => {
    const result = await runProbe(shell('echo hello; echo world >&2'), options);
    assert.equal(result.ok, true);
    assert.match(result.output, /hello/);
    assert.match(result.output, /world/);
  });

  it('measures its duration: at least what the check took, at most the whole call', async () => {
    const before = performance.now();
    const result = await runProbe(shell('sleep 0.2'), options);
    const call = performance.now() - before;
    assert.equal(result.ok, true);
    assert.ok(result.durationMs >= 200 && result.durationMs <= Math.ceil(call), `durationMs ${result.durationMs}, the call took ${call} ms`);
  });

  it('spawns through the process table it is given: owned while it runs, so the orphan reaper leaves it to libuv', async () => {
    const table = new ProcessTable();
    const seen: Array<{ pid: number; owned: boolean }> = [];
    const processes = {
      spawn: (spawnOptions: Parameters<ProcessTable['spawn']>[0]) => {
        const child = table.spawn(spawnOptions);
        if (child.pid !== undefined) seen.push({ pid: child.pid, owned: table.owns(child.pid) });
        return child;
      },
    };
    assert.equal((await runProbe(shell('exit 0'), { ...options, processes })).ok, true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.owned, true);
    assert.equal(table.owns(seen[0]?.pid ?? 0), false, 'released once it exited');
  });

  it('fails on a non-zero exit, saying the status before the output', async () => {
    const result = await runProbe(shell('echo "db not ready"; exit 3'), options);
    assert.equal(result.ok, false);
    assert.equal(result.output, 'exit status 3\ndb not ready');
  });

  it('says exit status alone when the command printed nothing', async () => {
    const result = await runProbe(shell('exit 1'), options);
    assert.deepEqual([result.ok, result.output], [false, 'exit status 1']);
  });

  it('fails when the command cannot be started, naming the program but not its arguments (templated secrets)', async () => {
    const probe: HealthProbe = { type: 'exec', command: { argv: ['/nonexistent/check', '--token', 's3cr3t'], display: '/nonexistent/check --token s3cr3t' } };
    const result = await runProbe(probe, options);
    assert.equal(result.ok, false);
    assert.match(result.output, /^could not start: spawn \/nonexistent\/check ENOENT/);
    assert.doesNotMatch(result.output, /s3cr3t/);
  });

  it('keeps only the last 5 lines of output', async () => {
    const result = await runProbe(shell('seq 1 100'), options);
    assert.equal(result.output, '96\n97\n98\n99\n100');
  });

  it('keeps at most 512 bytes of output, without splitting a character', async () => {
    const result = await runProbe(shell(`awk 'BEGIN { for (i = 0; i < 1000; i++) printf "é"; print ""; print "tail" }'`), options);
    assert.equal(result.ok, true);
    assert.ok(Buffer.byteLength(result.output) <= 512, `output is ${Buffer.byteLength(result.output)} bytes`);
    assert.match(result.output, /^é+\ntail$/);
  });

  it('passes output lines on to onLine with their stream', async () => {
    const lines: string[] = [];
    await runProbe(shell('echo out; echo err >&2'), { ...options, onLine: (stream, line) => lines.push(`${stream}:${line}`) });
    assert.deepEqual(lines.sort(), ['stderr:err', 'stdout:out']);
  });

  it('runs in the given environment and directory', async () => {
    const result = await runProbe(shell('echo "$PROBE_MARK $(pwd)"'), { ...options, env: () => ({ ...process.env, PROBE_MARK: 'marked' }), cwd: dir });
    assert.equal(result.output, `marked ${dir}`);
  });

  // The grandchild holds the output pipe open for ten minutes: a probe that waited for it (or for
  // the shell) instead of its timeout would hang, and the test's own timeout would say so.
  it('on timeout, fails and kills the whole process group, grandchildren included', { timeout: 20_000 }, async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const result = await runProbe(shell(`sleep 600 & echo $! > ${pidFile}; echo waiting; wait`), { ...options, timeoutMs: 300 });
    assert.equal(result.ok, false);
    assert.equal(result.output, 'timed out after 0.3s\nwaiting');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(grandchild > 0);
    await waitFor(() => isGone(grandchild), `grandchild ${grandchild} to be killed`, 20_000);
  });
});

describe('http probes', () => {
  let server: Server;
  let base: string;
  const seen: IncomingMessage[] = [];

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/ok': (_, response) => response.end('fine'),
    '/empty': (_, response) => response.writeHead(204).end(),
    '/down': (_, response) => response.writeHead(503).end(`down for maintenance ${'.'.repeat(500)}`),
    '/teapot': (_, response) => response.writeHead(418).end('short and stout'),
    '/loop': (_, response) => response.writeHead(302, { location: '/loop' }).end(),
    '/moved': (_, response) => response.writeHead(301, { location: '/ok' }).end(),
    '/silent': () => undefined,
    '/endless': (_, response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'.repeat(1024)), 5);
      response.on('close', () => clearInterval(timer));
    },
    '/echo': (request, response) => response.end(`${request.method} ${request.headers['x-probe'] ?? '-'} ${request.headers['user-agent']}`),
    '/to-localhost': (_, response) => response.writeHead(302, { location: `${base.replace('127.0.0.1', 'localhost')}/credentials` }).end(),
    '/to-same-host': (_, response) => response.writeHead(302, { location: '/credentials' }).end(),
    '/credentials': (request, response) => response.end(`auth=${request.headers.authorization ?? '-'} host=${request.headers.host}`),
  };

  before(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      const route = routes[new URL(request.url ?? '', 'http://x').pathname] ?? ((_, res: ServerResponse) => res.writeHead(404).end());
      route(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('passes on 200 and shows the start of the body', async () => {
    const result = await runProbe(httpProbe(`${base}/ok`), options);
    assert.deepEqual([result.ok, result.output], [true, 'HTTP 200: fine']);
  });

  it('passes on any 2xx', async () => {
    const result = await runProbe(httpProbe(`${base}/empty`), options);
    assert.deepEqual([result.ok, result.output], [true, 'HTTP 204']);
  });

  it('fails on 503 without throwing, with the first 200 characters of the body', async () => {
    const result = await runProbe(httpProbe(`${base}/down`), options);
    assert.equal(result.ok, false);
    assert.match(result.output, /^HTTP 503: down for maintenance \.+$/);
    assert.equal(result.output.length, 'HTTP 503: '.length + 200);
  });

  it('passes on a status listed in expectStatus, and only then', async () => {
    assert.equal((await runProbe(httpProbe(`${base}/teapot`, { expectStatus: [418] }), options)).ok, true);
    const plain = await runProbe(httpProbe(`${base}/teapot`), options);
    assert.deepEqual([plain.ok, plain.output], [false, 'HTTP 418: short and stout']);
  });

  it('sends the configured method and headers', async () => {
    const result = await runProbe(httpProbe(`${base}/echo`, { method: 'POST', headers: { 'X-Probe': 'yes' } }), options);
    assert.equal(result.output, 'HTTP 200: POST yes pilotfish-health-check');
  });

  it('sends every check the same first request, the redirect it followed last time notwithstanding', async () => {
    // A check's first request is built once and handed to node:http each time.
    const probe = httpProbe(`${base}/moved?from=check`, { method: 'POST', headers: { 'X-Probe': 'yes', Host: 'app.example' } });
    seen.length = 0;
    for (let check = 0; check < 3; check += 1) assert.equal((await runProbe(probe, options)).output, 'HTTP 200: fine');
    const requests = seen.map((request) => [request.method, request.url, request.headers.host, request.headers['x-probe']].join(' '));
    // 301 turns the POST into a GET (as browsers do); each check starts again from its own URL.
    assert.deepEqual(requests, Array(3).fill(['POST /moved?from=check app.example yes', 'GET /ok app.example yes']).flat());
  });

  it('follows a redirect, but not a loop', async () => {
    assert.equal((await runProbe(httpProbe(`${base}/moved`), options)).output, 'HTTP 200: fine');
    const loop = await runProbe(httpProbe(`${base}/loop`), options);
    assert.equal(loop.ok, false);
    assert.match(loop.output, /redirect/i);
  });

  it('keeps the credentials and Host header over a redirect on the same host, and drops them for another host', async () => {
    const headers = { Authorization: 'Bearer secret', Host: 'app.example' };
    const same = await runProbe(httpProbe(`${base}/to-same-host`, { headers }), options);
    assert.equal(same.output, 'HTTP 200: auth=Bearer secret host=app.example');
    const other = await runProbe(httpProbe(`${base}/to-localhost`, { headers }), options);
    assert.equal(other.output, `HTTP 200: auth=- host=${new URL(base).host.replace('127.0.0.1', 'localhost')}`);
  });

  it('does not send the credentials in clear text after a redirect from https to http', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1']);
    assert.equal(made.status, 0, `openssl (as the Consul TLS tests use it) made no certificate: ${made.stderr}`);
    // One port speaking both: https://127.0.0.1:P redirects to http://127.0.0.1:P, the same host.
    const requests: string[] = [];
    const answer = (request: IncomingMessage, response: ServerResponse, scheme: string) => {
      requests.push(`${scheme} auth=${request.headers.authorization ?? '-'}`);
      if (scheme === 'https') response.writeHead(302, { location: `http://${request.headers.host}/plain` }).end();
      else response.end('plain');
    };
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (q, r) => answer(q, r, 'https'));
    const plain = createServer((q, r) => answer(q, r, 'http'));
    const sniffer = createTcpServer((socket) =>
      socket.once('readable', () => {
        const first = socket.read(1) as Buffer | null;
        if (first) socket.unshift(first);
        // 0x16: a TLS handshake record.
        (first?.[0] === 0x16 ? tls : plain).emit('connection', socket);
      }),
    );
    await new Promise<void>((resolve) => sniffer.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      tls.closeAllConnections();
      plain.closeAllConnections();
      sniffer.close();
    });
    const port = (sniffer.address() as AddressInfo).port;
    const result = await runProbe(httpProbe(`https://127.0.0.1:${port}/health`, { headers: { Authorization: 'Bearer secret' } }), options);
    assert.equal(result.output, 'HTTP 200: plain');
    assert.deepEqual(requests, ['https auth=Bearer secret', 'http auth=-']);
  });

  it('reads only the start of an endless body', async () => {
    const result = await runProbe(httpProbe(`${base}/endless`), options);
    assert.equal(result.ok, true);
    assert.equal(result.output, `HTTP 200: ${'x'.repeat(200)}`);
  });

  it('ignores HTTP_PROXY, which is meant for the app\'s outbound traffic', async (t) => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    t.after(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    Object.assign(process.env, { HTTP_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', NO_PROXY: '', no_proxy: '' });
    assert.equal((await runProbe(httpProbe(`${base}/ok`), options)).output, 'HTTP 200: fine');
  });

  it('fails with the error code when the connection is refused', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runProbe(httpProbe(`http://127.0.0.1:${port}/`), options);
    assert.equal(result.ok, false);
    assert.match(result.output, /ECONNREFUSED/);
  });

  // The server never answers: only the probe's timeout ends the check (the test's own timeout would catch a hang).
  it('fails when the server does not answer within the timeout', { timeout: 20_000 }, async () => {
    const result = await runProbe(httpProbe(`${base}/silent`), { ...options, timeoutMs: 200 });
    assert.deepEqual([result.ok, result.output], [false, 'timed out after 0.2s']);
    assert.ok(result.durationMs >= 200, `durationMs ${result.durationMs}`);
  });

  // Node closes the connection of a 101 nobody takes, with neither a response nor an error: a check
  // that waited for one never ended, and its monitor, which never overlaps checks, ran no other.
  it('fails, and ends, when the server switches protocols', { timeout: 20_000 }, async (t) => {
    const switching = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    });
    await new Promise<void>((resolve) => switching.listen(0, '127.0.0.1', resolve));
    t.after(() => switching.close());
    const url = `http://127.0.0.1:${(switching.address() as AddressInfo).port}/`;
    // A timeout longer than the test's: only the answer can end the check.
    const result = await runProbe(httpProbe(url), { ...options, timeoutMs: 60_000 });
    assert.deepEqual([result.ok, result.output], [false, 'HTTP 101']);
    assert.equal((await runProbe(httpProbe(url, { expectStatus: [101] }), options)).ok, true);
  });

  it('opens a fresh connection for every check (no keep-alive pool)', async () => {
    seen.length = 0;
    await runProbe(httpProbe(`${base}/ok`), options);
    await runProbe(httpProbe(`${base}/ok`), options);
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0]?.socket, seen[1]?.socket);
    assert.equal(seen[0]?.headers.connection, 'close');
  });

  for (const probe of [
    { type: 'http', url: 'http://app.example.test:8080/health', method: 'GET', headers: {} },
    { type: 'tcp', host: 'app.example.test', port: 8080 },
  ]) {
    it(`looks a host name up once at a time, however many ${probe.type} checks time out waiting for it`, { timeout: 30_000 }, () => {
      // A lookup outlives the check that timed out on it, and each check used to queue one more.
      const probesModule = fileURLToPath(new URL('../../src/health/probes.js', import.meta.url));
      const output = behindSilentDns(`
        const { runProbe } = await import(${JSON.stringify(probesModule)});
        const outputs = new Set();
        for (let check = 0; check < 10; check += 1) outputs.add((await runProbe(${JSON.stringify(probe)}, { timeoutMs: 100, env: () => process.env })).output);
        process.stdout.write(JSON.stringify({ outputs: [...outputs], lookups: ${PENDING_LOOKUPS} }));
        process.kill(process.pid, 'SIGKILL');
      `);
      assert.deepEqual(JSON.parse(output), { outputs: ['timed out after 0.1s'], lookups: 1 });
    });
  }

  it('does not keep a process alive after its checks, and imports node:https only for https checks', async () => {
    const probesModule = fileURLToPath(new URL('../../src/health/probes.js', import.meta.url));
    // A resolve hook reports every import of node:https.
    const hook = `data:text/javascript,${encodeURIComponent(
      'export async function resolve(s, c, next) { if (s === "node:https") process.stderr.write("IMPORTED https\\n"); return next(s, c); }',
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const { runProbe } = await import(${JSON.stringify(probesModule)});
      const options = { timeoutMs: 2000, env: process.env };
      await runProbe({ type: 'exec', command: { argv: ['true'], display: 'true' } }, options);
      await runProbe({ type: 'tcp', host: '127.0.0.1', port: ${new URL(base).port} }, options);
      process.stderr.write('BEFORE http\\n');
      const result = await runProbe({ type: 'http', url: ${JSON.stringify(`${base}/ok`)}, method: 'GET', headers: {} }, options);
      process.stdout.write(result.output);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the process did not exit by itself; stderr: ${stderr}`));
      }, 10_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'HTTP 200: fine');
    assert.match(stderr, /BEFORE http/);
    assert.doesNotMatch(stderr, /IMPORTED https/, 'node:https was imported without an https check');
  });
});

describe('tcp probes', () => {
  it('passes when the port accepts a connection', async () => {
    const server = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const result = await runProbe({ type: 'tcp', host: '127.0.0.1', port }, options);
    await new Promise((resolve) => server.close(resolve));
    assert.deepEqual([result.ok, result.output], [true, `connected to 127.0.0.1:${port}`]);
  });

  it('fails when the port is closed', async () => {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const result = await runProbe({ type: 'tcp', host: '127.0.0.1', port }, options);
    assert.equal(result.ok, false);
    assert.match(result.output, /ECONNREFUSED/);
  });

  it('fails when the connection is not accepted within the timeout', async (t) => {
    // A listener with a full accept queue (backlog 0, one connection parked, never accepted):
    // Linux drops further SYNs, so a connect hangs. Node's net.Server always accepts, hence python.
    const python = spawn(
      'python3',
      ['-c', "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(0); p=socket.create_connection(s.getsockname()); print(s.getsockname()[1], flush=True); time.sleep(60)"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => python.kill('SIGKILL'));
    const port = await new Promise<number>((resolve, reject) => {
      python.once('error', reject);
      python.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    });
    const result = await runProbe({ type: 'tcp', host: '127.0.0.1', port }, { ...options, timeoutMs: 300 });
    assert.deepEqual([result.ok, result.output], [false, 'timed out after 0.3s']);
  });
});
