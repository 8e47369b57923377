// What a job forks lives in the job's process group and goes with it: when pilotfish stops the
// job, and before it starts the job again. The real `pilotfish run`, real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

/** Running, not a zombie (an orphan that died may wait a moment for whoever reaps it). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pids a job printed as `child=<pid>`, in order. */
const children = (lines: string[]) => lines.flatMap((line) => /\] child=(\d+)/.exec(line)?.[1] ?? []).map(Number);

/** Should an assertion fail, the processes under test must not linger. */
function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

test('stopping a job stops what it forked too, escalating to SIGKILL for a member that ignores the stop signal', async () => {
  // The job's own process goes on SIGTERM; its child ignores SIGTERM and stays.
  const run = runConfig(`{
    jobs: [
      { name: "forker", exec: ["sh", "-c", "(trap '' TERM; echo trapped; exec sleep 1000) & echo child=$!; exec sleep 1000"], stopTimeout: "300ms" },
    ],
  }`);
  try {
    await run.waitForLine(/\[forker\] child=\d+/);
    // Once the child ignores SIGTERM: before its `trap`, SIGTERM would end it and no SIGKILL be needed.
    await run.waitForLine(/\[forker\] trapped/);
    const [child] = children(run.lines) as [number];
    run.signal('SIGTERM');
    assert.equal((await run.exited).code, 143);
    assert.match(run.output(), /\[forker\] did not stop within 300 ms of SIGTERM: sending SIGKILL/);
    assert.equal(alive(child), false, run.output());
  } finally {
    killAll(children(run.lines));
  }
});

test("a job's process that died leaves no survivor of its group once pilotfish stops the job", async () => {
  const run = runConfig(`{
    jobs: [
      { name: "forker", exec: "sh -c 'sleep 1000 & echo child=$!; exec sleep 1000'" },
      { name: "app", exec: "sleep 1000" },
    ],
  }`);
  try {
    const started = await run.waitForLine(/\[forker\] started/);
    await run.waitForLine(/\[forker\] child=\d+/);
    const [child] = children(run.lines) as [number];
    // The job's own process dies; the child it forked stays in the group.
    process.kill(Number(/pid=(\d+)/.exec(started)?.[1]), 'SIGKILL');
    await run.waitForLine(/\[forker\] killed by SIGKILL/);
    assert.equal(alive(child), true, 'the child outlived the job process');
    run.signal('SIGTERM');
    assert.equal((await run.exited).code, 143);
    assert.match(run.output(), /\[forker\] stopping the processes its last run left in its process group/);
    assert.equal(alive(child), false, run.output());
  } finally {
    killAll(children(run.lines));
  }
});

test('a crashed job is restarted only after what its last run forked is killed', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "crasher", exec: "sh -c 'sleep 1000 & echo child=$!; exit 1'", restarts: 1, backoff: { delay: "10ms" } },
    ],
  }`);
  try {
    await waitFor(() => children(run.lines).length === 2, `two runs in:\n${run.output()}`, 10_000);
    const [first] = children(run.lines) as [number, number];
    const killed = run.lines.findIndex((line) => /\[crasher\] killing the processes its previous run left/.test(line));
    const starts = run.lines.flatMap((line, index) => (/\[crasher\] started/.test(line) ? [index] : []));
    const secondStart = starts[1] ?? -1;
    assert.ok(killed >= 0 && killed < secondStart, run.output());
    await waitFor(() => !alive(first), 'the first run\'s child to be gone');
    // The second run crashes too and the job fails for good; pilotfish stops what it left and exits.
    assert.equal((await run.exited).code, 1);
    assert.deepEqual(children(run.lines).filter(alive), [], run.output());
  } finally {
    killAll(children(run.lines));
  }
});
