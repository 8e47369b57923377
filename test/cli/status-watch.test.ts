// `pilotfish status -w` against a real supervisor: with stdout a pipe, a new table each interval;
// on a real terminal (a pty of util-linux's `script`), redrawn in place within its width; exit 0
// on Ctrl-C, and a clear line with exit 1 when pilotfish goes away.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startSupervisor } from '../helpers/control.js';
import { CLI, runPilotfish } from '../helpers/pilotfish.js';
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

  it('on a terminal, clears and redraws within its width, and Ctrl-C typed there ends it with exit 0', async () => {
    const longCheck = 'upstream answered: '.padEnd(120, 'x');
    const pilotfish = await startSupervisor(`{ jobs: [{ name: "app", exec: "sleep 600", stopTimeout: "1s", health: { exec: "echo ${longCheck}", interval: "200ms", timeout: "5s" } }] }`);
    try {
      const terminal = spawn('script', ['-q', '-e', '-c', `stty cols 80 rows 40; exec ${process.execPath} ${CLI} status -w --interval 200ms`, '/dev/null'], {
        env: { ...process.env, PILOTFISH_SOCKET: pilotfish.socket },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      terminal.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
      const closed = once(terminal, 'close');
      const CLEAR = '\u001b[H\u001b[2J';
      await waitFor(() => screen.split(CLEAR).slice(1, -1).some((drawn) => /^app .*healthy/m.test(drawn)), `a full screen with app healthy in:\n${screen}`, 15_000);
      terminal.stdin.write('\u0003');
      const [code] = await closed;
      assert.equal(code, 0, screen);
      const drawn = screen.split(CLEAR).slice(1, -1).find((text) => /^app .*healthy/m.test(text)) ?? '';
      const lines = drawn.split(/\r?\n/).filter(Boolean);
      for (const line of lines) assert.ok(line.length <= 80, `${line.length} > 80: ${line}`);
      // Where the check's words are cut depends on the pid's width: only that they are, with an ellipsis.
      assert.match(lines.find((line) => line.startsWith('app ')) ?? '', /^app\s+running\s+healthy\s+\d+\s+0\s+\S+\s+-\s+ok: upstream [^…]*…$/);
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
