// A list-watch informer, as client-go's reflector does it on the bridge's own HTTP client: list,
// then watch from the list's resourceVersion with bookmarks, resume from the last version seen
// after a dropped watch, relist when the server says that version is gone (410), and back off
// with jitter on errors — cut short, within a jittered spread, when a probe sees the API server
// return after an outage. Every watch has a deadline (timeoutSeconds, and a client-side one a
// little later for a connection that died silently), is dropped when it stays silent longer than
// the server's bookmarks ever are, and every line of its stream is bounded.
import type { Readable } from 'node:stream';
import type { Logger } from '../logging/logger.js';
import { heldBytes } from '../util/held-bytes.js';
import { KubeApiError, MAX_RESPONSE_BYTES, REPLY_TOO_LARGE, type KubeApi } from './api.js';
import { ApiProblems } from './api-problems.js';
import { retryDelay, type BackoffPolicy } from './retry-delay.js';
import { ServerProbe, type ProbeTiming } from './server-probe.js';

export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface InformerTiming {
  backoff: BackoffPolicy;
  /** The waits after refusals that retrying soon cannot fix (RBAC, a missing CRD). */
  patient: BackoffPolicy;
  /** Each watch asks the server to end it after between this and twice this (jittered, as client-go does). */
  watchTimeoutSeconds: number;
  /** A watch the server has not ended this long after its timeoutSeconds is dropped: its connection died silently. */
  watchGraceMs: number;
  /**
   * A watch that delivers nothing, not even a bookmark, for this long is dropped and resumed: its
   * connection may be half-open (a server gone whose reset never came). The API server's watch
   * cache sends a bookmark about every minute (1-2 minutes apart, measured on 1.35).
   */
  watchSilenceMs: number;
  /** A full relist this often, whatever the watch says (0: never). */
  relistMs: number;
  /**
   * A line of the watch stream (one event) that takes more than this to hold (its bytes, and what
   * each piece it came in costs) is an error: the watch is dropped and started again.
   */
  maxLineBytes: number;
  /** Objects per page of a list; a page too large to hold is asked for again with half as many. */
  pageSize: number;
  /** While the API server is away: how often to ask whether it is back. */
  probe: ProbeTiming;
  /** Once it is back, the retry waiting out its backoff runs within a random part of this. */
  catchUpSpreadMs: number;
  /** How long 403s must last before they count as missing RBAC (a starting API server denies for a moment). */
  forbiddenGraceMs: number;
}

export const DEFAULT_INFORMER_TIMING: InformerTiming = {
  backoff: { initialMs: 500, maxMs: 30_000 },
  patient: { initialMs: 30_000, maxMs: 5 * 60_000 },
  watchTimeoutSeconds: 300,
  watchGraceMs: 30_000,
  watchSilenceMs: 3 * 60_000,
  relistMs: 30 * 60_000,
  // An event carries one object, as the largest reply does.
  maxLineBytes: MAX_RESPONSE_BYTES,
  pageSize: 500,
  probe: { intervalMs: 2_000, timeoutMs: 2_000 },
  catchUpSpreadMs: 2_000,
  forbiddenGraceMs: 10_000,
};

export interface InformerOptions<T extends KubeObject> {
  api: KubeApi;
  /** The collection, e.g. /apis/discovery.k8s.io/v1/namespaces/ns/endpointslices. */
  path: string;
  /** For RBAC messages, e.g. discovery.k8s.io/endpointslices. */
  resource: string;
  fieldSelector?: string;
  labelSelector?: string;
  log: Logger;
  timing?: Partial<InformerTiming>;
  /** Shared with other loops so that one outage or RBAC gap is said once; by default the informer's own. */
  problems?: ApiProblems;
}

export type InformerChange<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RELISTED'; object?: T };

interface ListAnswer<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T | { kind?: string; code?: number; message?: string; reason?: string; metadata?: { resourceVersion?: string } };
}

/** A watch ended by the server sooner than this counts as a failure (backoff). */
const MIN_WATCH_MS = 1_000;

/** The server's answer that the version asked for is no longer served: list again. */
class Gone extends Error {}

/** A stream line over the bound. */
class LineTooLong extends Error {}

