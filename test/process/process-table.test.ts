// The process table: which pids are ours (libuv reaps them) and so never the orphan reaper's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCodeOfSignal } from '../../src/process/exit-status.js';
import { ProcessTable } from '../../src/process/process-table.js';

test('a spawned pid is owned from the moment spawn returns until its exit is reported', async () => {
  const table = new ProcessTable();
  // Jobs get /dev/null for stdin: something that waits must not wait on it.
  const child = table.spawn({ argv: ['sleep', '1000'], env: process.env });
  const pid = child.pid;
  assert.ok(pid !== undefined);
  assert.equal(table.owns(pid), true);
  child.signalGroup('SIGTERM');
  assert.deepEqual(await child.exited, { code: exitCodeOfSignal('SIGTERM'), signal: 'SIGTERM' });
  assert.equal(table.owns(pid), false);
});

test('each table knows only its own children: nothing is shared through the module', async () => {
  const mine = new ProcessTable();
  const other = new ProcessTable();
  const child = mine.spawn({ argv: ['true'], env: process.env });
  assert.ok(child.pid !== undefined);
  assert.equal(other.owns(child.pid), false);
  assert.equal((await child.exited).code, 0);
});

test('a command that cannot start records nothing', async () => {
  const table = new ProcessTable();
  const child = table.spawn({ argv: ['/nonexistent/pilotfish-test-command'], env: process.env });
  assert.equal(child.pid, undefined);
  assert.match((await child.exited).spawnError ?? '', /ENOENT/);
});

test('128 + signal, from a name or from the number a wait status holds', () => {
  assert.equal(exitCodeOfSignal('SIGKILL'), 137);
  assert.equal(exitCodeOfSignal('SIGTERM'), 143);
  assert.equal(exitCodeOfSignal(11), 139);
});
