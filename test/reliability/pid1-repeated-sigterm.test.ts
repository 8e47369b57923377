// Issue 12 item 5: `timeout`, a shell's process group or a runtime that signals the group as well
// as the child deliver the same SIGTERM twice within milliseconds. That is one request for a
// graceful stop; only a deliberate repeat, a second or more later, means "kill everything now".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConfig, type PilotfishRun } from '../helpers/pilotfish.js';
import { sleep } from '../helpers/wait.js';

// Takes 1.5 s to stop after SIGTERM, and says so.
const SLOW_TO_STOP = `{
  jobs: [{
    name: "app",
    exec: ["sh", "-c", "trap 'echo stopping gracefully; sleep 1.5; echo stopped gracefully; exit 0' TERM; echo ready; while :; do sleep 0.1; done"],
    stopTimeout: "20s",
  }],
}`;

// A loaded machine can take seconds to start pilotfish; a failed test must not leave it running.
function start(t: { after(fn: () => void): void }): PilotfishRun {
  const run = runConfig(SLOW_TO_STOP);
  t.after(() => run.child.kill('SIGKILL'));
  return run;
}

test('two SIGTERMs within milliseconds still stop gracefully', async (t) => {
  const run = start(t);
  await run.waitForLine(/\[app\] ready/, 30_000);
  run.signal('SIGTERM');
  // The kernel merges a second SIGTERM still pending with the first: send it once the first is taken.
  await run.waitForLine(/shutting down \(SIGTERM\)/);
  run.signal('SIGTERM');
  await run.exited;
  assert.match(run.output(), /\[app\] stopped gracefully/);
  assert.match(run.output(), /SIGTERM again within 1000 ms of the first stop signal/);
  assert.doesNotMatch(run.output(), /killing every job now/);
});

test('a SIGTERM repeated a second later kills every job at once', async (t) => {
  const run = start(t);
  await run.waitForLine(/\[app\] ready/, 30_000);
  run.signal('SIGTERM');
  await run.waitForLine(/\[app\] stopping gracefully/);
  await sleep(1100);
  run.signal('SIGTERM');
  await run.exited;
  assert.match(run.output(), /killing every job now/);
  assert.doesNotMatch(run.output(), /\[app\] stopped gracefully/);
});