export class Informer<T extends KubeObject> {
  private readonly timing: InformerTiming;
  private readonly log: Logger;
  private readonly problems: ApiProblems;
  private readonly probe: ServerProbe;
  private readonly handlers: Array<(change: InformerChange<T>) => void> = [];
  private readonly troubleHandlers: Array<(problem: string | undefined) => void> = [];
  /** The last failure said to the trouble handlers, until the server answers again. */
  private trouble: string | undefined;
  private objects = new Map<string, T>();
  private resourceVersion: string | undefined;
  /** On the monotonic clock, as the watches' start: a wall clock stepped back would put off relists and misjudge watches as ended at once. */
  private listedAt = -Infinity;
  private failures = 0;
  private patientFailures = 0;
  private running = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryResolve: (() => void) | undefined;
  /** What the pending retry waits for: the server to come back, or a refusal to be lifted. */
  private awaiting: 'server' | 'permission' | undefined;
  private watchAbort: AbortController | undefined;
  private readonly loopName: string;
  /** The collection's namespace, for messages. */
  private readonly namespace: string;
  private listed = false;
  /** Objects per page: the configured size, halved for good each time a page was too large to hold. */
  private pageSize: number;

  constructor(private readonly options: InformerOptions<T>) {
    this.timing = { ...DEFAULT_INFORMER_TIMING, ...options.timing };
    this.pageSize = this.timing.pageSize;
    this.log = options.log;
    this.namespace = namespaceOf(options.path);
    this.problems = options.problems ?? new ApiProblems(options.log, this.namespace, this.timing.forbiddenGraceMs);
    this.probe = new ServerProbe(options.api, this.timing.probe, () => this.serverBack());
    this.loopName = `informer ${options.resource}${options.fieldSelector ? ` ${options.fieldSelector}` : ''}${options.labelSelector ? ` ${options.labelSelector}` : ''}`;
  }

  /** Lists, then watches, until stopped; returns at once. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.probe.stop();
    this.watchAbort?.abort();
    clearTimeout(this.retryTimer);
    this.retryResolve?.();
  }

  /** True once the first list has completed. */
  get synced(): boolean {
    return this.listed;
  }

  /** The current objects by name. */
  items(): ReadonlyMap<string, T> {
    return this.objects;
  }

  /** Called after every change to items() and after every (re)list; a throwing handler is logged, never stops the informer. */
  onChange(handler: (change: InformerChange<T>) => void): void {
    this.handlers.push(handler);
  }

