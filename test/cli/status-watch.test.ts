// `pilotfish status -w` against a real supervisor, with stdout a pipe (not a terminal): a new table
// each interval, exit 0 on Ctrl-C, and a clear line with exit 1 when pilotfish goes away.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSupervisor } from '../helpers/control.js';
import { runPilotfish } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const CONFIG = `{ jobs: [{ name: "app", exec: "sleep 600", stopTimeout: "1s" }] }`;
const HEADING = /^JOB\s+STATE\s+HEALTH/;

describe('pilotfish status --watch', () => {
  it('prints a new table every interval, without clearing a screen it does not have, and exits 0 on Ctrl-C', async () => {
    const pilotfish = await startSupervisor(CONFIG);
    try {
      const watch = runPilotfish({ args: ['status', '-w', '--interval', '200ms'], env: { PILOTFISH_SOCKET: pilotfish.socket } });
      await waitFor(() => watch.lines.filter((line) => HEADING.test(line)).length >= 2, `two tables in:\n${watch.output()}`, 15_000);
      watch.signal('SIGINT');
      assert.deepEqual(await watch.exited, { code: 0, signal: null });
      const output = watch.output();
      assert.doesNotMatch(output, /\u001b/, 'no escape sequences into a pipe');
      assert.match(output, /^every 200ms: pilotfish status {2}· {2}\d\d:\d\d:\d\d$/m);
      assert.match(output, /^app\s+running\s+-\s+\d+\s+0\s/m);
    } finally {
      await pilotfish.stop();
    }
  });

  it('ends with exit 1 and a line saying so when pilotfish goes away', async () => {
    const pilotfish = await startSupervisor(CONFIG);
    const watch = runPilotfish({ args: ['status', '--watch', '--interval', '200ms'], env: { PILOTFISH_SOCKET: pilotfish.socket } });
    try {
      await watch.waitForLine(HEADING, 15_000);
    } finally {
      await pilotfish.stop();
    }
    assert.equal((await watch.exited).code, 1);
    assert.match(watch.output(), new RegExp(`^pilotfish went away: cannot reach pilotfish at ${pilotfish.socket}: `, 'm'));
  });

  it('refuses an interval that is not a duration, or too short to spare PID 1', async () => {
    for (const interval of ['soon', '1ms']) {
      const run = runPilotfish({ args: ['status', '-w', '--interval', interval], env: { PILOTFISH_SOCKET: '/nonexistent/control.socket' } });
      assert.equal((await run.exited).code, 2);
      assert.match(run.output(), new RegExp(`^pilotfish status: --interval must be a duration of at least 100ms such as "2s" or "500ms", got "${interval}"`));
    }
  });
});
