// Issue 10, high 6: the output kept per job is capped in bytes (100 KiB, as Pebble keeps), not
// 1000 lines of up to 64 Ki characters; `logs -n 1000` answers from that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

const JOBS = 3;

test('jobs printing 64 Ki lines: `logs -n 1000` answers about 100 KiB a job, not 64 MB', async () => {
  const jobs = Array.from({ length: JOBS }, (_, i) => ({
    name: `long-lines-${i}`,
    // 300 lines of 65 536 characters each, then quiet.
    exec: ['sh', '-c', 'head -c 19660800 /dev/zero | tr "\\\\0" y | fold -w 65536; echo; echo done; sleep 600'],
  }));
  const pilotfish = await startSupervisor(JSON.stringify({ logging: { level: 'warn' }, jobs }));
  try {
    await waitFor(
      async () => {
        const last = await pilotfish.call('GET', '/v1/logs?lines=1');
        return last.body.includes('"line":"done"') && (await pilotfish.call('GET', '/v1/logs?lines=1000')).body.split('"line":"done"').length === JOBS + 1;
      },
      'every job to have printed its lines',
      60_000,
      200,
    );
    const all = await pilotfish.call('GET', '/v1/logs?lines=1000');
    const lines = all.body.trim().split('\n');
    // Per job: the budget, plus one line that may overhang it, plus the JSON around each line.
    assert.ok(all.body.length < JOBS * 200 * 1024, `${all.body.length} bytes answered for ${lines.length} lines`);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line));
  } finally {
    await pilotfish.stop();
  }
});
