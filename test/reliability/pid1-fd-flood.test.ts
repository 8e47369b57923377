// Descriptor exhaustion must not kill PID 1. Under `prlimit --nofile=1024`, 1100 connections to
// the probe port used to exhaust pilotfish's descriptors; the reaper's next /proc read then threw
// EMFILE uncaught and pilotfish exited, orphaning its jobs. Now each server keeps at most
// MAX_CONNECTIONS, drops clients that send no request within the headers timeout, and the reaper
// and crash guard survive EMFILE. The flood here is real: TCP to the probes, and the control socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { httpCall } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';
import { HEADERS_TIMEOUT_MS, MAX_CONNECTIONS } from '../../src/http/listen.js';
import { launch } from './pid1-launch.js';

const CONFIG = `{
  probes: { port: 0, address: "127.0.0.1" },
  // Every run of the periodic job logged (routine runs are DEBUG): the test counts them.
  logging: { level: "DEBUG" },
  jobs: [
    { name: "app", exec: "sleep 600" },
    // An orphan every second: its zombie must still be reaped during and after the flood.
    { name: "orphans", exec: ["sh", "-c", "(sleep 0.1 &)"], when: { interval: "1s" } },
  ],
}`;

function open(target: { port: number; host: string } | { path: string }): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(target as { port: number; host: string });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
    socket.on('error', () => undefined);
  });
}

function zombieChildren(pid: number): number {
  let zombies = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' && Number(ppid) === pid) zombies += 1;
    } catch {
      // Gone since the listing.
    }
  }
  return zombies;
}

test('1100 probe and 300 control-socket connections under nofile=1024: pilotfish and its jobs survive, zombies are reaped, the endpoints answer again', async (t) => {
  const run = launch(CONFIG, { wrapper: ['prlimit', '--nofile=1024', '--'] });
  // A failed assertion must not leave pilotfish and the flood's sockets holding the test runner.
  let flood: Array<Socket | undefined> = [];
  t.after(() => {
    for (const socket of flood) socket?.destroy();
    run.child.kill('SIGKILL');
  });
  const port = Number(/probes listening on http:\/\/127\.0\.0\.1:(\d+)\/livez/.exec(await run.waitForLine(/probes listening on/))![1]);
  await run.waitForLine(/\[orphans\] exited with code 0/);
  const pid = await run.target();

  const started = performance.now();
  flood = [
    ...(await Promise.all(Array.from({ length: 1100 }, () => open({ port, host: '127.0.0.1' })))),
    ...(await Promise.all(Array.from({ length: 300 }, () => open({ path: run.socket })))),
  ];
  const held = () => flood.filter((socket) => socket && !socket.destroyed && !socket.readableEnded).length;
  t.diagnostic(`${flood.filter(Boolean).length} of 1400 connections accepted; ${held()} still open right after (cap ${MAX_CONNECTIONS} per server)`);
  for (const socket of flood) socket?.on('end', () => socket.destroy());

  // While the flood's sockets are still open on our side: a new connection evicts an idle one (the
  // rest are dropped after the headers timeout), and both endpoints answer again.
  const livez = await waitFor(
    () => httpCall({ host: '127.0.0.1', port }, 'GET', '/livez').then((response) => (response.status === 200 ? response : undefined), () => undefined),
    'an answer from /livez',
    HEADERS_TIMEOUT_MS * 4,
    200,
  );
  assert.equal(livez.status, 200);
  const status = await waitFor(
    () => httpCall({ socketPath: run.socket }, 'GET', '/v1/status').then((response) => (response.status === 200 ? response : undefined), () => undefined),
    'an answer on the control socket',
    HEADERS_TIMEOUT_MS * 4,
    200,
  );
  t.diagnostic(`both endpoints answered again ${Math.round(performance.now() - started)} ms after the flood began; ${held()} flood sockets were still open`);
  assert.equal(status.json.jobs.find((job: { name: string }) => job.name === 'app').state, 'running');

  // Orphans born during and after the flood are reaped.
  const ranBefore = run.lines.filter((line) => /\[orphans\] exited/.test(line)).length;
  await waitFor(() => run.lines.filter((line) => /\[orphans\] exited/.test(line)).length >= ranBefore + 2, 'two more orphan runs', 20_000);
  await waitFor(() => zombieChildren(pid) === 0, 'no zombie child of pilotfish', 10_000);

  for (const socket of flood) socket?.destroy();
  assert.equal(run.child.exitCode, null, run.output());
  assert.doesNotMatch(run.output(), /\[app\] exited|internal error/, run.output());
  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 143, signal: null }, run.output());
});

test("jobs that use up every descriptor: the control socket still answers (its first request needs no module file)", async () => {
  // 60 jobs with two output pipes each cannot all start under nofile=100: the table fills up.
  const jobs = Array.from({ length: 60 }, (_, i) => `{ name: "sleeper-${i}", exec: "sleep 600" }`).join(', ');
  const run = launch(`{ jobs: [${jobs}] }`, { wrapper: ['prlimit', '--nofile=100', '--'] });
  try {
    await run.waitForLine(/could not start: spawn sleep EMFILE/);
    // Before, the first request loaded the routes, hit EMFILE, and Node kept that failed import: 500 for good.
    const status = await waitFor(
      () => httpCall({ socketPath: run.socket }, 'GET', '/v1/status').then((response) => (response.status === 200 ? response : undefined), () => undefined),
      'an answer on the control socket',
      HEADERS_TIMEOUT_MS * 2,
      200,
    );
    assert.equal(status.json.jobs.length, 60);
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 143, signal: null }, run.output());
  } finally {
    run.child.kill('SIGKILL');
  }
});
