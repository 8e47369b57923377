// Talking to a running pilotfish's control socket in tests: raw HTTP (so tests can send what a
// well-behaved client never would) and a supervisor started with a socket of the test's own.
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { NetConnectOpts } from 'node:net';
import { join } from 'node:path';
import { runConfig, type PilotfishRun } from './pilotfish.js';
import { waitFor } from './wait.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export function httpCall(
  target: { socketPath: string } | { host: string; port: number },
  method: string,
  path: string,
  body?: string | object,
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: parseOrUndefined(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface RunningSupervisor extends PilotfishRun {
  dir: string;
  socket: string;
  call(method: string, path: string, body?: string | object): Promise<RawResponse>;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs `pilotfish run` on `configText`, once its control socket answers: a socket of its own
 * through $PILOTFISH_SOCKET, unless `socket` says which one the config names.
 */
export async function startSupervisor(configText: string, options: { socket?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningSupervisor> {
  const socket = options.socket ?? join(mkdtempSync(join(tmpdir(), 'pilotfish-control-')), 'control.socket');
  const run = runConfig(configText, { env: { ...options.env, PILOTFISH_SOCKET: options.socket ? '' : socket } });
  const call = (method: string, path: string, body?: string | object) => httpCall({ socketPath: socket }, method, path, body);
  await waitFor(() => call('GET', '/v1/ping').then((response) => response.status === 200, () => false), `the control socket ${socket}\n${run.output()}`, 20_000);
  return {
    ...run,
    socket,
    call,
    stop: async () => {
      run.signal('SIGTERM');
      await run.exited;
    },
  };
}

/** pilotfish with all three of its HTTP servers (control socket, probes, telemetry), once each answers. */
export interface EveryServer {
  pilotfish: PilotfishRun;
  socket: string;
  servers: { control: NetConnectOpts; probes: NetConnectOpts; telemetry: NetConnectOpts };
}

export async function startWithEveryServer(): Promise<EveryServer> {
  const socket = join(mkdtempSync(join(tmpdir(), 'pilotfish-servers-')), 'control.socket');
  const pilotfish = runConfig(
    `{
      probes: { port: 0, address: "127.0.0.1" },
      telemetry: { port: 0, interfaces: ["static:127.0.0.1"] },
      jobs: [{ name: "app", exec: "sleep 60" }],
    }`,
    { env: { PILOTFISH_SOCKET: socket } },
  );
  // Generous: a loaded machine can take many seconds to start pilotfish. The control socket
  // answers from the moment it is bound, the probes and telemetry ports a moment later.
  const listening = (response: RawResponse) =>
    response.status === 200 && response.json.components.probes?.port !== undefined && response.json.components.telemetry?.port !== undefined;
  const status = await waitFor(
    () => httpCall({ socketPath: socket }, 'GET', '/v1/status').then((response) => (listening(response) ? response : undefined), () => undefined),
    `the control socket ${socket} and the probes and telemetry ports`,
    60_000,
    100,
  );
  const { components } = status.json;
  return {
    pilotfish,
    socket,
    servers: {
      control: { path: socket },
      probes: { host: '127.0.0.1', port: components.probes.port },
      telemetry: { host: '127.0.0.1', port: components.telemetry.port },
    },
  };
}
