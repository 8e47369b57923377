// Posts pod Events (events.k8s.io/v1) and folds repeats into the first one's `series`, as
// client-go's event recorder does, so a flapping job adds a count, not a flood of objects. Writes
// go through their own WriteLoop: coalesced, backed off, never on the supervisor's path.
import { randomBytes } from 'node:crypto';
import { KubeApiError, type KubeApi } from './api.js';
import type { PodEvent } from './pod-events.js';
import { REPORTING_CONTROLLER, type PodIdentity } from './resource.js';
import type { WriteOutcome } from './write-loop.js';

/** After this long without a repeat, a repeat starts a new Event (the API server expires Events after 1 h by default). */
const SERIES_WINDOW_MS = 30 * 60_000;
/** Distinct Events remembered for folding repeats. */
const MEMORY = 64;
const NOTE_LIMIT = 1024;

interface Occurrence {
  event: PodEvent;
  /** The Event object's name once posted. */
  name?: string;
  count: number;
  /** How many of `count` the API server knows about, and since when. */
  written: number;
  writtenAt: number;
  lastObservedAt: Date;
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
  ) {}

  /** Remembers the event, as new or as a repeat; `flush` writes it. */
  record(event: PodEvent, now = new Date()): void {
    const key = `${event.type}\n${event.reason}\n${event.note}`;
    const known = this.occurrences.get(key);
    this.occurrences.delete(key);
    if (known && now.getTime() - known.lastObservedAt.getTime() < SERIES_WINDOW_MS) {
      // In place: a flush in progress may be writing this very occurrence.
      known.count += 1;
      known.lastObservedAt = now;
      this.occurrences.set(key, known);
    } else {
      this.occurrences.set(key, { event, count: 1, written: 0, writtenAt: 0, lastObservedAt: now });
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
    // A copy: record() reorders the map while the writes are awaited.
    for (const occurrence of [...this.occurrences.values()]) {
      if (occurrence.written === occurrence.count) continue;
      const wait = occurrence.writtenAt + this.seriesIntervalMs - Date.now();
      if (occurrence.name !== undefined && wait > 0 && !forced) {
        heldBackMs = Math.min(heldBackMs ?? wait, wait);
        continue;
      }
      const count = occurrence.count;
      occurrence.name = occurrence.name === undefined ? await this.create(occurrence) : await this.updateSeries(occurrence, occurrence.name);
      occurrence.written = count;
      occurrence.writtenAt = Date.now();
      this.writes += 1;
    }
    return heldBackMs === undefined ? { kind: 'done' } : { kind: 'done', againAfterMs: heldBackMs };
  }

  private async create(occurrence: Occurrence): Promise<string> {
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
        regarding: { apiVersion: 'v1', kind: 'Pod', name: this.pod.name, namespace: this.pod.namespace, ...(this.pod.uid ? { uid: this.pod.uid } : {}) },
      },
    });
    return name;
  }

  /** Returns the name of the Event that now holds the series: a new one if the old one expired. */
  private async updateSeries(occurrence: Occurrence, name: string): Promise<string> {
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
      if (error instanceof KubeApiError && error.status === 404) return this.create(occurrence);
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
