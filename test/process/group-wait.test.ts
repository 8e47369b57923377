// Waiting for a stopped job's process group, on real processes: the wait is bounded by the
// monotonic clock, whatever the system clock does meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessTable } from '../../src/process/process-table.js';

test('a group wait ends at its timeout even when the system clock is stepped back meanwhile', { timeout: 20_000 }, async (t) => {
  // The leader exits at once; a member of its group, which ignores SIGTERM, stays.
  const job = new ProcessTable().spawn({ argv: ['/bin/sh', '-c', '(trap "" TERM; exec sleep 30) & exit 0'], env: process.env });
  t.after(() => job.signalGroup('SIGKILL'));
  await job.exited;
  assert.ok(job.groupAlive(), 'the member outlived its leader');
  // NTP steps the clock back an hour as the wait begins.
  const stepped = Date.now() - 3_600_000;
  t.mock.method(Date, 'now', () => stepped);
  let hang: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (hang = setTimeout(() => resolve('hung'), 10_000)));
  try {
    assert.equal(await Promise.race([job.waitForGroup(200), hung]), false);
  } finally {
    clearTimeout(hang);
  }
});
