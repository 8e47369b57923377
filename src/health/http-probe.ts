// An HTTP check: passes on any 2xx, or on a status the config expects (ContainerPilot and
// Pebble pass on 2xx; `expectStatus` covers endpoints that answer 204/401/418 when alive).
//
// axios (with node:http and node:https) is imported on the first HTTP check only: it costs
// 200-270 ms at startup (measured), which configs without HTTP checks should not pay.
import { addAbortSignal, type Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import type { HealthProbe } from '../config/types.js';
import { errorMessage, timedOutMessage, type ProbeOptions, type ProbeOutcome } from './probe-result.js';

type HttpProbe = Extract<HealthProbe, { type: 'http' }>;

/** Enough of the body to explain a failure (`HTTP 503: <first 200 chars>`), and no more is read. */
const BODY_EXCERPT_CHARS = 200;
const BODY_READ_BYTES = 4 * BODY_EXCERPT_CHARS;
/** Follow a redirect to a login or a trailing-slash URL, but never loop. */
const MAX_REDIRECTS = 3;

let client: Promise<AxiosInstance> | undefined;

function httpClient(): Promise<AxiosInstance> {
  client ??= Promise.all([import('axios'), import('node:http'), import('node:https')]).then(([{ default: axios }, http, https]) =>
    axios.create({
      // A fresh connection per check: a pooled keep-alive socket could hide a listener that
      // stopped accepting, and must not outlive the checks.
      httpAgent: new http.Agent({ keepAlive: false }),
      // Like the kubelet's HTTPS probes, do not verify certificates: a local health endpoint
      // commonly has a self-signed one, and the check is about liveness, not identity.
      httpsAgent: new https.Agent({ keepAlive: false, rejectUnauthorized: false }),
      // HTTP(S)_PROXY in the environment is for the app's outbound traffic, not for checks of itself.
      proxy: false,
      maxRedirects: MAX_REDIRECTS,
      responseType: 'stream',
      // Every status is an answer: the probe decides, axios must not throw on 5xx.
      validateStatus: () => true,
    }),
  );
  return client;
}

export async function runHttpProbe(probe: HttpProbe, options: ProbeOptions): Promise<ProbeOutcome> {
  // Loaded before the clock starts: the first check must not time out on the import.
  const http = await httpClient();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  try {
    const response = await http.request<Readable>({
      url: probe.url,
      method: probe.method,
      headers: { 'User-Agent': 'pilotfish-health-check', ...probe.headers },
      signal: deadline.signal,
    });
    const body = await readBodyExcerpt(response.data, deadline.signal);
    const ok = (response.status >= 200 && response.status < 300) || (probe.expectStatus?.includes(response.status) ?? false);
    return { ok, output: body ? `HTTP ${response.status}: ${body}` : `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, output: deadline.signal.aborted ? timedOutMessage(options.timeoutMs) : errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The start of the body; the rest is never read, and the connection is closed. */
async function readBodyExcerpt(stream: Readable, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of addAbortSignal(signal, stream)) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      chunks.push(buffer);
      size += buffer.length;
      if (size >= BODY_READ_BYTES) break;
    }
  } catch {
    // A body cut short (timeout, reset) still leaves the status as the verdict.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, BODY_EXCERPT_CHARS).trim();
}
