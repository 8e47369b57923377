import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { everyInterval } from '../../src/health/check-clock.js';
import { sleep, waitFor } from '../helpers/wait.js';

describe('check clock', () => {
  it('runs checks scheduled at different moments in shared wake-ups, never before their interval', async () => {
    // Which turn of the event loop each run came in: a run in a later turn finds the mark cleared.
    let turn = 0;
    let marked = false;
    const runs: { turn: number; afterMs: number }[] = [];
    const scheduledAt: number[] = [];
    const cancels: (() => void)[] = [];
    // 20 checks at 1 s, scheduled about 5 ms apart (busy waits: timers would stretch under load).
    for (let i = 0; i < 20; i += 1) {
      const scheduled = performance.now();
      scheduledAt.push(scheduled);
      cancels.push(
        everyInterval(1000, () => {
          if (!marked) {
            marked = true;
            turn += 1;
            setImmediate(() => (marked = false));
          }
          runs.push({ turn, afterMs: performance.now() - scheduled });
        }),
      );
      while (performance.now() - scheduled < 5);
    }
    await waitFor(() => runs.length >= 20, 'the 20 first checks', 20_000);
    for (const cancel of cancels) cancel();
    // The grid step of a 1 s interval is 100 ms: the checks fall into the steps their due times span.
    const steps = new Set(scheduledAt.map((at) => Math.ceil((at + 1000) / 100))).size;
    const turns = new Set(runs.map((run) => run.turn)).size;
    assert.ok(turns <= steps && steps < 20, `20 checks spanning ${steps} grid steps ran in ${turns} wake-ups`);
    for (const run of runs) assert.ok(run.afterMs >= 999, `a check ran ${run.afterMs} ms after it was scheduled`);
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
