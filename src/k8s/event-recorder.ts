// Posts pod Events (events.k8s.io/v1) and folds repeats into the first one's `series`, as
// client-go's event recorder does, so a flapping job adds a count, not a flood of objects. Each
// Event is posted about the pod (`kubectl describe pod`) and about its Autopilot (`kubectl
// describe ap`): kubectl shows only the Events whose `regarding` is the object described. Writes
// go through their own WriteLoop: coalesced, backed off, never on the supervisor's path.
import { randomBytes } from 'node:crypto';
import { KubeApiError, type KubeApi } from './api.js';
import type { PodEvent } from './pod-events.js';
import { REPORTING_CONTROLLER, type PodIdentity } from './resource.js';
import type { WriteOutcome } from './write-loop.js';

/** What an Event is about: kubectl finds Events by this reference's kind, name and uid. */
export interface Regarding {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
}

/** One Event object, about one of the objects an occurrence is reported on. */
interface Posted {
  name: string;
  /**
   * How many of the occurrence's `count` the API server knows about, and since when (on the
   * monotonic clock: a wall clock stepped back would hold series updates back for as long).
   */
  written: number;
  writtenAt: number;
}

/** After this long without a repeat, a repeat starts a new Event (the API server expires Events after 1 h by default). */
const SERIES_WINDOW_MS = 30 * 60_000;
/** Distinct Events remembered for folding repeats. */
const MEMORY = 64;
const NOTE_LIMIT = 1024;

interface Occurrence {
  event: PodEvent;
  count: number;
  lastObservedAt: Date;
  /** When it was last seen on the monotonic clock, which the series window is measured on. */
  lastSeenAt: number;
  /** By regarding object (kind and uid): a recreated Autopilot gets Events of its own. */
  posted: Map<string, Posted>;
}

export class EventRecorder {
  private readonly occurrences = new Map<string, Occurrence>();
  /** Event objects written (creates and series updates), for status and tests. */
  writes = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly pod: PodIdentity,
    /** A series is updated at most this often (a new Event is posted at once). */
    private readonly seriesIntervalMs: number,
    /** The objects to post about now (the Autopilot only once it exists). */
    private readonly regarding: () => Regarding[],
  ) {}

  /** Remembers the event, as new or as a repeat; `flush` writes it. */
  record(event: PodEvent): void {
    const key = `${event.type}\n${event.reason}\n${event.note}`;
    const now = new Date();
    const seenAt = performance.now();
    const known = this.occurrences.get(key);
    this.occurrences.delete(key);
    // On the monotonic clock: a wall clock stepped forward would break a series in two, one
    // stepped back would stretch it past the window.
    if (known && seenAt - known.lastSeenAt < SERIES_WINDOW_MS) {
      // In place: a flush in progress may be writing this very occurrence.
      known.count += 1;
      known.lastObservedAt = now;
      known.lastSeenAt = seenAt;
      this.occurrences.set(key, known);
    } else {
      this.occurrences.set(key, { event, count: 1, lastObservedAt: now, lastSeenAt: seenAt, posted: new Map() });
    }
    // Map order is insertion order: the first key is the one least recently seen.
    if (this.occurrences.size > MEMORY) this.occurrences.delete(this.occurrences.keys().next().value as string);
  }

  /**
   * Writes what the API server does not know yet: new Events at once, series updates at most
   * every `seriesIntervalMs` unless `forced` (the last flush on shutdown). Throws what the API
   * server refused; what was written stays written.
   */
  async flush(forced = false): Promise<Extract<WriteOutcome, { kind: 'done' }>> {
    let heldBackMs: number | undefined;
    const targets = this.regarding();
    // A copy: record() reorders the map while the writes are awaited.
    for (const occurrence of [...this.occurrences.values()]) {
      for (const target of targets) {
        const key = `${target.kind}/${target.uid ?? target.name}`;
        const posted = occurrence.posted.get(key);
        if (posted?.written === occurrence.count) continue;
        const wait = (posted?.writtenAt ?? 0) + this.seriesIntervalMs - performance.now();
        if (posted && wait > 0 && !forced) {
          heldBackMs = Math.min(heldBackMs ?? wait, wait);
          continue;
        }
        const count = occurrence.count;
        const name = posted ? await this.updateSeries(occurrence, target, posted.name) : await this.create(occurrence, target);
        occurrence.posted.set(key, { name, written: count, writtenAt: performance.now() });
        this.writes += 1;
      }
    }
    return heldBackMs === undefined ? { kind: 'done' } : { kind: 'done', againAfterMs: heldBackMs };
  }

  private async create(occurrence: Occurrence, regarding: Regarding): Promise<string> {
    const { event } = occurrence;
    const name = `${this.pod.name}.${randomBytes(8).toString('hex')}`;
    await this.api.request({
      method: 'POST',
      path: eventsPath(this.pod.namespace),
      verb: 'create',
      resource: 'events.k8s.io/events',
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace: this.pod.namespace },
        eventTime: microTime(occurrence.lastObservedAt),
        ...(occurrence.count > 1 ? { series: series(occurrence) } : {}),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.pod.name.slice(0, 128),
        action: event.action,
        reason: event.reason,
        note: event.note.slice(0, NOTE_LIMIT),
        type: event.type,
        regarding: { ...regarding, namespace: this.pod.namespace },
      },
    });
    return name;
  }

  /** Returns the name of the Event that now holds the series: a new one if the old one expired. */
  private async updateSeries(occurrence: Occurrence, regarding: Regarding, name: string): Promise<string> {
    try {
      await this.api.request({
        method: 'PATCH',
        path: `${eventsPath(this.pod.namespace)}/${name}`,
        verb: 'patch',
        resource: 'events.k8s.io/events',
        body: { series: series(occurrence) },
      });
      return name;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return this.create(occurrence, regarding);
      throw error;
    }
  }
}

function eventsPath(namespace: string): string {
  return `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
}

function series(occurrence: Occurrence): { count: number; lastObservedTime: string } {
  return { count: occurrence.count, lastObservedTime: microTime(occurrence.lastObservedAt) };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
