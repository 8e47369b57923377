// One bus that jobs, watches and bridges subscribe to (ContainerPilot's model), without its
// flaw: ContainerPilot's publish blocked on every subscriber's channel under a global lock, so one
// slow actor hung the whole process (its issues #548, #590, #465). Here publish only appends to
// each subscriber's own queue; each subscriber handles its events one at a time, in order, and
// a slow or failing subscriber delays nobody but itself.
import type { SupervisorEvent } from './types.js';

export type EventHandler = (event: SupervisorEvent) => void | Promise<void>;

/**
 * What a subscriber wants to see; everything when absent. A job hears only its start event's
 * source and `global`: with thousands of jobs, every event reaching every job made each one cost
 * O(jobs), and a shutdown O(jobs²).
 */
export interface EventFilter {
  sources?: readonly string[];
  kinds?: readonly SupervisorEvent['kind'][];
}

export interface Subscription {
  unsubscribe(): void;
}

/** A queue this long means a subscriber is stuck; the oldest events are dropped, and we say so. */
const QUEUE_LIMIT = 10_000;
const RECENT_LIMIT = 100;

class Subscriber {
  readonly queue: SupervisorEvent[] = [];
  draining = false;
  active = true;
  readonly kinds: ReadonlySet<string> | undefined;
  constructor(
    readonly name: string,
    readonly handler: EventHandler,
    readonly filter: EventFilter,
  ) {
    this.kinds = filter.kinds && new Set(filter.kinds);
  }
}

interface IdleWaiter {
  /** The subscribers waited for; undefined for all of them. */
  only: ReadonlySet<Subscriber> | undefined;
  resolve: () => void;
}

export class EventBus {
  /** Subscribers without a source filter, and the others by source. */
  private readonly everySource = new Set<Subscriber>();
  private readonly bySource = new Map<string, Set<Subscriber>>();
  /** Subscribers with events queued or in hand: what idle() waits for. */
  private readonly draining = new Set<Subscriber>();
  private readonly bySubscription = new WeakMap<Subscription, Subscriber>();
  private idleWaiters: IdleWaiter[] = [];
  /** The last events published, newest last (for debugging and status). */
  readonly recent: SupervisorEvent[] = [];
  /** Events published while held, in order (see hold()). */
  private held: SupervisorEvent[] | undefined;

  constructor(private readonly onHandlerError: (subscriber: string, error: unknown) => void = () => undefined) {}

  subscribe(name: string, handler: EventHandler, filter: EventFilter = {}): Subscription {
    const subscriber = new Subscriber(name, handler, filter);
    if (!filter.sources) this.everySource.add(subscriber);
    for (const source of filter.sources ?? []) {
      const set = this.bySource.get(source) ?? new Set();
      set.add(subscriber);
      this.bySource.set(source, set);
    }
    const subscription: Subscription = {
      unsubscribe: () => {
        subscriber.active = false;
        subscriber.queue.length = 0;
        this.draining.delete(subscriber);
        this.everySource.delete(subscriber);
        for (const source of filter.sources ?? []) {
          const set = this.bySource.get(source);
          set?.delete(subscriber);
          if (set?.size === 0) this.bySource.delete(source);
        }
        this.notifyIfIdle();
      },
    };
    this.bySubscription.set(subscription, subscriber);
    return subscription;
  }

  /**
   * Until release(), published events wait instead of being queued for the subscribers of the
   * moment, then go to those of release time. The supervisor holds the bus while its components
   * start, before its jobs have subscribed: a watch's first answer comes that soon, and a hook on
   * it must hear it (ContainerPilot subscribed its jobs before running its watches for the same
   * reason).
   */
  hold(): void {
    this.held ??= [];
  }

  /** Publishes what was held, after `ahead` if given (the supervisor's `startup`). */
  release(ahead?: SupervisorEvent): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const event of ahead ? [ahead, ...held] : held) this.publish(event);
  }

  /** Never blocks and never throws: delivery happens asynchronously, in publish order. */
  publish(event: SupervisorEvent): void {
    if (this.held) {
      this.held.push(event);
      if (this.held.length > QUEUE_LIMIT) {
        this.held.shift();
        this.onHandlerError('the held bus', new Error(`more than ${QUEUE_LIMIT} events held: dropped the oldest`));
      }
      return;
    }
    this.recent.push(event);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    for (const subscriber of this.subscribersOf(event)) {
      if (subscriber.kinds && !subscriber.kinds.has(event.kind)) continue;
      subscriber.queue.push(event);
      if (subscriber.queue.length > QUEUE_LIMIT) {
        subscriber.queue.shift();
        this.onHandlerError(subscriber.name, new Error(`event queue over ${QUEUE_LIMIT}: dropped the oldest event`));
      }
      if (!subscriber.draining) this.drain(subscriber);
    }
  }

  /**
   * Resolves once every queued event has been handled (including events published meanwhile),
   * by every subscriber or, given `only`, by those: a slow subscriber elsewhere does not count.
   */
  idle(only?: readonly Subscription[]): Promise<void> {
    const waited = only && new Set(only.flatMap((subscription) => this.bySubscription.get(subscription) ?? []));
    if (this.settled(waited)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ only: waited, resolve }));
  }

  isIdle(): boolean {
    return this.settled(undefined);
  }

  private *subscribersOf(event: SupervisorEvent): Iterable<Subscriber> {
    yield* this.everySource;
    const bySource = this.bySource.get(event.source);
    if (bySource) yield* bySource;
  }

  private settled(only: ReadonlySet<Subscriber> | undefined): boolean {
    for (const subscriber of this.draining) if (!only || only.has(subscriber)) return false;
    return true;
  }

  private drain(subscriber: Subscriber): void {
    subscriber.draining = true;
    this.draining.add(subscriber);
    // A microtask, not a direct call: the publisher's own code finishes before anyone reacts.
    queueMicrotask(() => void this.deliver(subscriber));
  }

  private async deliver(subscriber: Subscriber): Promise<void> {
    while (subscriber.active && subscriber.queue.length > 0) {
      const event = subscriber.queue.shift() as SupervisorEvent;
      try {
        await subscriber.handler(event);
      } catch (error) {
        this.onHandlerError(subscriber.name, error);
      }
    }
    subscriber.draining = false;
    this.draining.delete(subscriber);
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const waiting = this.idleWaiters;
    this.idleWaiters = waiting.filter((waiter) => !this.settled(waiter.only));
    for (const waiter of waiting) if (!this.idleWaiters.includes(waiter)) waiter.resolve();
  }
}
