// Just enough of a Kubernetes API client for the bridge, on axios: bearer token (re-read on 401,
// once), the cluster's CA, a request timeout, strict field validation on every write, and
// failures as KubeApiError with what the bridge needs to decide: status, reason, field causes,
// Retry-After. No client library: the bridge makes five kinds of request, and watches.
import { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { errorMessage } from '../util/errors.js';
import { heldBytes } from '../util/held-bytes.js';
import { UnreadableFileError } from '../util/regular-file.js';
import type { Logger } from '../logging/logger.js';
import { parseRetryAfter } from './retry-delay.js';
import type { TokenFile } from './token.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** For messages: the RBAC verb and resource this request needs, e.g. `patch`, `autopilots/status`. */
  verb: string;
  resource: string;
  body?: unknown;
  /** Instead of the connection's timeout (a probe that must not hang). */
  timeoutMs?: number;
  /** Instead of a merge patch: a strategic merge patch, whose lists merge by key (a pod's conditions). */
  patchType?: keyof typeof PATCH_CONTENT_TYPES;
}

const PATCH_CONTENT_TYPES = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json' } as const;

export interface FieldCause {
  field?: string;
  reason?: string;
  message?: string;
}

/** A failed request. `status` 0 means no answer (connection refused, timeout, TLS). */
export class KubeApiError extends Error {
  constructor(
    readonly request: Pick<ApiRequest, 'verb' | 'resource'>,
    readonly status: number,
    message: string,
    readonly reason = '',
    readonly causes: FieldCause[] = [],
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

export interface ApiConnection {
  server: string;
  /** PEM; absent: the system's CAs. */
  ca?: string;
  token: TokenFile;
  timeoutMs: number;
  log: Logger;
}

/**
 * The most a reply may take to hold (its bytes, and what each piece it came in costs): room for the
 * largest object the API server stores (etcd's 1.5 MiB, as JSON). A list whose page is larger is
 * asked for again in smaller pages. Parsed, a reply can take many times its size (4 MiB of `{},`
 * is 85 MiB of objects, a list of EndpointSlices 1.4 times its size), so this is what one object needs.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The `reason` of a KubeApiError for a reply over MAX_RESPONSE_BYTES (no API server's reason). */
export const REPLY_TOO_LARGE = 'ReplyTooLarge';

export class KubeApi {
  private readonly http: AxiosInstance;

  constructor(private readonly connection: ApiConnection) {
    this.http = axios.create({
      baseURL: connection.server,
      timeout: connection.timeoutMs,
      httpsAgent: new Agent({ keepAlive: true, ...(connection.ca ? { ca: connection.ca } : {}) }),
      maxRedirects: 0,
      // Every reply is a stream, read here within MAX_RESPONSE_BYTES: axios' own cap counts bytes,
      // not the pieces they came in. Watches are bounded per event by the informer.
      responseType: 'stream',
      // Every status is an answer to classify, not an exception.
      validateStatus: () => true,
    });
  }

  async request<T>(request: ApiRequest): Promise<T> {
    const response = await this.sendWithFreshToken(request);
    const body = response.data as Readable;
    // The timer of axios ends with the reply's head: this one bounds its body.
    const timeoutMs = request.timeoutMs ?? this.connection.timeoutMs;
    if (response.status < 200 || response.status >= 300) throw failureOf(request, { ...response, data: await readErrorBody(body, timeoutMs) });
    let reply: Buffer | undefined;
    try {
      reply = await readWithin(body, MAX_RESPONSE_BYTES, timeoutMs);
    } catch (error) {
      throw new KubeApiError(request, 0, `reading the reply: ${errorMessage(error)}`);
    }
    if (!reply) throw new KubeApiError(request, 0, `the reply took more than ${MAX_RESPONSE_BYTES} bytes to hold`, REPLY_TOO_LARGE);
    return decode(request, response, reply) as T;
  }

  /**
   * A GET whose body is read as it arrives (a watch), until `signal` aborts it. No timeout: a
   * watch lasts as long as the server keeps it, so the caller bounds it.
   */
  async stream(request: Omit<ApiRequest, 'method' | 'body' | 'patchType' | 'timeoutMs'>, signal: AbortSignal): Promise<Readable> {
    const get: ApiRequest = { ...request, method: 'GET' };
    const response = await this.sendWithFreshToken(get, { signal, timeout: 0 });
    const body = response.data as Readable;
    if (response.status >= 200 && response.status < 300) return body;
    // A refusal's body is a small Status, due within a request's time: the caller's signal is
    // the watch's deadline, minutes away, and a server that sent the head alone held the watch so long.
    throw failureOf(get, { ...response, data: await readErrorBody(body, this.connection.timeoutMs) });
  }

  private async sendWithFreshToken(request: ApiRequest, extra: Pick<AxiosRequestConfig, 'signal' | 'timeout'> = {}): Promise<AxiosResponse> {
    const response = await this.send(request, extra);
    if (response.status !== 401) return response;
    // Routine when the kubelet has rotated the token since it was last read.
    (response.data as Readable).destroy();
    this.connection.log.debug(`the API server rejects the token: reading ${this.connection.token.path} again`);
    this.connection.token.invalidate();
    return this.send(request, extra);
  }

  private async send(request: ApiRequest, extra: Pick<AxiosRequestConfig, 'signal' | 'timeout'>): Promise<AxiosResponse> {
    let token: string;
    try {
      token = await this.connection.token.get();
    } catch (error) {
      throw new KubeApiError(request, 0, `cannot read the token ${this.connection.token.path}: ${error instanceof UnreadableFileError ? error.reason : errorMessage(error)}`);
    }
    try {
      return await this.http.request({
        ...extra,
        method: request.method,
        url: request.path,
        data: request.body,
        ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
        // Writes fail on a field the CRD does not declare, instead of it being silently pruned.
        params: request.method === 'GET' ? undefined : { fieldValidation: 'Strict' },
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(request.method === 'PATCH' ? { 'Content-Type': PATCH_CONTENT_TYPES[request.patchType ?? 'merge'] } : {}),
        },
      });
    } catch (error) {
      throw new KubeApiError(request, 0, errorMessage(error));
    }
  }
}

/** No answer, or an answer that says the server cannot serve now (5xx): it is away, not refusing. */
export function serverAway(error: unknown): boolean {
  return error instanceof KubeApiError && (error.status === 0 || error.status >= 500);
}

/** An error's body is a small Status object; more than this is not worth reading. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** An error's body: its Status object, or its text (empty when it is too large, broke off or came too slowly). */
async function readErrorBody(body: Readable, timeoutMs?: number): Promise<unknown> {
  let text = '';
  try {
    text = (await readWithin(body, ERROR_BODY_LIMIT, timeoutMs))?.toString('utf8') ?? '';
  } catch {
    // Its status is all there is to say.
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The whole of `body`; undefined as soon as holding it would take more than `maxHeldBytes` (each
 * piece counts what it costs to hold, not only its bytes). Fails when it breaks off or, given
 * `timeoutMs`, has not ended within it. The stream is destroyed in every case.
 */
async function readWithin(body: Readable, maxHeldBytes: number, timeoutMs?: number): Promise<Buffer | undefined> {
  const pieces: Buffer[] = [];
  let held = 0;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => body.destroy(new Error(`timeout of ${timeoutMs}ms exceeded`)), timeoutMs);
  try {
    for await (const piece of body as AsyncIterable<Buffer>) {
      held += heldBytes(piece);
      if (held > maxHeldBytes) return undefined;
      pieces.push(piece);
    }
    return Buffer.concat(pieces);
  } finally {
    clearTimeout(timer);
    body.destroy();
  }
}

/**
 * A reply's object. As axios read it: JSON if it parses, else its text (`/readyz` answers `ok`);
 * but a reply that says it is JSON and does not parse (cut short by a proxy) is no answer.
 */
function decode(request: ApiRequest, response: AxiosResponse, reply: Buffer): unknown {
  const text = reply.toString('utf8');
  if (text === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (!String(response.headers['content-type'] ?? '').includes('json')) return text;
    throw new KubeApiError(request, 0, `the reply is not valid JSON: ${errorMessage(error)}`);
  }
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: FieldCause[] };
}

function failureOf(request: ApiRequest, response: AxiosResponse): KubeApiError {
  const body: StatusBody = typeof response.data === 'object' && response.data !== null ? (response.data as StatusBody) : {};
  const message = body.message ?? (typeof response.data === 'string' && response.data !== '' ? response.data.trim() : `HTTP ${response.status}`);
  return new KubeApiError(request, response.status, message, body.reason, body.details?.causes ?? [], parseRetryAfter(response.headers['retry-after']));
}
