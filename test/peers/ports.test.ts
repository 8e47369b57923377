// The ports test peers run on: test files run as processes of their own, several at once, and
// each picks ports for the peers it starts a little later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePorts } from '../helpers/peers.js';

// Enough that two processes picking independently would share dozens (2000² / 16384 ≈ 240).
const COUNT = 2000;

test('a port another test process has picked, and not bound yet, is not picked again while that process lives', async () => {
  const helper = new URL('../helpers/peers.js', import.meta.url).href;
  // The other test file: picks its ports, then holds them (binds nothing) until it is killed.
  const other = spawn(process.execPath, ['--input-type=module', '-e', `const { freePorts } = await import(${JSON.stringify(helper)}); console.log(JSON.stringify(await freePorts(${COUNT}))); setInterval(() => undefined, 60_000);`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    other.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    while (!output.includes('\n')) await Promise.race([once(other.stdout, 'data'), once(other, 'exit').then(() => assert.fail(`the other process exited: ${output}`))]);
    const theirs = new Set(JSON.parse(output) as number[]);
    assert.equal(theirs.size, COUNT);
    const ours = await freePorts(COUNT);
    assert.equal(new Set(ours).size, COUNT);
    assert.deepEqual(ours.filter((port) => theirs.has(port)), []);
  } finally {
    other.kill('SIGKILL');
  }
});
