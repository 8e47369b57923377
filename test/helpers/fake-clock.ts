import type { Clock } from '../../src/jobs/clock.js';

/** A clock whose time moves only when a test says so; timers fire in due order. */
export class FakeClock implements Clock {
  private time = 1_000_000;
  /** How far the wall clock has been stepped away from the monotonic one. */
  private wallOffset = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  monotonicNow(): number {
    return this.time;
  }

  wallTime(): Date {
    return new Date(this.time + this.wallOffset);
  }

  /** Steps the wall clock (as NTP would), leaving the monotonic clock and the timers alone. */
  stepWallClock(ms: number): void {
    this.wallOffset += ms;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers armed and not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = until;
  }
}
