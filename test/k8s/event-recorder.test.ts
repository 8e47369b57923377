// The Event recorder's pacing of series updates, against a fake API that takes every write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiRequest, KubeApi } from '../../src/k8s/api.js';
import { EventRecorder } from '../../src/k8s/event-recorder.js';
import { sleep } from '../helpers/wait.js';
import { withWallClockStepped } from '../helpers/wall-clock.js';

const crash = { type: 'Warning', reason: 'JobFailed', action: 'Restart', note: 'app exited 1' } as const;

/** A recorder about pod web-0 whose API takes every write; `writes` are their methods. */
function recorderAbout(seriesIntervalMs: number) {
  const writes: string[] = [];
  const api = { request: async (request: ApiRequest) => void writes.push(request.method) } as unknown as KubeApi;
  const recorder = new EventRecorder(api, { name: 'web-0', namespace: 'shop' }, seriesIntervalMs, () => [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0' }]);
  return { recorder, writes };
}

test('series updates are paced on the monotonic clock: a wall clock stepped back an hour does not hold them back', async () => {
  const { recorder, writes } = recorderAbout(50);
  recorder.record(crash);
  await recorder.flush();
  assert.deepEqual(writes, ['POST']);
  recorder.record(crash);
  await withWallClockStepped(-3_600_000, async () => {
    await sleep(100);
    await recorder.flush();
  });
  assert.deepEqual(writes, ['POST', 'PATCH'], 'the repeat, written as a series update once the interval has passed');
});

test('a repeat joins its series by the monotonic clock: a wall clock stepped forward past the series window does not start a new Event', async () => {
  const { recorder, writes } = recorderAbout(0);
  recorder.record(crash);
  await recorder.flush();
  await withWallClockStepped(31 * 60_000, async () => {
    recorder.record(crash);
    await recorder.flush();
  });
  assert.deepEqual(writes, ['POST', 'PATCH'], 'the repeat, written as a series update of the first Event');
});
