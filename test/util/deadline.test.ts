// The one deadline helper: who wins the race, and that no timer outlives a decided race.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMED_OUT, withDeadline } from '../../src/util/deadline.js';

/** Timers that keep the process alive right now (unref'd ones are not listed). */
const liveTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

test('work that settles first wins, and its deadline timer is gone at once', async () => {
  const before = liveTimers();
  const pending = withDeadline(new Promise<string>((resolve) => setImmediate(() => resolve('done'))), 600_000);
  assert.equal(liveTimers(), before + 1);
  assert.equal(await pending, 'done');
  assert.equal(liveTimers(), before);
});

test('work that never settles gives TIMED_OUT once the deadline passes', async () => {
  assert.equal(await withDeadline(new Promise(() => undefined), 10), TIMED_OUT);
});

test("the work's rejection is passed on, and the timer is gone too", async () => {
  const before = liveTimers();
  await assert.rejects(withDeadline(Promise.reject(new Error('refused')), 600_000), /refused/);
  assert.equal(liveTimers(), before);
});

test('an unref deadline never keeps the process alive, yet still fires', async () => {
  const before = liveTimers();
  const pending = withDeadline(new Promise(() => undefined), 10, { unref: true });
  assert.equal(liveTimers(), before);
  // Alone, it would let this process end before it fired: something else must keep the loop alive.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    assert.equal(await pending, TIMED_OUT);
  } finally {
    clearInterval(keepAlive);
  }
});
