// A job that opts in gets a NOTIFY_SOCKET; sending READY=1 (systemd's protocol) makes it healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConfig } from '../helpers/pilotfish.js';

const SEND_READY = `import os, socket, time
time.sleep(0.3)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=warming up\\nREADY=1\\n", os.environ["NOTIFY_SOCKET"])
print("sent ready", flush=True)
time.sleep(30)`;

test('READY=1 on NOTIFY_SOCKET makes a job healthy, and hooks on healthy run', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "app", exec: ${JSON.stringify(['python3', '-c', SEND_READY])}, notify: true },
      { name: "ready-hook", exec: "echo app-is-ready", when: { source: "app", once: "healthy" } },
    ],
  }`);
  await run.waitForLine(/\[app\] sent ready/);
  await run.waitForLine(/\[app\] is healthy/);
  await run.waitForLine(/\[ready-hook\] app-is-ready/);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
});

test('a job that did not opt in gets no NOTIFY_SOCKET, even if pilotfish inherited one', async () => {
  const run = runConfig(`{ jobs: [ { name: "app", exec: ["sh", "-c", "echo socket=[$NOTIFY_SOCKET]"] } ] }`, { env: { NOTIFY_SOCKET: '/run/systemd/notify' } });
  await run.exited;
  assert.match(run.output(), /\[app\] socket=\[\]/);
});
