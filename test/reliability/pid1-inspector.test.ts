// SIGUSR1 makes Node open its inspector on 127.0.0.1:9229 (anyone who reaches it runs code as
// pilotfish, root), from Node's first instruction until a JavaScript handler replaces Node's.
// The `pilotfish` executable starts Node so that no inspector can ever start; this sends SIGUSR1
// at every 5 ms from 0 to 300 ms after exec, as PID 1 and not, and then knocks on 9229.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accepts, inBatches, launch, sleep } from './pid1-launch.js';

const INSPECTOR_PORT = 9229;
const DELAYS_MS = Array.from({ length: 61 }, (_, index) => index * 5);
const CONFIG = `{ jobs: [{ name: "app", exec: "sleep 60" }] }`;

for (const asPid1 of [false, true]) {
  test(`SIGUSR1 at 0..300 ms after exec never opens the inspector (${asPid1 ? 'as PID 1' : 'not PID 1'})`, async (t) => {
    assert.equal(await accepts(INSPECTOR_PORT), false, `something already listens on ${INSPECTOR_PORT}`);
    const killedDuringNodeStart: number[] = [];
    await inBatches(DELAYS_MS, 4, async (delay) => {
      const run = launch(CONFIG, { asPid1 });
      const target = await run.target();
      await sleep(delay);
      process.kill(target, 'SIGUSR1');
      const outcome = await Promise.race([run.waitForLine(/\[app\] started/).then(() => 'running' as const), run.exited]);
      // An inspector would be listening within moments of the signal; give it longer than that.
      await sleep(100);
      assert.equal(await accepts(INSPECTOR_PORT), false, `the inspector opened after SIGUSR1 at +${delay} ms:\n${run.output()}`);
      if (outcome === 'running') {
        process.kill(target, 'SIGTERM');
        assert.deepEqual(await run.exited, { code: 143, signal: null }, run.output());
      } else {
        // Only possible before Node has installed any handler, i.e. before any JavaScript ran.
        assert.ok(!asPid1, `PID 1 died of SIGUSR1 at +${delay} ms: ${JSON.stringify(outcome)}\n${run.output()}`);
        assert.deepEqual(outcome, { code: null, signal: 'SIGUSR1' }, run.output());
        await assert.rejects(run.javascript, /exited before running JavaScript/);
        killedDuringNodeStart.push(delay);
      }
    });
    t.diagnostic(`${process.version}: inspector closed after each of ${DELAYS_MS.length} SIGUSR1s; killed by it while Node itself was starting: ${killedDuringNodeStart.length ? killedDuringNodeStart.join(', ') + ' ms' : 'none'}`);
  });
}
