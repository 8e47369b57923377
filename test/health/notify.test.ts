import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNotifySocket, parseNotifyMessage, type NotifyFields } from '../../src/health/notify.js';
import { waitFor } from '../helpers/wait.js';

/** Sends each message as one datagram to $NOTIFY_SOCKET, from a real child process, as an app would. */
function sendFromChild(socketPath: string, ...messages: string[]): Promise<number | null> {
  const script = 'import os, socket, sys\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\nfor m in sys.argv[1:]: s.sendto(m.encode(), os.environ["NOTIFY_SOCKET"])';
  const child = spawn('python3', ['-c', script, ...messages], { env: { ...process.env, NOTIFY_SOCKET: socketPath }, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

/** The inode of the unix socket bound at `path`, from /proc/net/unix. */
function socketInode(path: string): string | undefined {
  const line = readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .find((entry) => entry.endsWith(` ${path}`));
  return line?.trim().split(/\s+/)[6];
}

describe('parseNotifyMessage', () => {
  it('reads newline-separated assignments, keeping `=` inside values', () => {
    assert.deepEqual(parseNotifyMessage('READY=1\nSTATUS=listening on port=8080\nMAINPID=42\n'), {
      READY: '1',
      STATUS: 'listening on port=8080',
      MAINPID: '42',
    });
  });

  it('ignores lines without a key, and lets a repeated key keep its last value', () => {
    assert.deepEqual(parseNotifyMessage('garbage\n=nokey\n\nSTATUS=a\nSTATUS=b'), { STATUS: 'b' });
  });

  it('keeps a __proto__ key as plain data', () => {
    const fields = parseNotifyMessage('__proto__=x\nREADY=1');
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, 'x');
  });
});

describe('openNotifySocket', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-notify-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('receives what an app sends to NOTIFY_SOCKET, one message per datagram', async () => {
    const messages: NotifyFields[] = [];
    const socket = await openNotifySocket(join(dir, 'app.sock'), (fields) => messages.push(fields));
    try {
      assert.equal(await sendFromChild(socket.path, 'READY=1\nSTATUS=up', 'STATUS=serving', 'STOPPING=1'), 0);
      await waitFor(() => messages.length >= 3, '3 messages');
      assert.deepEqual(messages, [{ READY: '1', STATUS: 'up' }, { STATUS: 'serving' }, { STOPPING: '1' }]);
    } finally {
      await socket.close();
    }
  });

  it('understands systemd-notify', async () => {
    assert.equal(spawnSync('systemd-notify', ['--version']).status, 0, 'systemd-notify (Debian package systemd) must be installed; .ci/run installs it');
    const messages: NotifyFields[] = [];
    const socket = await openNotifySocket(join(dir, 'systemd.sock'), (fields) => messages.push(fields));
    try {
      // Asynchronously: systemd-notify waits for the receiver to take the message (BARRIER=1),
      // which it cannot while spawnSync blocks this event loop.
      const child = spawn('systemd-notify', ['--ready', '--status=warming up'], { env: { ...process.env, NOTIFY_SOCKET: socket.path }, stdio: 'inherit' });
      assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
      await waitFor(() => messages.length >= 1, 'a message');
      assert.equal(messages[0]?.READY, '1');
      assert.equal(messages[0]?.STATUS, 'warming up');
    } finally {
      await socket.close();
    }
  });

  it('keeps the messages of two jobs apart', async () => {
    const received: string[] = [];
    const first = await openNotifySocket(join(dir, 'first.sock'), (fields) => received.push(`first:${fields.STATUS}`));
    const second = await openNotifySocket(join(dir, 'second.sock'), (fields) => received.push(`second:${fields.STATUS}`));
    try {
      await sendFromChild(second.path, 'STATUS=b');
      await sendFromChild(first.path, 'STATUS=a');
      await waitFor(() => received.length >= 2, '2 messages');
      assert.deepEqual(received.sort(), ['first:a', 'second:b']);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('drops a datagram longer than systemd accepts and goes on receiving', async () => {
    const messages: NotifyFields[] = [];
    const socket = await openNotifySocket(join(dir, 'long.sock'), (fields) => messages.push(fields));
    try {
      await sendFromChild(socket.path, `STATUS=${'x'.repeat(5000)}`, 'READY=1');
      await waitFor(() => messages.length >= 1, 'a message');
      await sendFromChild(socket.path, 'STATUS=last');
      await waitFor(() => messages.length >= 2, 'a second message');
      assert.deepEqual(messages, [{ READY: '1' }, { STATUS: 'last' }]);
    } finally {
      await socket.close();
    }
  });

  it('replaces a stale socket file left at the path', async () => {
    const path = join(dir, 'stale.sock');
    const leftBehind = spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(${JSON.stringify(path)})`]);
    assert.equal(leftBehind.status, 0, leftBehind.stderr.toString());
    assert.ok(existsSync(path));
    const messages: NotifyFields[] = [];
    const socket = await openNotifySocket(path, (fields) => messages.push(fields));
    try {
      await sendFromChild(path, 'READY=1');
      await waitFor(() => messages.length >= 1, 'a message');
    } finally {
      await socket.close();
    }
  });

  it('refuses to replace a file that is not a socket', async () => {
    const path = join(dir, 'precious.txt');
    writeFileSync(path, 'keep me');
    await assert.rejects(openNotifySocket(path, () => undefined), /exists and is not a socket/);
    assert.equal(readFileSync(path, 'utf8'), 'keep me');
  });

  it('refuses a path too long for a unix socket', async () => {
    await assert.rejects(openNotifySocket(join(dir, 'x'.repeat(120)), () => undefined), /longer than 107 bytes/);
  });

  it('fails with the system error when it cannot bind', async () => {
    await assert.rejects(openNotifySocket(join(dir, 'no-such-dir', 'app.sock'), () => undefined), { code: 'ENOENT', message: /bind .*: ENOENT/ });
  });

  it('lets processes of any user send to it (apps that drop root before they are ready)', async (t) => {
    assert.equal(process.getuid?.(), 0, 'the tests run as root (as the PID 1 tests do), to send as another user');
    const shared = mkdtempSync(join(tmpdir(), 'pilotfish-notify-shared-'));
    chmodSync(shared, 0o755);
    t.after(() => rmSync(shared, { recursive: true, force: true }));
    const messages: NotifyFields[] = [];
    const socket = await openNotifySocket(join(shared, 'app.sock'), (fields) => messages.push(fields));
    try {
      const script = 'import os, socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])';
      const child = spawn('python3', ['-c', script], { uid: 65534, gid: 65534, env: { ...process.env, NOTIFY_SOCKET: socket.path }, stdio: 'inherit' });
      assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
      await waitFor(() => messages.length >= 1, 'a message from user 65534');
    } finally {
      await socket.close();
    }
  });

  it('removes its file on close, and close is idempotent', async () => {
    const socket = await openNotifySocket(join(dir, 'closing.sock'), () => undefined);
    assert.ok(existsSync(socket.path));
    await socket.close();
    assert.ok(!existsSync(socket.path));
    await socket.close();
  });

  it('does not remove a newer socket bound at the same path', async () => {
    const path = join(dir, 'reused.sock');
    const old = await openNotifySocket(path, () => undefined);
    const messages: NotifyFields[] = [];
    const replacement = await openNotifySocket(path, (fields) => messages.push(fields));
    try {
      await old.close();
      assert.ok(existsSync(path));
      await sendFromChild(path, 'READY=1');
      await waitFor(() => messages.length >= 1, 'a message on the newer socket');
    } finally {
      await replacement.close();
    }
  });

  it('is not inherited by the processes pilotfish spawns', async () => {
    const socket = await openNotifySocket(join(dir, 'private.sock'), () => undefined);
    try {
      const inode = socketInode(socket.path);
      assert.ok(inode, 'the socket is listed in /proc/net/unix');
      const ours = readdirSync('/proc/self/fd').map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      });
      assert.ok(ours.includes(`socket:[${inode}]`), 'this process holds the socket');
      const child = spawnSync('/bin/sh', ['-c', 'for fd in /proc/$$/fd/*; do readlink "$fd"; done']);
      assert.doesNotMatch(child.stdout.toString(), new RegExp(`socket:\\[${inode}\\]`));
    } finally {
      await socket.close();
    }
  });
});
