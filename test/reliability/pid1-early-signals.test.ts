// Signals in the first half second, before the supervisor exists. Not as PID 1, SIGHUP, SIGUSR1
// and SIGUSR2 used to kill pilotfish (exit 129/138/140) until its handlers were installed, late in
// start-up. Now they are held from pilotfish's first JavaScript and acted on once it can.
// The delays count from that moment (see pid1-launch.ts): before it, Node itself is starting, and
// a signal then meets Node's default action whatever the program does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inBatches, launch, sleep } from './pid1-launch.js';

const DELAYS_MS = Array.from({ length: 11 }, (_, index) => index * 50);

const CONFIG = `{
  jobs: [
    { name: "app", exec: "sleep 60" },
    { name: "on-hup", exec: "echo hup hook ran", when: { source: "SIGHUP" } },
    { name: "on-usr2", exec: "echo usr2 hook ran", when: { source: "SIGUSR2" } },
  ],
}`;

const ACTED_ON: Record<string, RegExp> = {
  SIGHUP: /\[on-hup\] hup hook ran/,
  SIGUSR2: /\[on-usr2\] usr2 hook ran/,
  SIGUSR1: /log output reopened \(SIGUSR1\)/,
};

for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) {
  test(`${signal} at 0..500 ms after start-up neither kills pilotfish nor is lost`, async (t) => {
    await inBatches(DELAYS_MS, 3, async (delay) => {
      const run = launch(CONFIG);
      await run.javascript;
      await sleep(delay);
      process.kill(await run.target(), signal);
      await run.waitForLine(ACTED_ON[signal]!).catch(async (error: Error) => {
        run.child.kill('SIGKILL');
        throw new Error(`${signal} at +${delay} ms: ${JSON.stringify(await run.exited)}; ${error.message}`);
      });
      await run.waitForLine(/\[app\] started/);
      process.kill(await run.target(), 'SIGTERM');
      assert.deepEqual(await run.exited, { code: 143, signal: null }, `${signal} at +${delay} ms:\n${run.output()}`);
    });
    t.diagnostic(`survived and acted on ${signal} at each of ${DELAYS_MS.join(', ')} ms`);
  });
}

test('SIGTERM during start-up stops pilotfish cleanly; one that came before the jobs existed starts none', async (t) => {
  const startedNothing: number[] = [];
  await inBatches(DELAYS_MS, 3, async (delay) => {
    const run = launch(CONFIG);
    await run.javascript;
    await sleep(delay);
    process.kill(await run.target(), 'SIGTERM');
    assert.deepEqual(await run.exited, { code: 143, signal: null }, `SIGTERM at +${delay} ms:\n${run.output()}`);
    const held = /SIGTERM arrived while pilotfish was starting/.test(run.output());
    const jobStarted = /\[app\] started/.test(run.output());
    if (held) assert.equal(jobStarted, false, `SIGTERM at +${delay} ms:\n${run.output()}`);
    if (!jobStarted) startedNothing.push(delay);
  });
  // At +0 ms the supervisor is far from starting jobs, on any machine.
  assert.ok(startedNothing.includes(0), 'a SIGTERM right at start-up still let a job start');
  t.diagnostic(`SIGTERM at ${startedNothing.join(', ')} ms came before the jobs existed, and none started`);
});
