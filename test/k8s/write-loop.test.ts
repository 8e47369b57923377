import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteLoop, type WriteLoopTiming, type WriteOutcome } from '../../src/k8s/write-loop.js';
import { sleep, waitFor } from '../helpers/wait.js';

const TIMING: WriteLoopTiming = { debounceMs: 30, minIntervalMs: 60, resyncMs: 60_000, backoff: { initialMs: 40, maxMs: 40 }, patient: { initialMs: 300, maxMs: 300 } };

/** A work function that records its calls and answers from a script (then `done`). */
function scriptedWork(outcomes: WriteOutcome[] = [], durationMs = 0) {
  const calls: Array<{ forced: boolean; at: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let answered = 0;
  // A function, not an arrow: the loop calls it as its method, and `this` is the loop.
  const work = async function (this: unknown, forced: boolean): Promise<WriteOutcome> {
    // When the loop started this write, on the monotonic clock it paces by. Not performance.now()
    // here: a loaded machine can preempt the test between the loop's reading and this one, for
    // tens of milliseconds, and a gap measured from a late reading looks that much too short
    // (a stressed run saw 54.8 ms for a 60 ms minimum).
    calls.push({ forced, at: (this as { lastStartedAt: number }).lastStartedAt });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(durationMs);
    inFlight--;
    answered++;
    return outcomes.shift() ?? { kind: 'done' };
  };
  // `answered`: calls whose outcome the loop has been handed (it acts on it before any timer runs).
  return { work, calls, answered: () => answered, maxInFlight: () => maxInFlight };
}

describe('write loop', () => {
  it('coalesces a burst of changes into one write after the debounce', async () => {
    const { work, calls } = scriptedWork();
    const loop = new WriteLoop(work, TIMING);
    const started = performance.now();
    for (let change = 0; change < 50; change++) loop.request();
    await waitFor(() => calls.length >= 1, 'the write', 10_000);
    // Time for a second write (the minimum interval, twice), were the burst not coalesced.
    await sleep(TIMING.minIntervalMs * 2);
    await loop.stop();
    assert.equal(calls.length, 1);
    assert.ok((calls[0]?.at ?? 0) - started >= TIMING.debounceMs - 5);
  });

  it('never has two writes in flight; changes during a write get one more write after it', async () => {
    const { work, calls, maxInFlight } = scriptedWork([], 80);
    const loop = new WriteLoop(work, TIMING);
    loop.request();
    await waitFor(() => calls.length === 1, 'the first write');
    for (let change = 0; change < 10; change++) loop.request();
    await waitFor(() => calls.length === 2, 'the follow-up write');
    await sleep(200);
    await loop.stop();
    assert.equal(calls.length, 2);
    assert.equal(maxInFlight(), 1);
  });

  it('is not hurried by a flapping source: writes start at least the minimum interval apart', async () => {
    const { work, calls } = scriptedWork();
    const loop = new WriteLoop(work, TIMING);
    const flapping = setInterval(() => loop.request(), 1);
    const from = performance.now();
    await waitFor(() => calls.length >= 4, 'four writes', 10_000);
    clearInterval(flapping);
    await loop.stop();
    // However long the machine took for them: the bound follows the time that actually passed.
    const bound = (performance.now() - from) / TIMING.minIntervalMs + 1;
    assert.ok(calls.length <= bound, `${calls.length} writes (bound ${bound})`);
    const gaps = calls.slice(1).map((call, index) => call.at - (calls[index]?.at ?? 0));
    assert.ok(gaps.every((gap) => gap >= TIMING.minIntervalMs - 5), `gaps ${gaps.join(', ')} ms`);
  });

  it('paces by elapsed time, not the wall clock: a clock set back does not hold writes up', async (t) => {
    const { work, calls } = scriptedWork();
    const loop = new WriteLoop(work, TIMING);
    loop.request();
    await waitFor(() => calls.length === 1, 'the first write');
    // NTP steps the clock back an hour (a VM resumed, an RTC-less host synced late).
    const realNow = Date.now;
    t.mock.method(Date, 'now', () => realNow() - 3_600_000);
    loop.request();
    try {
      await waitFor(() => calls.length === 2, 'the second write', 10_000);
    } finally {
      t.mock.restoreAll();
      await loop.stop();
    }
  });

  it('keeps the minimum interval for retries too: a failing API server is not written to faster', async () => {
    const { work, calls } = scriptedWork([{ kind: 'retry' }, { kind: 'retry' }]);
    const loop = new WriteLoop(work, { ...TIMING, backoff: { initialMs: 10, maxMs: 10 } });
    loop.request();
    await waitFor(() => calls.length === 3, 'two retries', 10_000);
    await loop.stop();
    const gaps = calls.slice(1).map((call, index) => call.at - (calls[index]?.at ?? 0));
    assert.ok(gaps.every((gap) => gap >= TIMING.minIntervalMs - 5), `gaps ${gaps.join(', ')} ms`);
  });

  it('retries a failed write, forced, after a backoff that new changes do not cut short', async () => {
    const { work, calls } = scriptedWork([{ kind: 'retry' }]);
    const loop = new WriteLoop(work, TIMING);
    loop.request();
    await waitFor(() => calls.length === 1, 'the first write');
    loop.request();
    await waitFor(() => calls.length === 2, 'the retry');
    await loop.stop();
    assert.ok((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0) >= TIMING.backoff.initialMs / 2 - 5, 'waited for the backoff');
  });

  it('waits at least Retry-After, and long after a patient failure', async () => {
    const { work, calls } = scriptedWork([{ kind: 'retry', retryAfterMs: 200 }, { kind: 'retry', patient: true }]);
    const loop = new WriteLoop(work, TIMING);
    loop.request();
    await waitFor(() => calls.length === 3, 'two retries', 10_000);
    await loop.stop();
    const [first, second, third] = calls.map((call) => call.at);
    assert.ok((second ?? 0) - (first ?? 0) >= 195, 'Retry-After honoured');
    assert.ok((third ?? 0) - (second ?? 0) >= TIMING.patient.initialMs / 2 - 5, 'patient backoff');
  });

  /**
   * A write fails for the server being away, with a backoff far longer than the test waits: only
   * the wake, once `wakeWhen` holds, can bring the retry in time.
   */
  async function retryComesAfterWake(writeMs: number, wakeWhen: (progress: { calls: number; answered: number }) => boolean): Promise<void> {
    const { work, calls, answered } = scriptedWork([{ kind: 'retry', serverAway: true }], writeMs);
    const loop = new WriteLoop(work, { ...TIMING, backoff: { initialMs: 600_000, maxMs: 600_000 } });
    loop.request();
    try {
      await waitFor(() => wakeWhen({ calls: calls.length, answered: answered() }), 'the moment to wake the loop');
      loop.wake(100);
      await waitFor(() => calls.length === 2, 'the retry after the wake', 10_000);
    } finally {
      await loop.stop();
    }
  }

  it('cuts a long backoff short when woken (the API server is back), within the spread', async () => {
    await retryComesAfterWake(0, ({ answered }) => answered === 1);
  });

  it('cuts the backoff short when woken while the write that then fails was still in flight', async () => {
    // The server is back before the write under way has failed (it had been sent while it was away).
    await retryComesAfterWake(300, ({ calls, answered }) => calls === 1 && answered === 0);
  });

  it('when woken, still waits for Retry-After', async () => {
    const { work, calls, answered } = scriptedWork([{ kind: 'retry', retryAfterMs: 300, serverAway: true }]);
    const loop = new WriteLoop(work, { ...TIMING, backoff: { initialMs: 600_000, maxMs: 600_000 } });
    loop.request();
    await waitFor(() => answered() === 1, 'the failed write');
    loop.wake(0);
    await waitFor(() => calls.length === 2, 'the retry', 10_000);
    await loop.stop();
    const [first, second] = calls.map((call) => call.at);
    assert.ok((second ?? 0) - (first ?? 0) >= 295, `Retry-After honoured: ${(second ?? 0) - (first ?? 0)} ms`);
  });

  it('backs off after refusals from the patient policy\'s first wait to its longest', async () => {
    const { work, calls } = scriptedWork([{ kind: 'retry', patient: true }, { kind: 'retry', patient: true }, { kind: 'retry', patient: true }]);
    // random() = 1: no jitter, so the waits are the policy's exactly.
    const loop = new WriteLoop(work, { ...TIMING, patient: { initialMs: 150, maxMs: 300 } }, () => 1);
    loop.request();
    await waitFor(() => calls.length === 4, 'three retries', 10_000);
    await loop.stop();
    const gaps = calls.slice(1).map((call, index) => call.at - (calls[index]?.at ?? 0));
    assert.ok(gaps[0]! >= 145 && gaps[0]! < 280, `first wait ${gaps[0]} ms`);
    assert.ok(gaps[1]! >= 295 && gaps[2]! >= 295, `then the longest: ${gaps.join(', ')} ms`);
  });

  it('is woken out of the wait after a refusal when another request gets through (the Role or the CRD may be back), and only then', async () => {
    const { work, calls, answered } = scriptedWork([{ kind: 'retry', patient: true }, { kind: 'retry', serverAway: true }]);
    const loop = new WriteLoop(work, { ...TIMING, patient: { initialMs: 600_000, maxMs: 600_000 }, backoff: { initialMs: 600_000, maxMs: 600_000 } });
    loop.request();
    await waitFor(() => answered() === 1, 'the denied write');
    loop.wake(0);
    await sleep(TIMING.minIntervalMs * 3);
    assert.equal(calls.length, 1, "the server's return does not lift a refusal");
    loop.refusalMayBeLifted(0);
    await waitFor(() => calls.length === 2, 'the retry', 10_000);
    await waitFor(() => answered() === 2, 'the retry to fail with the server away');
    loop.refusalMayBeLifted(0);
    await sleep(TIMING.minIntervalMs * 3);
    assert.equal(calls.length, 2, 'a retry waiting for the server is not cut short by another request getting through');
    await loop.stop();
  });

  it('is not woken out of the wait after a refusal (RBAC, an invalid write): the server\'s return does not fix it', async () => {
    const { work, calls, answered } = scriptedWork([{ kind: 'retry', patient: true }, { kind: 'retry' }]);
    const loop = new WriteLoop(work, { ...TIMING, backoff: { initialMs: 400, maxMs: 400 }, patient: { initialMs: 400, maxMs: 400 } });
    loop.request();
    await waitFor(() => answered() === 1, 'the denied write');
    loop.wake(0);
    await waitFor(() => calls.length === 2, 'the retry after the patient wait', 10_000);
    await waitFor(() => answered() === 2, 'the retry to fail');
    loop.wake(0);
    await waitFor(() => calls.length === 3, 'the retry after the backoff', 10_000);
    await loop.stop();
    const [first, second, third] = calls.map((call) => call.at);
    assert.ok((second ?? 0) - (first ?? 0) >= 195, `patient wait kept: ${(second ?? 0) - (first ?? 0)} ms`);
    assert.ok((third ?? 0) - (second ?? 0) >= 195, `backoff kept: ${(third ?? 0) - (second ?? 0)} ms`);
  });

  it('ignores a wake with no retry pending', async () => {
    const { work, calls } = scriptedWork();
    const loop = new WriteLoop(work, TIMING);
    loop.wake(0);
    await sleep(100);
    await loop.stop();
    assert.equal(calls.length, 0);
  });

  it('runs again when the work held some of it back', async () => {
    const { work, calls } = scriptedWork([{ kind: 'done', againAfterMs: 100 }]);
    const loop = new WriteLoop(work, TIMING);
    loop.request();
    await waitFor(() => calls.length === 2, 'the second run', 10_000);
    await loop.stop();
    assert.ok((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0) >= 95);
  });

  it('forces a write at every resync, even with nothing changed', async () => {
    const { work, calls } = scriptedWork();
    const loop = new WriteLoop(work, { ...TIMING, resyncMs: 50 });
    await waitFor(() => calls.length >= 2, 'two resyncs', 10_000);
    await loop.stop();
    assert.ok(calls.every((call) => call.forced));
  });

  it('stops: waits for the write in flight and starts none after', async () => {
    const { work, calls } = scriptedWork([], 100);
    const loop = new WriteLoop(work, TIMING);
    loop.request();
    await waitFor(() => calls.length === 1, 'the write');
    loop.request();
    await loop.stop();
    loop.request();
    await sleep(100);
    assert.equal(calls.length, 1);
  });

  it('survives work that throws', async () => {
    let calls = 0;
    const loop = new WriteLoop(async () => {
      calls++;
      if (calls === 1) throw new Error('bug');
      return { kind: 'done' };
    }, TIMING);
    loop.request();
    await waitFor(() => calls === 2, 'the retry after the throw', 10_000);
    await loop.stop();
  });
});
