// The supervisor in-process, with real job processes: ordering promises between shutdown, start
// and reloads, and its bounds, which a test drives best from inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, JobConfig } from '../../src/config/types.js';
import { Supervisor, shutdownDeadline, type SupervisorComponent } from '../../src/supervisor/supervisor.js';
import { after, command, jobConfig, supervisorConfig } from '../helpers/job-config.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { ProcessTable } from '../../src/process/process-table.js';

function supervisorFor(config: Config, reloads: Config[] = []) {
  const { log, lines } = recordingLogger();
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-supervisor-'));
  const supervisor = new Supervisor({
    config,
    log,
    env: { PATH: process.env.PATH },
    processes: new ProcessTable(),
    loadConfig: () => {
      const next = reloads.shift();
      if (!next) throw new Error('no more configs');
      return next;
    },
    runtimeDir: dir,
  });
  return { supervisor, lines };
}

/** A long-running `app` that records its pid in `<dir>/<version>.pid`; `stopDelay` makes it slow to stop. */
function app(dir: string, version: string, stopDelay = 0): JobConfig {
  const trap = stopDelay > 0 ? `trap 'sleep ${stopDelay / 1000}; exit 0' TERM; ` : '';
  return jobConfig('app', { exec: command(`${trap}echo $$ > ${version}.pid; while true; do sleep 0.05; done`), cwd: dir });
}

/** A reload starts a turn of the event loop after it is asked for: two turns on, it is running. */
async function untilReloadRuns(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

const pidOf = (dir: string, version: string) => Number(readFileSync(join(dir, `${version}.pid`), 'utf8'));
/** Running, not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('a stop signal that comes before start() keeps every job from starting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-early-'));
  const { supervisor, lines } = supervisorFor(supervisorConfig([app(dir, 'v1')]));
  const calls: string[] = [];
  supervisor.attach({ name: 'bridge', start: () => void calls.push('start'), stop: async () => void calls.push('stop') });
  void supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  await supervisor.start();
  assert.equal(await supervisor.done, 143);
  assert.equal(supervisor.job('app'), undefined);
  assert.ok(!lines.some((line) => /started: /.test(line)), lines.join('\n'));
  assert.deepEqual(calls, [], 'a component never started is not stopped either');
});

test('reloads run one after the other: each starts from what the previous one left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-reloads-'));
  const { supervisor } = supervisorFor(supervisorConfig([app(dir, 'v1')]), [supervisorConfig([app(dir, 'v2')]), supervisorConfig([app(dir, 'v3')])]);
  await supervisor.start();
  await waitFor(() => existsSync(join(dir, 'v1.pid')), 'v1 to run');
  const firstReload = supervisor.reload();
  // Once the first has begun (stopping v1 takes a while), a second request queues behind it.
  await untilReloadRuns();
  const [first, second] = await Promise.all([firstReload, supervisor.reload()]);
  assert.deepEqual(first, { ok: true, started: [], restarted: ['app'], removed: [] });
  assert.deepEqual(second, { ok: true, started: [], restarted: ['app'], removed: [] });
  await waitFor(() => existsSync(join(dir, 'v3.pid')), 'v3 to run');
  assert.equal(supervisor.job('app')?.pid, pidOf(dir, 'v3'));
  // v2 ran between the two reloads (or was stopped before it got to say so): either way it is gone.
  assert.ok(!existsSync(join(dir, 'v2.pid')) || !alive(pidOf(dir, 'v2')), 'v2 is not left running');
  assert.ok(!alive(pidOf(dir, 'v1')));
  await supervisor.shutdown({ kind: 'request' });
});

test('reload requests that come while one waits to start join it: a storm of them is one reload, and one more behind a running one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-reload-storm-'));
  const { supervisor } = supervisorFor(supervisorConfig([app(dir, 'v1')]), [supervisorConfig([app(dir, 'v2')]), supervisorConfig([app(dir, 'v3')])]);
  await supervisor.start();
  await waitFor(() => existsSync(join(dir, 'v1.pid')), 'v1 to run');
  const storm = Array.from({ length: 1000 }, () => supervisor.reload());
  await untilReloadRuns();
  const behind = Array.from({ length: 1000 }, () => supervisor.reload());
  const results = await Promise.all([...storm, ...behind]);
  // Two configs were loaded of the two offered (a third load would throw "no more configs").
  assert.ok(results.every((result) => result.ok), JSON.stringify(results.find((result) => !result.ok)));
  await waitFor(() => existsSync(join(dir, 'v3.pid')), 'v3 to run');
  assert.equal(supervisor.job('app')?.pid, pidOf(dir, 'v3'));
  assert.deepEqual(await supervisor.reload(), { ok: false, error: 'no more configs' });
  await supervisor.shutdown({ kind: 'request' });
});

test('a shutdown that begins during a reload wins: the reloaded job does not start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-reload-shutdown-'));
  const { supervisor, lines } = supervisorFor(supervisorConfig([app(dir, 'v1', 300)]), [supervisorConfig([app(dir, 'v2')])]);
  await supervisor.start();
  await waitFor(() => existsSync(join(dir, 'v1.pid')), 'v1 to run');
  // The reload is stopping v1 (which takes 300 ms) when the stop signal comes.
  supervisor.bus.subscribe('test', (event) => {
    if (event.kind === 'stopping' && event.source === 'app') void supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  });
  const reload = await supervisor.reload();
  assert.deepEqual(reload, { ok: false, error: 'shutting down' });
  assert.equal(await supervisor.done, 143);
  assert.ok(!lines.some((line) => /started: .*v2\.pid/.test(line)), lines.join('\n'));
  assert.equal(supervisor.startJob('app'), false, 'nor can the control plane start it');
});

test("what a component publishes while it starts (a watch's first answer) reaches the jobs, after startup", async () => {
  const hook = jobConfig('on-change', { exec: command('echo heard it'), when: { kind: 'event', source: 'watch.backend', event: 'changed', repeat: 'once' } });
  const { supervisor, lines } = supervisorFor(supervisorConfig([hook]));
  const heard: string[] = [];
  supervisor.attach({
    name: 'watches',
    // A watch whose first answer comes before the jobs exist: the hook must still run on it.
    start: () => {
      supervisor.bus.subscribe('order', (event) => void heard.push(`${event.source} ${event.kind}`));
      supervisor.bus.publish({ kind: 'changed', source: 'watch.backend' });
    },
    stop: async () => undefined,
  });
  await supervisor.start();
  try {
    await waitFor(() => lines.includes('INFO heard it'), 'the hook to run on the first answer', 20_000);
    assert.deepEqual(heard.slice(0, 2), ['global startup', 'watch.backend changed']);
    // A `once` hook that has run: nothing can run again, and pilotfish ends by itself.
    assert.equal(await supervisor.done, 0);
  } finally {
    await supervisor.shutdown({ kind: 'request' });
  }
});

/** A bridge whose bus subscriber never finishes handling an event. */
function stuckSubscriber(supervisor: Supervisor): SupervisorComponent {
  return {
    name: 'stuck-bridge',
    start: () => void supervisor.bus.subscribe('stuck-bridge', () => new Promise<void>(() => undefined)),
    stop: async () => undefined,
  };
}

test('a stuck bus subscriber of a component holds up neither the end of the jobs nor the shutdown', { timeout: 30_000 }, async () => {
  const { supervisor, lines } = supervisorFor(supervisorConfig([jobConfig('once', { exec: command('exit 0') })]));
  supervisor.attach(stuckSubscriber(supervisor));
  await supervisor.start();
  // The job ends; pilotfish sees that nothing can run any more, and shuts down.
  assert.equal(await supervisor.done, 0);
  assert.ok(lines.includes('INFO no job is running or can run again'), lines.join('\n'));
});

test('the whole shutdown has a deadline, from the stop timeouts: past it, pilotfish exits anyway', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-deadline-'));
  const config = supervisorConfig([{ ...app(dir, 'v1'), stopTimeout: 100 }], { stopTimeout: 200 });
  // Twice the job's stopTimeout, plus twice the top-level one (postStop hooks, then processes
  // left behind), plus 10 s for the components and the SIGKILL grace of stuck processes.
  assert.equal(shutdownDeadline(config), 2 * 100 + 2 * 200 + 10_000);
  const { supervisor, lines } = supervisorFor(config);
  supervisor.attach({ name: 'hung', start: () => undefined, stop: () => new Promise<void>(() => undefined) });
  await supervisor.start();
  await waitFor(() => existsSync(join(dir, 'v1.pid')), 'the app to run');
  void supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  assert.equal(await supervisor.done, 143);
  assert.ok(lines.includes('ERROR shutdown did not finish within 10600 ms: killing whatever is left and exiting'), lines.join('\n'));
  assert.ok(!alive(pidOf(dir, 'v1')));
});

