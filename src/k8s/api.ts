// Just enough of a Kubernetes API client for the bridge, on axios: bearer token (re-read on 401,
// once), the cluster's CA, a request timeout, strict field validation on every write, and
// failures as KubeApiError with what the bridge needs to decide: status, reason, field causes,
// Retry-After. No client library: the bridge makes five kinds of request, and watches.
import { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { errorMessage } from '../util/errors.js';
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

/** The largest reply read whole: far above a page of a list (500 objects) or any object we read. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class KubeApi {
  private readonly http: AxiosInstance;

  constructor(private readonly connection: ApiConnection) {
    this.http = axios.create({
      baseURL: connection.server,
      timeout: connection.timeoutMs,
      httpsAgent: new Agent({ keepAlive: true, ...(connection.ca ? { ca: connection.ca } : {}) }),
      maxRedirects: 0,
      // A reply (paged lists included) is far smaller; a server or proxy that sends more must not
      // be buffered into PID 1's memory. Watches are streams, bounded per event by the informer.
      maxContentLength: MAX_RESPONSE_BYTES,
      // Every status is an answer to classify, not an exception.
      validateStatus: () => true,
    });
  }

  async request<T>(request: ApiRequest): Promise<T> {
    const response = await this.sendWithFreshToken(request);
    if (response.status >= 200 && response.status < 300) return response.data as T;
    throw failureOf(request, response);
  }

  /**
   * A GET whose body is read as it arrives (a watch), until `signal` aborts it. No timeout: a
   * watch lasts as long as the server keeps it, so the caller bounds it.
   */
  async stream(request: Omit<ApiRequest, 'method' | 'body' | 'patchType' | 'timeoutMs'>, signal: AbortSignal): Promise<Readable> {
    const get: ApiRequest = { ...request, method: 'GET' };
    const response = await this.sendWithFreshToken(get, { responseType: 'stream', signal, timeout: 0 });
    const body = response.data as Readable;
    if (response.status >= 200 && response.status < 300) return body;
    throw failureOf(get, { ...response, data: await readErrorBody(body) });
  }

  private async sendWithFreshToken(request: ApiRequest, extra: Pick<AxiosRequestConfig, 'responseType' | 'signal' | 'timeout'> = {}): Promise<AxiosResponse> {
    const response = await this.send(request, extra);
    if (response.status !== 401) return response;
    // Routine when the kubelet has rotated the token since it was last read.
    if (extra.responseType === 'stream') (response.data as Readable).destroy();
    this.connection.log.debug(`the API server rejects the token: reading ${this.connection.token.path} again`);
    this.connection.token.invalidate();
    return this.send(request, extra);
  }

  private async send(request: ApiRequest, extra: Pick<AxiosRequestConfig, 'responseType' | 'signal' | 'timeout'>): Promise<AxiosResponse> {
    let token: string;
    try {
      token = await this.connection.token.get();
    } catch (error) {
      throw new KubeApiError(request, 0, `cannot read the token ${this.connection.token.path}: ${(error as Error).message}`);
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

async function readErrorBody(body: Readable): Promise<unknown> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += String(chunk);
      if (text.length > ERROR_BODY_LIMIT) break;
    }
  } catch {
    // What arrived is all there is to say.
  } finally {
    body.destroy();
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
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
