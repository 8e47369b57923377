// Control-socket squatting: in a directory other users can write, one of them (here the real
// user `nobody`) binds the control socket's path first, or serves a socket that looks like root's.
// The supervisor must refuse such a path, and the CLI must send nothing (`env set` carries
// secrets) to a socket that is not root's or its own, nor served by a process that is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfig, runPilotfish } from '../helpers/pilotfish.js';

const NOBODY = 65534;

function directory(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-squat-'));
  chmodSync(dir, mode);
  return dir;
}

// Listens on a unix socket and reports every byte a client sends it.
const SQUATTER = join(directory(0o755), 'squatter.cjs');
writeFileSync(
  SQUATTER,
  `let received = 0;
  require('node:net').createServer((socket) => socket.on('data', (chunk) => { received += chunk.length; console.log('received ' + received); }))
    .listen(process.argv[2], () => console.log('listening'));\n`,
);
chmodSync(SQUATTER, 0o644);

interface Squatter {
  process: ChildProcess;
  received(): number;
}

async function squatAs(uid: number, path: string): Promise<Squatter> {
  const child = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, SQUATTER, path]);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.includes('listening') && resolve());
    child.once('exit', () => reject(new Error(`the squatter did not start: ${output}`)));
  });
  return { process: child, received: () => Math.max(0, ...[...output.matchAll(/received (\d+)/g)].map((match) => Number(match[1]))) };
}

async function envSet(socket: string): Promise<{ code: number | null; output: string }> {
  const cli = runPilotfish({ args: ['env', 'set', 'DB_PASSWORD=hunter2', '--socket', socket] });
  // A CLI that did send waits for an answer the squatter never gives.
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
  const { code } = await cli.exited;
  clearTimeout(timer);
  return { code, output: cli.output() };
}

test('a socket another user bound first: the supervisor leaves it, and the CLI sends it nothing', async (t) => {
  const socket = join(directory(0o1777), 'control.socket');
  const squatter = await squatAs(NOBODY, socket);
  t.after(() => squatter.process.kill());

  const run = runConfig(`{ jobs: [{ name: "app", exec: "sleep 60" }] }`, { env: { PILOTFISH_SOCKET: socket } });
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitForLine(/no control socket: .*belongs to uid 65534.*refusing to use or replace another user's socket/, 30_000);
  await run.waitForLine(/\[app\] started/, 30_000);

  const cli = await envSet(socket);
  assert.equal(cli.code, 1, cli.output);
  assert.match(cli.output, /refusing to talk to .*control\.socket: .*belongs to uid 65534/);
  assert.equal(squatter.received(), 0, 'the squatter received bytes');
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
});

test('a directory other users can write without the sticky bit: the supervisor refuses to create its socket there', async (t) => {
  const socket = join(directory(0o777), 'control.socket');
  const run = runConfig(`{ jobs: [{ name: "app", exec: "sleep 60" }] }`, { env: { PILOTFISH_SOCKET: socket } });
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitForLine(/no control socket: refusing to create .*control\.socket: .* is writable by other users and not sticky/, 30_000);
  await run.waitForLine(/\[app\] started/, 30_000);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
});

test("where another user can swap the socket file, one that passes for root's but is served by that user: the CLI checks the peer and sends nothing", async (t) => {
  // In a directory anyone may write (no sticky bit), the file can be swapped between the CLI's
  // check and its connect; here it simply passes for root's (chown) while nobody serves it.
  const socket = join(directory(0o777), 'control.socket');
  const squatter = await squatAs(NOBODY, socket);
  t.after(() => squatter.process.kill());
  chownSync(socket, 0, 0);

  const cli = await envSet(socket);
  assert.equal(cli.code, 1, cli.output);
  assert.match(cli.output, /refusing to talk to .*control\.socket: it is served by a process of uid 65534/);
  assert.equal(squatter.received(), 0, 'the squatter received bytes');
});