  /**
   * Called with what failed when a list or watch fails (the same failure again is not said again),
   * and with undefined once the server answers again; a throwing handler is logged.
   */
  onTrouble(handler: (problem: string | undefined) => void): void {
    this.troubleHandlers.push(handler);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const relistDue = this.timing.relistMs > 0 && performance.now() - this.listedAt >= this.timing.relistMs;
        if (this.resourceVersion === undefined || relistDue) await this.list();
        await this.watch();
      } catch (error) {
        if (this.stopped) return;
        // A version gone right after a list is no reason to list again at once (and again, and again).
        const listedJustNow = performance.now() - this.listedAt < MIN_WATCH_MS;
        if (error instanceof Gone) {
          this.log.debug(`${this.loopName}: resourceVersion ${this.resourceVersion} is gone (${error.message}): listing again`);
          this.resourceVersion = undefined;
          if (!listedJustNow) continue;
        }
        await this.waitAfter(error instanceof Gone ? new KubeApiError({ verb: 'watch', resource: this.options.resource }, 410, error.message, 'Expired') : error);
      }
    }
  }

  private async list(): Promise<void> {
    const objects = new Map<string, T>();
    let resourceVersion: string | undefined;
    let page: string | undefined;
    for (;;) {
      const query = this.query({ limit: String(this.pageSize), ...(page ? { continue: page } : {}) });
      let answer: ListAnswer<T>;
      try {
        answer = await this.options.api.request<ListAnswer<T>>({ method: 'GET', path: `${this.options.path}?${query}`, verb: 'list', resource: this.options.resource });
      } catch (error) {
        // The continue token of a long list expired: start over (client-go does the same).
        if (error instanceof KubeApiError && error.status === 410) throw new Gone(error.message);
        // Large objects: the same page again, in smaller pages (a page of one is a reply of one object).
        if (error instanceof KubeApiError && error.reason === REPLY_TOO_LARGE && this.pageSize > 1 && !this.stopped) {
          this.pageSize = Math.ceil(this.pageSize / 2);
          this.log.debug(`${this.loopName}: ${error.message}: listing ${this.pageSize} objects a page`);
          continue;
        }
        throw error;
      }
      for (const item of answer.items ?? []) objects.set(item.metadata.name, item);
      resourceVersion = answer.metadata.resourceVersion;
      page = answer.metadata.continue || undefined;
      if (!page || this.stopped) break;
    }
    if (this.stopped) return;
    this.objects = objects;
    this.resourceVersion = resourceVersion;
    this.listedAt = performance.now();
    this.listed = true;
    this.connected();
    this.emit({ type: 'RELISTED' });
  }

  /** One watch, until the server ends it (routine), it fails, or its deadline passes. */
  private async watch(): Promise<void> {
    const timeoutSeconds = Math.round(this.timing.watchTimeoutSeconds * (1 + Math.random()));
    const abort = new AbortController();
    this.watchAbort = abort;
    /** Why the watch was taken for dead, if it was. */
    let dropped: string | undefined;
    const drop = (reason: string) => () => {
      dropped = reason;
      abort.abort();
    };
    const deadline = setTimeout(drop('the watch outlived its deadline'), timeoutSeconds * 1000 + this.timing.watchGraceMs).unref();
    const silence = setTimeout(drop(`the watch delivered nothing for ${this.timing.watchSilenceMs / 1000} s`), this.timing.watchSilenceMs).unref();
    let body: Readable | undefined;
    const startedAt = performance.now();
    try {
      const query = this.query({ watch: '1', allowWatchBookmarks: 'true', resourceVersion: this.resourceVersion ?? '', timeoutSeconds: String(timeoutSeconds) });
      body = await this.options.api.stream({ path: `${this.options.path}?${query}`, verb: 'watch', resource: this.options.resource }, abort.signal);
      this.connected();
      silence.refresh();
      for await (const line of lines(body, this.timing.maxLineBytes)) {
        silence.refresh();
        if (this.stopped) return;
        this.apply(JSON.parse(line) as WatchEvent<T>);
        // Only a watch that delivers resets the backoff: one that fails on its first event keeps growing it.
        this.failures = 0;
      }
    } catch (error) {
      if (dropped !== undefined) {
        this.log.debug(`${this.loopName}: ${dropped}: its connection is taken for dead, watching again`);
        return;
      }
      if (isStreamBreak(error)) throw new KubeApiError({ verb: 'watch', resource: this.options.resource }, 0, `the watch connection broke: ${(error as Error).message}`);
      if (error instanceof SyntaxError) this.log.warn(`${this.loopName}: an unreadable watch event (${error.message}): dropping the watch and watching again`);
      else if (error instanceof LineTooLong) this.log.warn(`${this.loopName}: ${error.message}: dropping the watch and watching again`);
      throw error;
    } finally {
      clearTimeout(deadline);
      clearTimeout(silence);
      body?.destroy();
      this.watchAbort = undefined;
    }
    // A server that ends every watch at once must not make this a busy loop.
    if (!this.stopped && performance.now() - startedAt < MIN_WATCH_MS) {
      throw new KubeApiError({ verb: 'watch', resource: this.options.resource }, 0, 'the API server ended the watch at once');
    }
    this.failures = 0;
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; message?: string; reason?: string };
      if (status.code === 410) throw new Gone(status.message ?? 'Gone');
      throw new KubeApiError({ verb: 'watch', resource: this.options.resource }, status.code ?? 500, status.message ?? 'watch error', status.reason);
    }
    const version = event.object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const object = event.object as T;
    if (event.type === 'DELETED') this.objects.delete(object.metadata.name);
    else this.objects.set(object.metadata.name, object);
    this.emit({ type: event.type, object });
  }

  private emit(change: InformerChange<T>): void {
    this.call(this.handlers, change);
  }

  private call<A>(handlers: ReadonlyArray<(argument: A) => void>, argument: A): void {
    for (const handler of handlers) {
      try {
        handler(argument);
      } catch (error) {
        this.log.error(`${this.loopName}: a handler failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }

  private troubled(problem: string | undefined): void {
    if (problem === this.trouble) return;
    this.trouble = problem;
    this.call(this.troubleHandlers, problem);
  }

  private query(extra: Record<string, string>): string {
    const { fieldSelector, labelSelector } = this.options;
    return new URLSearchParams({ ...(fieldSelector ? { fieldSelector } : {}), ...(labelSelector ? { labelSelector } : {}), ...extra }).toString();
  }

  /** The server answers: no need to probe it, and any problem said is over. */
  private connected(): void {
    this.awaiting = undefined;
    this.patientFailures = 0;
    this.probe.cancel();
    this.problems.succeeded(this.loopName);
    this.troubled(undefined);
  }

  /** Backoff after a failure; while the server is away, a probe of it may cut the wait short. */
  private async waitAfter(error: unknown): Promise<void> {
    this.troubled(describeFailure(error));
    const outcome = error instanceof LineTooLong || error instanceof SyntaxError ? { kind: 'retry' as const } : this.problems.failed(this.loopName, error, this.namespace);
    if (outcome.kind !== 'retry') return;
    this.failures += 1;
    this.awaiting = outcome.serverAway ? 'server' : outcome.patient ? 'permission' : undefined;
    if (this.awaiting === 'server') this.probe.start();
    if (outcome.patient) this.patientFailures += 1;
    const delay = outcome.patient ? retryDelay(this.patientFailures, this.timing.patient, outcome.retryAfterMs) : retryDelay(this.failures, this.timing.backoff, outcome.retryAfterMs);
    await new Promise<void>((resolve) => {
      this.retryResolve = resolve;
      this.retryTimer = setTimeout(resolve, delay).unref();
    });
    this.retryResolve = undefined;
  }

  /**
   * Another request of this pod's succeeded after failing: the Role or the CRD may be back, so a
   * retry waiting out a refusal runs within a random part of the catch-up spread instead.
   */
  refusalMayBeLifted(): void {
    this.cutRetryShort('permission');
  }

  private serverBack(): void {
    // The failures of the outage say nothing about the server now: a returning one may refuse for a
    // moment (404 until it serves the custom resources again), and that deserves a short backoff.
    if (this.cutRetryShort('server')) this.failures = 0;
  }

  /** The pending retry, if it waits for `awaited`, runs within a random part of the catch-up spread; true if it did. */
  private cutRetryShort(awaited: 'server' | 'permission'): boolean {
    if (this.awaiting !== awaited || !this.retryResolve) return false;
    this.awaiting = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(this.retryResolve, Math.random() * this.timing.catchUpSpreadMs).unref();
    return true;
  }
}

/**
 * The stream's lines, each taking at most `maxHeldBytes` to hold until it is whole: its bytes, and
 * for each piece it came in, what that piece costs (the start of a line keeps the whole piece it
 * is part of). A longer one throws LineTooLong.
 */
async function* lines(body: Readable, maxHeldBytes: number): AsyncGenerator<string> {
  const tooLong = () => new LineTooLong(`a watch event of more than ${maxHeldBytes} bytes to hold`);
  let pending: Buffer[] = [];
  let pendingHeld = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let rest = chunk;
    for (let newline = rest.indexOf(10); newline !== -1; newline = rest.indexOf(10)) {
      if (pendingHeld + newline > maxHeldBytes) throw tooLong();
      const line = Buffer.concat([...pending, rest.subarray(0, newline)]).toString('utf8');
      pending = [];
      pendingHeld = 0;
      rest = rest.subarray(newline + 1);
      if (line.trim() !== '') yield line;
    }
    if (rest.length === 0) continue;
    pendingHeld += heldBytes(chunk);
    if (pendingHeld > maxHeldBytes) throw tooLong();
    pending.push(rest);
  }
}

/** What failed, for a watch's `error` field: the request, and the server's answer (or that none came). */
function describeFailure(error: unknown): string {
  if (!(error instanceof KubeApiError)) return (error as Error).message ?? String(error);
  const { request, status, reason, message } = error;
  return `${request.verb} ${request.resource}: ${status === 0 ? '' : `HTTP ${status}${reason ? ` ${reason}` : ''}: `}${message}`;
}

/** A failure of the connection under a watch, as opposed to what the informer itself throws. */
function isStreamBreak(error: unknown): boolean {
  return !(error instanceof KubeApiError || error instanceof Gone || error instanceof LineTooLong || error instanceof SyntaxError);
}

/** The namespace of a namespaced collection path, for messages. */
function namespaceOf(path: string): string {
  return /\/namespaces\/([^/]+)\//.exec(path)?.[1] ?? '(cluster)';
}
