import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { everyInterval, plannedRun } from '../../src/health/check-clock.js';
import { sleep, waitFor } from '../helpers/wait.js';

describe('check clock', () => {
  it('plans every run at or after its due time, at most one step later, and on the anchor within interval/step runs', () => {
    // Intervals with a step of 100 ms (a tenth, or capped), a tenth of them, ones that the step does
    // not divide (twice), and one below ten steps' worth (step 1 ms).
    for (const [interval, step] of [[1000, 100], [10_000, 100], [300, 30], [1050, 100], [1099, 100], [7, 1]] as const) {
      for (let phase = 0; phase < interval; phase += 1) {
        const due = 50 * interval + phase;
        const first = plannedRun(interval, due);
        assert.ok(first >= due && first <= due + step, `interval ${interval}: due at ${due}, planned at ${first}`);
        // Each next run is due one interval after the last was planned: it reaches the anchor
        // (a multiple of the interval) within interval/step runs, then stays on it.
        let runAt = first;
        for (let run = 0; run < Math.ceil(interval / step); run += 1) runAt = plannedRun(interval, runAt + interval);
        assert.equal(runAt % interval, 0, `interval ${interval}, phase ${phase}: still off the anchor at ${runAt}`);
        assert.equal(plannedRun(interval, runAt + interval), runAt + interval);
      }
    }
  });

  it('brings checks scheduled across a whole interval into one wake-up, never running one early', async () => {
    const interval = 200;
    // Which turn of the event loop each run came in: a run in a later turn finds the mark cleared.
    let turn = 0;
    let marked = false;
    const checks: { scheduledAt: number; runs: { turn: number; at: number }[] }[] = [];
    const cancels: (() => void)[] = [];
    // 20 checks scheduled about 10 ms apart, over all the grid points of their interval (busy
    // waits: timers would stretch under load).
    for (let i = 0; i < 20; i += 1) {
      const check = { scheduledAt: performance.now(), runs: [] as { turn: number; at: number }[] };
      checks.push(check);
      cancels.push(
        everyInterval(interval, () => {
          if (!marked) {
            marked = true;
            turn += 1;
            setImmediate(() => (marked = false));
          }
          check.runs.push({ turn, at: performance.now() });
        }),
      );
      while (performance.now() - check.scheduledAt < 10);
    }
    const ranIn = (check: (typeof checks)[number], inTurn: number) => check.runs.some((run) => run.turn === inTurn);
    // The clock brings them into one wake-up within ten intervals (unless the machine stalls it).
    await waitFor(() => turn >= 2 && checks.every((check) => ranIn(check, turn) && ranIn(check, turn - 1)), 'two wake-ups running all 20 checks', 20_000, 5);
    for (const cancel of cancels) cancel();
    // The n-th run is never before n intervals after the check was scheduled.
    for (const check of checks) {
      check.runs.forEach((run, n) => assert.ok(run.at - check.scheduledAt >= (n + 1) * interval, `run ${n + 1} came ${run.at - check.scheduledAt} ms after scheduling`));
    }
  });

  it('wakes only when a check is due: each timer it sets runs one', { timeout: 20_000 }, async () => {
    // Node's timers count whole milliseconds of libuv's clock, not performance.now()'s: a timer
    // that comes a fraction early finds nothing due and costs a wake-up of its own.
    let timers = 0;
    const hook = createHook({
      init(_id, type, _trigger, resource) {
        if (type === 'Timeout' && (resource as { _onTimeout?: { name?: string } })._onTimeout?.name === 'fire') timers += 1;
      },
    });
    hook.enable();
    let runs = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        // The clock's timer is unref'd: this one keeps the test alive, and detects a hang.
        const hang = setTimeout(() => reject(new Error(`only ${runs} runs`)), 15_000);
        // An odd interval and sync work in each run, so that the time left is rarely whole milliseconds.
        const cancel = everyInterval(13, () => {
          runs += 1;
          const start = performance.now();
          while (performance.now() - start < 0.3);
          if (runs === 60) {
            cancel();
            clearTimeout(hang);
            resolve();
          }
        });
      });
    } finally {
      hook.disable();
    }
    // One timer was set for the first run and one after each run but the last (which cancelled).
    assert.equal(timers, runs);
  });

  it('runs every interval until cancelled, and not after', async () => {
    let count = 0;
    const cancel = everyInterval(30, () => (count += 1));
    await waitFor(() => count >= 3, '3 runs', 20_000);
    cancel();
    const atCancel = count;
    await sleep(150);
    assert.equal(count, atCancel);
  });
});
