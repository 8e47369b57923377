// An HTTP check: passes on any 2xx, or on a status the config expects (ContainerPilot and
// Pebble pass on 2xx; `expectStatus` covers endpoints that answer 204/401/418 when alive).
//
// On node:http, not axios (which the design named): measured here at 100 checks/s, axios costs
// about 1 ms of CPU more per check than node:http (27 % of a core against 17 %), and loading it
// adds about 16 MiB of resident memory to every pilotfish that has an HTTP check. node:https is
// loaded on the first https check only.
import { request, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { connect, type Socket } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import type { HealthProbe } from '../config/types.js';
import { sharedLookup } from '../util/shared-lookup.js';
import { errorMessage } from '../util/errors.js';
import { timedOutMessage, type ProbeOptions, type ProbeOutcome } from './probe-result.js';

type HttpProbe = Extract<HealthProbe, { type: 'http' }>;

/** Enough of the body to explain a failure (`HTTP 503: <first 200 chars>`), and no more is read. */
const BODY_EXCERPT_CHARS = 200;
const BODY_READ_BYTES = 4 * BODY_EXCERPT_CHARS;
/** Follow a redirect to a login or a trailing-slash URL, but never loop. */
const MAX_REDIRECTS = 3;
/** Headers not carried over a redirect to another host, nor from https to http (as browsers and follow-redirects do). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** How requests of a scheme are made: node:http's or node:https's request, and what connects them. */
interface Client {
  request: typeof request;
  connection: Pick<RequestOptions, 'agent' | 'createConnection'>;
}

// A fresh connection per check: a pooled keep-alive socket could hide a listener that stopped
// accepting. Plain http connects each request itself, without an agent: an agent that keeps no
// connection only adds its bookkeeping to each check (a fifth of a check's CPU on Node 24).
// node:http then sends `Connection: close`, as it does through a non-keep-alive agent.
const httpClient: Client = { request, connection: { createConnection: (options) => connect(options as Parameters<typeof connect>[0]) } };
let httpsClientLoaded: Promise<Client> | undefined;

function httpsClient(): Promise<Client> {
  httpsClientLoaded ??= import('node:https').then((https) => ({
    request: https.request,
    // Like the kubelet's HTTPS probes, do not verify certificates: a local health endpoint
    // commonly has a self-signed one, and the check is about liveness, not identity.
    connection: { agent: new https.Agent({ keepAlive: false, rejectUnauthorized: false }) as HttpsAgent },
  }));
  return httpsClientLoaded;
}

/** A request as node:http takes it. A check's first one is built once: it is the same every time. */
interface Hop {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  options: RequestOptions;
  client: Client;
}

const firstHops = new WeakMap<HttpProbe, Hop>();

export async function runHttpProbe(probe: HttpProbe, options: ProbeOptions): Promise<ProbeOutcome> {
  let hop = firstHops.get(probe);
  if (!hop) {
    const url = new URL(probe.url);
    // Before the clock starts: the first https check must not time out on loading node:https.
    hop = makeHop(url, await clientFor(url), probe.method, { 'User-Agent': 'pilotfish-health-check', ...probe.headers });
    firstHops.set(probe, hop);
  }
  const deadline = new Deadline(options.timeoutMs);
  try {
    for (let redirects = 0; ; redirects += 1) {
      const reply = await exchange(hop, deadline);
      const { status, location } = reply;
      if (location !== undefined) {
        if (redirects === MAX_REDIRECTS) return { ok: false, output: `HTTP ${status}: more than ${MAX_REDIRECTS} redirects` };
        const next = new URL(location, hop.url);
        // 307 and 308 repeat the request as it was; the others turn a POST into a GET.
        const method = hop.method === 'POST' && status !== 307 && status !== 308 ? 'GET' : hop.method;
        hop = makeHop(next, await clientFor(next), method, headersForRedirect(hop.headers, hop.url, next));
        continue;
      }
      const ok = (status >= 200 && status < 300) || (probe.expectStatus?.includes(status) ?? false);
      return { ok, output: reply.body ? `HTTP ${status}: ${reply.body}` : `HTTP ${status}` };
    }
  } catch (error) {
    return { ok: false, output: deadline.expired ? timedOutMessage(options.timeoutMs) : errorMessage(error) };
  } finally {
    deadline.clear();
  }
}

function makeHop(url: URL, client: Client, method: string, headers: OutgoingHttpHeaders): Hop {
  return { url, method, headers, client, options: { ...urlToHttpOptions(url), method, headers, lookup: sharedLookup, ...client.connection } };
}

async function clientFor(url: URL): Promise<Client> {
  if (url.protocol === 'http:') return httpClient;
  if (url.protocol === 'https:') return httpsClient();
  throw new Error(`unsupported protocol ${url.protocol}`);
}

/**
 * The check's one timer, for all its requests (redirects included): when it expires, it ends
 * whatever is in flight. Plain callbacks rather than an AbortSignal, which costs a listener
 * registration per stream and request: measurable at 100 checks a second.
 */
class Deadline {
  expired = false;
  private onExpiry: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpiry?.();
    }, timeoutMs);
  }

  /** What expiry ends, from now on (at once if it has expired). */
  whenExpired(end: () => void): void {
    this.onExpiry = end;
    if (this.expired) end();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

interface Reply {
  status: number;
  /** Where a 3xx with a Location header points; its body is not read. */
  location?: string;
  body: string;
}

/**
 * One request and the start of its answer's body; the rest is never read, and the connection is
 * closed. A body cut short (expiry, reset) still leaves the status as the verdict.
 */
function exchange(hop: Hop, deadline: Deadline): Promise<Reply> {
  // HTTP(S)_PROXY in the environment is for the app's outbound traffic, not for checks of
  // itself; node:http never reads it.
  return new Promise((resolve, reject) => {
    let onError: (error: Error) => void = reject;
    const outgoing = hop.client.request(hop.options, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.destroy();
        resolve({ status, location, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        response.destroy();
        resolve({ status, body: Buffer.concat(chunks, size).toString('utf8').slice(0, BODY_EXCERPT_CHARS).trim() });
      };
      deadline.whenExpired(finish);
      // After the answer began, an error only cuts the body short.
      onError = finish;
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= BODY_READ_BYTES) finish();
      });
      response.once('end', finish);
      response.once('close', finish);
      response.once('error', finish);
    });
    // Node answers a 101 without an 'upgrade' listener by closing the socket, with neither a
    // response nor an error: the check would never end. A switch of protocols is its verdict.
    outgoing.once('upgrade', (response: IncomingMessage, socket: Socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '' });
    });
    // Expiry settles the exchange itself: a request that was already closed emits no error when destroyed.
    deadline.whenExpired(() => {
      outgoing.destroy();
      reject(new Error('timed out'));
    });
    outgoing.on('error', (error) => onError(error));
    outgoing.end();
  });
}

/**
 * The headers of the request a redirect from `from` to `to` makes. Another host gets neither the
 * credentials nor a configured Host header (it names the first server); a downgrade from https
 * to http does not carry the credentials in clear text.
 */
function headersForRedirect(headers: OutgoingHttpHeaders, from: URL, to: URL): OutgoingHttpHeaders {
  const otherHost = to.host !== from.host;
  const downgrade = from.protocol === 'https:' && to.protocol !== 'https:';
  const dropped = [...(otherHost || downgrade ? CREDENTIAL_HEADERS : []), ...(otherHost ? ['host'] : [])];
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.includes(name.toLowerCase())));
}
