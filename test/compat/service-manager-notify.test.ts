// pilotfish started with NOTIFY_SOCKET set for it (systemd's Type=notify): READY=1 once its jobs
// are up and healthy, STATUS= lines, STOPPING=1 at shutdown, received on a real unix datagram
// socket; the socket is pilotfish's own and never reaches its jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receiveUnixDatagrams } from '../../src/health/unix-datagram.js';
import { socketAddress } from '../../src/supervisor/service-manager-notify.js';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const SEND_READY = `import os, socket
open(os.environ["ENV_FILE"], "w").write(os.environ.get("NOTIFY_SOCKET", ""))
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
import time; time.sleep(30)`;

test('READY=1 waits for the jobs to be healthy; STATUS= follows; STOPPING=1 at shutdown; jobs never see the socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-sd-'));
  const socket = join(dir, 'notify');
  const gate = join(dir, 'gate');
  const messages: string[] = [];
  const receiver = await receiveUnixDatagrams(socket, (datagram) => messages.push(datagram.toString()));
  t.after(() => receiver.close());
  const run = runConfig(
    JSON.stringify({
      jobs: [
        { name: 'app', exec: ['sleep', '30'], health: { exec: ['test', '-f', gate], interval: '200ms', timeout: '5s' } },
        { name: 'plain', exec: ['/bin/sh', '-c', `printf %s "$NOTIFY_SOCKET" > ${join(dir, 'plain.env')}; sleep 30`] },
        { name: 'notified', exec: ['python3', '-c', SEND_READY], env: { ENV_FILE: join(dir, 'notified.env') }, notify: true },
      ],
    }),
    { env: { NOTIFY_SOCKET: socket } },
  );
  t.after(() => run.child.kill('SIGKILL'));

  await waitFor(() => messages.some((message) => /STATUS=not ready: app is not healthy yet/.test(message)), `a not-ready STATUS:\n${messages.join('\n--\n')}\n${run.output()}`, 20_000);
  await waitFor(() => existsSync(join(dir, 'plain.env')) && existsSync(join(dir, 'notified.env')), 'both jobs to record their NOTIFY_SOCKET');
  assert.equal(readFileSync(join(dir, 'plain.env'), 'utf8'), '', 'a job without notify gets no NOTIFY_SOCKET');
  const own = readFileSync(join(dir, 'notified.env'), 'utf8');
  assert.ok(own !== '' && own !== socket, `a notify job gets its own socket, not pilotfish's: ${own}`);
  await run.waitForLine(/\[notified\] is healthy/);
  assert.ok(!messages.some((message) => message.includes('READY=1')), `READY=1 before app is healthy:\n${messages.join('\n--\n')}`);

  writeFileSync(gate, '');
  const ready = await waitFor(() => messages.find((message) => message.includes('READY=1')), `READY=1:\n${messages.join('\n--\n')}`, 20_000);
  assert.match(ready, /^READY=1\nSTATUS=ready: 3 job\(s\) in good standing$/);

  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
  assert.equal(messages.at(-1), 'STOPPING=1\nSTATUS=shutting down');
  assert.equal(messages.filter((message) => message.includes('READY=1')).length, 1);
});

const RECEIVE_ABSTRACT = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\\0" + sys.argv[1])
print("bound", flush=True)
while True: print(s.recv(4096).decode(), flush=True)`;

test('an @name NOTIFY_SOCKET is an abstract socket, as sd_notify(3) reads it', async (t) => {
  const name = `pilotfish-test-${process.pid}-${Date.now()}`;
  const receiver = spawn('python3', ['-c', RECEIVE_ABSTRACT, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => receiver.kill());
  let received = '';
  receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  await waitFor(() => received.startsWith('bound'), 'the abstract receiver to bind', 20_000);
  const run = runConfig(JSON.stringify({ jobs: [{ name: 'app', exec: ['sleep', '30'] }] }), { env: { NOTIFY_SOCKET: `@${name}` } });
  t.after(() => run.child.kill('SIGKILL'));
  await waitFor(() => received.includes('READY=1'), `READY=1 on @${name}: ${received}\n${run.output()}`, 20_000);
  assert.match(received, /READY=1\nSTATUS=ready: 1 job\(s\) in good standing/);
  run.signal('SIGTERM');
  await run.exited;
});

test('socket addresses: a path is NUL-terminated, an @name starts with NUL, anything else is refused', () => {
  assert.deepEqual([...socketAddress('/run/n').subarray(2)], [...Buffer.from('/run/n\0')]);
  assert.deepEqual([...socketAddress('@abc').subarray(2)], [0, ...Buffer.from('abc')]);
  assert.equal(socketAddress('@abc').readUInt16LE(0), 1);
  assert.throws(() => socketAddress('relative/path'), /absolute path or an @abstract name/);
  assert.throws(() => socketAddress(`/${'x'.repeat(120)}`), /longer than a unix socket address allows/);
});
