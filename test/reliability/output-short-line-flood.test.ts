// A hostile review: jobs writing one-character lines as fast as they can (`yes`) kept PID 1's event
// loop busy splitting and logging for seconds to a minute at a time: with 4 of them a control
// socket ping took 40–60 s, the 1 s periodic job ran every ~5 s and SIGTERM took 19.4 s to end
// pilotfish, past Docker's 10 s grace. Each job's output now gets a budget per turn of the loop,
// and the job waits in its full pipe meanwhile. Timings here are hang detectors, not speed tests:
// a loaded 2-core machine runs three test files at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfig } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

const FLOODS = 4;
const WATCHED_MS = 15_000;
/** Runs of the 1 s periodic job expected while it is watched: half of them, at least. */
const MIN_TICKS = 7;
/** The longest a ping may take: the old code took 40–60 s, a busy machine takes well under 1 s. */
const PING_LIMIT_MS = 5_000;
/** The floods' stop timeout; `yes` obeys SIGTERM at once, so pilotfish exits well within it. */
const STOP_TIMEOUT_MS = 5_000;

/** How long a ping over the control socket takes; Infinity when it takes more than `limitMs`. */
function pingTime(socketPath: string, limitMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const ping = request({ socketPath, path: '/v1/ping', timeout: limitMs }, (response) => {
      response.resume().on('end', () => resolve(response.statusCode === 200 ? performance.now() - started : Infinity));
    });
    ping.on('timeout', () => ping.destroy());
    ping.on('error', () => resolve(Infinity));
    ping.end();
  });
}

test(`${FLOODS} jobs flooding one-character lines: pings answer, a 1 s periodic job keeps its pace, SIGTERM ends pilotfish within the stop timeout`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-flood-'));
  const socket = join(dir, 'control.socket');
  const ticks = join(dir, 'ticks');
  const tickCount = () => {
    try {
      return readFileSync(ticks, 'utf8').length;
    } catch {
      return 0;
    }
  };
  const config = {
    // The floods' lines go nowhere: what is measured is pilotfish's own loop, not a reader's.
    logging: { output: '/dev/null' },
    jobs: [
      ...Array.from({ length: FLOODS }, (_, index) => ({ name: `flood-${index}`, exec: ['yes'], stopTimeout: `${STOP_TIMEOUT_MS}ms` })),
      // One byte per run.
      { name: 'tick', exec: ['sh', '-c', `printf x >> ${ticks}`], when: { interval: '1s' } },
    ],
  };
  const run = runConfig(JSON.stringify(config), { asPid1: true, env: { PILOTFISH_SOCKET: socket } });
  t.after(() => run.child.kill('SIGKILL'));
  // The first run of the periodic job: the floods have been going for a second by then.
  await waitFor(() => tickCount() > 0, 'the periodic job to run once', 30_000);

  const ticksBefore = tickCount();
  const watchedUntil = performance.now() + WATCHED_MS;
  const pings: number[] = [];
  while (performance.now() < watchedUntil) {
    pings.push(await pingTime(socket, PING_LIMIT_MS));
    await sleep(250);
  }
  const ticksWhileWatched = tickCount() - ticksBefore;

  const signalled = performance.now();
  run.signal('SIGTERM');
  const { code } = await run.exited;
  const stopMs = performance.now() - signalled;

  const slowest = Math.max(...pings);
  assert.ok(slowest < PING_LIMIT_MS, `the slowest of ${pings.length} pings took ${slowest === Infinity ? `over ${PING_LIMIT_MS}` : Math.round(slowest)} ms`);
  assert.ok(ticksWhileWatched >= MIN_TICKS, `the 1 s periodic job ran ${ticksWhileWatched} times in ${WATCHED_MS} ms`);
  assert.ok(stopMs < STOP_TIMEOUT_MS, `SIGTERM → exit took ${Math.round(stopMs)} ms`);
  assert.equal(code, 143, run.output());
});
