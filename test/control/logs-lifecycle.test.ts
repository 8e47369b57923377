// `pilotfish logs JOB` tells the job's story: pilotfish's own lines about it (started, exited,
// restarting, healthy, failed for good) among its output, in the order they happened, from a real
// supervisor running real processes; and `--follow` streams them as they come.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { runPilotfish } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

describe('pilotfish logs with lifecycle lines', () => {
  let pilotfish: RunningSupervisor;
  const logs = async (...args: string[]) => {
    const run = runPilotfish({ args: ['logs', ...args], env: { PILOTFISH_SOCKET: pilotfish.socket } });
    const { code } = await run.exited;
    return { code, lines: run.lines };
  };
  before(async () => {
    pilotfish = await startSupervisor(`{
      jobs: [
        { name: "crashy", exec: "sh -c 'echo hello from $$; exit 3'", restarts: 1, backoff: { delay: "100ms" } },
        { name: "looper", exec: "sh -c 'echo tick; exit 3'", restarts: "unlimited", backoff: { delay: "300ms", factor: 1, limit: "300ms" } },
        { name: "checked", exec: "sleep 60", stopTimeout: "1s", health: { exec: "echo fine", interval: "200ms", timeout: "5s" } },
        { name: "sick", exec: "sleep 60", stopTimeout: "1s", health: { exec: "sh -c 'echo first; echo second; exit 1'", interval: "200ms", timeout: "5s" } },
      ],
    }`);
  });
  after(() => pilotfish.stop());

  it('interleaves started, exited with code 3, restarting and failed with the output of each run', async () => {
    await waitFor(async () => (await pilotfish.call('GET', '/v1/status')).json.jobs.find((job: { name: string }) => job.name === 'crashy').state === 'failed', 'crashy to fail for good', 15_000);
    const { code, lines } = await logs('crashy');
    assert.equal(code, 0);
    const story = lines.map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''));
    const firstPid = /^pilotfish\[crashy\]: started: .* \(pid (\d+)\)$/.exec(story[0] ?? '')?.[1];
    const secondPid = /^pilotfish\[crashy\]: started: .* \(pid (\d+)\)$/.exec(story[4] ?? '')?.[1];
    assert.ok(firstPid && secondPid, story.join('\n'));
    assert.deepEqual(story, [
      story[0],
      `[crashy] hello from ${firstPid}`,
      `pilotfish[crashy]: exited with code 3 (pid ${firstPid})`,
      story[3],
      story[4],
      `[crashy] hello from ${secondPid}`,
      `pilotfish[crashy]: exited with code 3 (pid ${secondPid})`,
      'pilotfish[crashy]: failed, no restarts left',
    ]);
    assert.match(story[3] ?? '', /^pilotfish\[crashy\]: restarting in \d+ ms$/);
    assert.ok(lines.every((line) => line.startsWith('20')), 'every line has its time');
  });

  it('--no-lifecycle prints the output alone, and the API leaves lifecycle lines out unless asked', async () => {
    await waitFor(async () => (await pilotfish.call('GET', '/v1/status')).json.jobs.find((job: { name: string }) => job.name === 'crashy').state === 'failed', 'crashy to fail for good', 15_000);
    const { code, lines } = await logs('crashy', '--no-lifecycle');
    assert.equal(code, 0);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.ok(lines.every((line) => /^\S+ \[crashy\] hello from \d+$/.test(line)), lines.join('\n'));
    const plain = await pilotfish.call('GET', '/v1/logs?job=crashy');
    assert.deepEqual(plain.body.trim().split('\n').map((line) => JSON.parse(line).stream), ['stdout', 'stdout']);
    const withLifecycle = await pilotfish.call('GET', '/v1/logs?job=crashy&lifecycle=true');
    const exited = withLifecycle.body.trim().split('\n').map((line) => JSON.parse(line)).find((line) => /^exited/.test(line.line));
    assert.deepEqual(Object.keys(exited).sort(), ['job', 'line', 'pid', 'stream', 'time']);
    assert.equal(exited.stream, 'pilotfish');
  });

  it('shows health turning healthy, with the check output', async () => {
    await waitFor(async () => (await logs('checked')).lines.some((line) => / pilotfish\[checked\]: is healthy: fine$/.test(line)), 'the healthy line', 15_000, 200);
  });

  it("prefixes every line of a multi-line lifecycle line, so a check's output cannot pass for the job's", async () => {
    const story = await waitFor(async () => {
      const { lines } = await logs('sick');
      return lines.some((line) => line.includes('is unhealthy')) ? lines : undefined;
    }, 'the unhealthy line', 15_000, 200);
    assert.ok(story.length > 1, story.join('\n'));
    assert.ok(story.every((line) => /^\S+Z pilotfish\[sick\]: /.test(line)), story.join('\n'));
    assert.ok(story.some((line) => line.endsWith(': second')), story.join('\n'));
  });

  it('--follow streams a restart: the exit, the restart and the new run, in order', async () => {
    const follow = runPilotfish({ args: ['logs', 'looper', '-f', '-n', '0'], env: { PILOTFISH_SOCKET: pilotfish.socket } });
    try {
      await follow.waitForLine(/ pilotfish\[looper\]: restarting in \d+ ms$/, 15_000);
      const from = follow.lines.findIndex((line) => / pilotfish\[looper\]: restarting in/.test(line));
      await waitFor(() => follow.lines.slice(from).some((line) => / \[looper\] tick$/.test(line)), `a new run's output in:\n${follow.output()}`, 15_000);
      const next = follow.lines.slice(from + 1);
      const started = next.findIndex((line) => / pilotfish\[looper\]: started: .* \(pid \d+\)$/.test(line));
      const tick = next.findIndex((line) => / \[looper\] tick$/.test(line));
      assert.ok(started >= 0 && started < tick, follow.output());
    } finally {
      follow.signal('SIGINT');
      await follow.exited;
    }
  });
});
