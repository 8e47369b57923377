// A benchmark run stopped by a signal (Ctrl-C, a test's hang detector) takes the supervisors it
// started down with it, jobs included, rather than leaving them running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.js';

const INSTANCE = fileURLToPath(new URL('../../bench/instance.js', import.meta.url));
const NODE_FLOOR = fileURLToPath(new URL('../../bench/supervisors/node-floor.js', import.meta.url));
const PROC = fileURLToPath(new URL('../../bench/proc.js', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`a harness stopped by ${signal} kills the supervisor it is measuring and its jobs, and removes its scratch directory`, async () => {
    // A harness in the middle of a scenario: a supervisor running two jobs, and a body that waits.
    const script = `
      import { withInstance } from ${JSON.stringify(INSTANCE)};
      import { nodeFloor } from ${JSON.stringify(NODE_FLOOR)};
      import { processTree } from ${JSON.stringify(PROC)};
      await withInstance(nodeFloor, { count: 2 }, async (instance) => {
        await instance.started(2, 20_000);
        console.log(JSON.stringify({ dir: instance.dir, pids: processTree(instance.pid).map((process) => process.pid) }));
        await new Promise(() => setInterval(() => undefined, 1000));
      });
    `;
    const harness = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    harness.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => harness.once('exit', (code) => resolve(code)));
    await waitFor(() => output.includes('\n'), 'the harness to report its supervisor', 20_000);
    const { dir, pids } = JSON.parse(output) as { dir: string; pids: number[] };
    assert.ok(pids.length >= 3, `the supervisor and its two jobs: ${pids.join(', ')}`);

    harness.kill(signal);
    assert.equal(await exited, signal === 'SIGINT' ? 130 : 143);
    // The jobs are SIGKILLed; their zombies are reaped by whoever inherits them, so wait for that.
    await waitFor(() => pids.every((pid) => !alive(pid)), () => `every process gone (alive: ${pids.filter(alive).join(', ')})`);
    assert.equal(existsSync(dir), false, `${dir} was left behind`);
  });
}