test("during a shutdown, a postStop hook waits for its job's stopped while that job is stopping: the event is still to come", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-post-stop-'));
  const { supervisor } = supervisorFor(
    supervisorConfig([
      // Ignores SIGTERM (once it says so): it stays in terminating until its stopTimeout.
      jobConfig('app', { exec: command("trap '' TERM; touch trapped; while :; do sleep 0.1; done"), cwd: dir, stopTimeout: 1500 }),
      jobConfig('post-stop', { exec: command('true'), when: after('app', 'stopped') }),
    ]),
  );
  await supervisor.start();
  await waitFor(() => existsSync(join(dir, 'trapped')), 'app ignoring SIGTERM');
  void supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  await waitFor(() => supervisor.job('app')?.state === 'terminating', 'app terminating');
  const postStop = supervisor.snapshot().jobs.find((job) => job.name === 'post-stop');
  assert.equal(postStop?.waitingFor, 'stopped from app');
  await supervisor.done;
  assert.equal(supervisor.job('post-stop')?.state, 'exited', 'and it came');
});

test('what a job waits for, as the supervisor knows it: an event whose source failed for good can no longer come, and during a shutdown only stop hooks wait', async () => {
  const { supervisor } = supervisorFor(
    supervisorConfig([
      jobConfig('pre', { exec: command('exit 3') }),
      jobConfig('after-pre', { when: { kind: 'event', source: 'pre', event: 'exitSuccess', repeat: 'once' } }),
      jobConfig('app', { exec: command('sleep 30'), stopTimeout: 1000 }),
      jobConfig('on-app-healthy', { when: { kind: 'event', source: 'app', event: 'healthy', repeat: 'each' } }),
      jobConfig('pre-stop', { when: { kind: 'event', source: 'app', event: 'stopping', repeat: 'once' } }),
    ]),
  );
  await supervisor.start();
  const waits = () => Object.fromEntries(supervisor.snapshot().jobs.map((job) => [job.name, job.waitingFor]));
  await waitFor(() => supervisor.job('pre')?.state === 'failed' && supervisor.job('app')?.state === 'running', 'pre failed, app running');
  assert.deepEqual(waits(), {
    pre: undefined,
    'after-pre': 'exitSuccess from pre, which can no longer come',
    app: undefined,
    'on-app-healthy': 'healthy from app',
    'pre-stop': 'stopping from app',
  });
  void supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  assert.deepEqual(waits(), { pre: undefined, 'after-pre': undefined, app: undefined, 'on-app-healthy': undefined, 'pre-stop': 'stopping from app' });
  await supervisor.done;
});
