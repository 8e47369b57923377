// How to reach the Consul agent: the config's `consul` block, overridden by Consul's standard
// environment variables. The config is baked into the image while the environment belongs to the
// deployment, so the environment wins (and `CONSUL_HTTP_TOKEN` keeps a secret out of the image).
// An environment variable alone does not turn discovery on: only a `consul` block does.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsulConfig } from '../config/types.js';
import { withoutUndefined } from '../util/records.js';
import { readRegularFile } from '../util/regular-file.js';

export interface ConsulConnection {
  /** `http(s)://host:port`, without credentials: safe to log and show in status. */
  url: string;
  /** A unix socket to connect through instead of TCP (`CONSUL_HTTP_ADDR=unix:///path`). */
  socketPath?: string;
  token?: string;
  tls: { ca?: string[]; cert?: string; key?: string; servername?: string; rejectUnauthorized: boolean };
}

type ReadFile = (path: string) => string;

// Never readFileSync: a FIFO or /dev/zero named here would hang PID 1 or fill its memory.
const readText: ReadFile = (path) => readRegularFile(path);

export function consulConnection(config: ConsulConfig, env: NodeJS.ProcessEnv, read: ReadFile = readText): ConsulConnection {
  const tls = config.tls ?? {};
  const ssl = booleanEnv(env, 'CONSUL_HTTP_SSL');
  const address = parseAddress(env.CONSUL_HTTP_ADDR || config.address, env.CONSUL_HTTP_ADDR ? undefined : config.scheme);
  const scheme = ssl === undefined ? address.scheme : ssl ? 'https' : 'http';
  const tokenFile = env.CONSUL_HTTP_TOKEN_FILE;
  const token = env.CONSUL_HTTP_TOKEN || (tokenFile ? read(tokenFile).trim() : undefined) || config.token || undefined;
  const caFile = env.CONSUL_CACERT || tls.cafile;
  const caPath = env.CONSUL_CAPATH || tls.capath;
  const certFile = env.CONSUL_CLIENT_CERT || tls.clientcert;
  const keyFile = env.CONSUL_CLIENT_KEY || tls.clientkey;
  const ca = [...(caFile ? [read(caFile)] : []), ...(caPath ? certificatesIn(caPath, read) : [])];
  return withoutUndefined({
    url: `${scheme}://${address.hostPort}`,
    socketPath: address.socketPath,
    token,
    tls: withoutUndefined({
      ca: ca.length > 0 ? ca : undefined,
      cert: certFile ? read(certFile) : undefined,
      key: keyFile ? read(keyFile) : undefined,
      servername: env.CONSUL_TLS_SERVER_NAME || tls.servername,
      rejectUnauthorized: booleanEnv(env, 'CONSUL_HTTP_SSL_VERIFY') ?? tls.verify ?? true,
    }),
  });
}

function parseAddress(text: string, configScheme: ConsulConfig['scheme'] | undefined): { scheme: 'http' | 'https'; hostPort: string; socketPath?: string } {
  if (text.startsWith('unix://')) return { scheme: 'http', hostPort: 'localhost', socketPath: text.slice('unix://'.length) };
  const match = /^(https?):\/\/(.+)$/.exec(text);
  const scheme = (match?.[1] as 'http' | 'https' | undefined) ?? configScheme ?? 'http';
  const hostPort = (match?.[2] ?? text).replace(/\/+$/, '');
  // Consul's default port when only a host is given.
  return { scheme, hostPort: /:\d+$/.test(hostPort) ? hostPort : `${hostPort}:8500` };
}

/** Consul's Go client parses these with strconv.ParseBool. */
function booleanEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (['1', 't', 'true'].includes(value)) return true;
  if (['0', 'f', 'false'].includes(value)) return false;
  throw new Error(`${name}=${env[name]} is not a boolean (true or false)`);
}

function certificatesIn(dir: string, read: ReadFile): string[] {
  return readdirSync(dir)
    .filter((name) => /\.(pem|crt)$/.test(name))
    .sort()
    .map((name) => read(join(dir, name)));
}
