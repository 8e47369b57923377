// The system clock a job times its runs with: durations from a clock that wall-clock steps do not move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/jobs/clock.js';
import { withWallClockStepped } from '../helpers/wall-clock.js';

test("systemClock's durations ignore a wall clock stepped forward or back an hour", async () => {
  for (const step of [3_600_000, -3_600_000]) {
    const start = systemClock.monotonicNow();
    const elapsed = await withWallClockStepped(step, () => systemClock.monotonicNow() - start);
    assert.ok(elapsed >= 0 && elapsed < 60_000, `a step of ${step} ms moved the duration by ${elapsed} ms`);
  }
});
