import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
