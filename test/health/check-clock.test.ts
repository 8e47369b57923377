import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { everyInterval } from '../../src/health/check-clock.js';
import { sleep, waitFor } from '../helpers/wait.js';

describe('check clock', () => {
  it('runs checks scheduled at different moments in one wake-up, never before their interval', async () => {
    // Which turn of the event loop each run came in: a run in a later turn finds the mark cleared.
    let turn = 0;
    let marked = false;
    const runs: { name: string; turn: number; afterMs: number }[] = [];
    const schedule = (name: string) => {
      const scheduled = performance.now();
      return everyInterval(1000, () => {
        if (!marked) {
          marked = true;
          turn += 1;
          setImmediate(() => (marked = false));
        }
        runs.push({ name, turn, afterMs: performance.now() - scheduled });
      });
    };
    const cancelFirst = schedule('first');
    await sleep(37);
    const cancelSecond = schedule('second');
    await waitFor(() => runs.length >= 2, 'both first checks', 20_000);
    cancelFirst();
    cancelSecond();
    assert.deepEqual(runs.map((run) => run.name).sort(), ['first', 'second']);
    assert.equal(runs[0]!.turn, runs[1]!.turn, 'the two checks ran in different wake-ups');
    for (const run of runs) assert.ok(run.afterMs >= 999, `${run.name} ran ${run.afterMs} ms after it was scheduled`);
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
