// The control socket file: private to its owner, a stale one from a crashed run replaced, a live
// one or a file that is not a socket never touched.
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnUnixSocket } from '../../src/control/unix-socket.js';
import { closeServer } from '../../src/http/listen.js';

function socketPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'pilotfish-socket-test-')), 'control.socket');
}

test('the socket is created with mode 0600 whatever the umask', async () => {
  const path = socketPath();
  const previous = process.umask(0o000);
  const server = createServer();
  try {
    await listenOnUnixSocket(server, path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(process.umask(previous), 0o000, 'the umask is restored');
  } finally {
    await closeServer(server);
  }
});

test('a stale socket file (its owner was killed) is replaced', async () => {
  const path = socketPath();
  const owner = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('listening'))`]);
  await new Promise((resolve) => owner.stdout.once('data', resolve));
  owner.kill('SIGKILL');
  await new Promise((resolve) => owner.once('exit', resolve));
  assert.ok(statSync(path).isSocket(), 'the stale socket file is there');

  const server = createServer();
  try {
    await listenOnUnixSocket(server, path);
    assert.ok(server.listening);
  } finally {
    await closeServer(server);
  }
});

test('a socket that another process listens on is left alone', async () => {
  const path = socketPath();
  const other = createNetServer();
  await new Promise<void>((resolve) => other.listen(path, resolve));
  try {
    await assert.rejects(listenOnUnixSocket(createServer(), path), /another process is listening on .*is another pilotfish running/);
  } finally {
    other.close();
  }
});

test('a file that is not a socket is never replaced', async () => {
  const path = socketPath();
  writeFileSync(path, 'precious');
  await assert.rejects(listenOnUnixSocket(createServer(), path), /exists and is not a socket/);
  assert.equal(readFileSync(path, 'utf8'), 'precious');
});

test('a path longer than a unix socket address holds is refused, not bound at a truncated name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-socket-test-'));
  const path = join(dir, `${'s'.repeat(120 - dir.length)}.socket`);
  const server = createServer();
  try {
    await assert.rejects(listenOnUnixSocket(server, path), { message: `${path} is ${Buffer.byteLength(path)} bytes long, over the limit of a unix socket path (107)` });
    assert.deepEqual(readdirSync(dir), [], 'no socket file under a truncated name');
    const fits = join(dir, 's'.repeat(107 - dir.length - 1));
    await listenOnUnixSocket(server, fits);
    assert.ok(statSync(fits).isSocket());
  } finally {
    await closeServer(server);
  }
});
