// The system clock a job times its runs with: durations from a clock that wall-clock steps do not move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/jobs/clock.js';

test("systemClock's durations ignore a wall clock stepped forward or back an hour", () => {
  const wallClock = Date.now;
  try {
    for (const step of [3_600_000, -3_600_000]) {
      const start = systemClock.monotonicNow();
      Date.now = () => wallClock() + step;
      const elapsed = systemClock.monotonicNow() - start;
      Date.now = wallClock;
      assert.ok(elapsed >= 0 && elapsed < 60_000, `a step of ${step} ms moved the duration by ${elapsed} ms`);
    }
  } finally {
    Date.now = wallClock;
  }
});
