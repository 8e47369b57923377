// The job state machine, driven in-process with a real bus and real (tiny) processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events/bus.js';
import type { JobState, SupervisorEvent } from '../../src/events/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, KILL_GRACE_MS, type JobContext } from '../../src/jobs/job.js';
import { ProcessTable } from '../../src/process/process-table.js';
import type { RunningProcess } from '../../src/process/spawn.js';
import { silentLogger } from '../../src/logging/logger.js';
import type { HealthConfig, JobConfig } from '../../src/config/types.js';
import { after, command, jobConfig } from '../helpers/job-config.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

function harness(config: JobConfig, context: Partial<JobContext> = {}) {
  const bus = new EventBus();
  const events: SupervisorEvent[] = [];
  bus.subscribe('recorder', (event) => void events.push(event));
  const job = new Job(config, {
    bus,
    log: silentLogger,
    environment: () => ({ PATH: process.env.PATH }),
    notifySocketPath: () => '/nonexistent',
    awaitStoppingHooks: async () => undefined,
    processes: new ProcessTable(),
    ...context,
  });
  bus.subscribe(config.name, (event) => job.handle(event));
  const transitions = () => events.flatMap((event) => (event.kind === 'transition' ? [event.to] : []));
  const kinds = () => events.filter((event) => event.source === config.name && event.kind !== 'transition').map((event) => event.kind);
  const startup = () => bus.publish({ kind: 'startup', source: 'global' });
  return { bus, job, events, transitions, kinds, startup };
}

const settle = (job: Job, state: JobState) => waitFor(() => job.state === state, `state ${state} (is ${job.state})`);

test('a one-shot job: idle → starting → running → exited, publishing exitSuccess then stopping/stopped', async () => {
  const h = harness(jobConfig('once', { exec: command('exit 0') }));
  assert.equal(h.job.state, 'idle');
  h.startup();
  await settle(h.job, 'exited');
  await h.bus.idle();
  assert.deepEqual(h.transitions(), ['starting', 'running', 'exited']);
  assert.deepEqual(h.kinds(), ['exitSuccess', 'stopping', 'stopped']);
  assert.equal(h.job.lastExit?.code, 0);
  assert.equal(h.job.runPotential(), 'no');
});

test('a job that ended on its own is finishing until its stopping hooks are done; a restart meanwhile drops that stopped, and a reload replacing it too', async () => {
  for (const interruption of ['restart', 'reload'] as const) {
    const hooksOfEachEnd: (() => void)[] = [];
    const h = harness(jobConfig('once', { exec: command('exit 0') }), { awaitStoppingHooks: () => new Promise<void>((resolve) => void hooksOfEachEnd.push(resolve)) });
    h.startup();
    await settle(h.job, 'exited');
    await h.bus.idle();
    assert.equal(h.job.isFinishing(), true);
    assert.equal(h.job.runPotential(), 'yes', 'a finishing job still keeps the supervisor');
    assert.deepEqual(h.kinds(), ['exitSuccess', 'stopping']);
    if (interruption === 'restart') {
      await h.job.restart();
      await waitFor(() => hooksOfEachEnd.length === 2, 'the second run to end');
    } else {
      await h.job.stop('reload');
    }
    hooksOfEachEnd[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    await h.bus.idle();
    // The first end's `stopped` never comes; the restarted run's end waits for its own hooks.
    assert.deepEqual(h.kinds().filter((kind) => kind === 'stopped'), [], interruption);
    assert.equal(h.job.isFinishing(), interruption === 'restart', interruption);
    hooksOfEachEnd[1]?.();
    await new Promise((resolve) => setImmediate(resolve));
    await h.bus.idle();
    assert.equal(h.job.isFinishing(), false, interruption);
  }
});

test('a failing job with restarts goes through backoff and ends failed', async () => {
  const h = harness(jobConfig('crash', { exec: command('exit 2'), restarts: 2, backoff: { delay: 10, factor: 2, limit: 100, resetAfter: 10_000 } }));
  h.startup();
  await settle(h.job, 'failed');
  await h.bus.idle();
  assert.deepEqual(h.transitions(), ['starting', 'running', 'backoff', 'starting', 'running', 'backoff', 'starting', 'running', 'failed']);
  assert.equal(h.kinds().filter((kind) => kind === 'exitFailed').length, 3);
  assert.equal(h.job.snapshot().restarts, 2);
});

test('stop(): running → stopping → terminating → stopped, with the stop signal sent to the group, and no exit event', async () => {
  const h = harness(jobConfig('long', { exec: command('sleep 30 & wait') }));
  h.startup();
  await settle(h.job, 'running');
  const pid = h.job.pid as number;
  await h.job.stop();
  await h.bus.idle();
  assert.deepEqual(h.transitions(), ['starting', 'running', 'stopping', 'terminating', 'stopped']);
  assert.equal(h.job.lastExit?.signal, 'SIGTERM');
  assert.equal(h.job.lastExit?.code, 143);
  await waitFor(() => {
    try {
      process.kill(-pid, 0);
      return false;
    } catch {
      return true; // ESRCH: the whole process group is gone
    }
  }, 'the process group to be gone');
  // A requested stop is not the app failing: `exitFailed` hooks must not run.
  assert.deepEqual(h.kinds(), ['stopping', 'stopped']);
});

test('stop() is idempotent and a stopped job ignores its triggers', async () => {
  const h = harness(jobConfig('hook', { when: after('other', 'healthy', 'each') }));
  await Promise.all([h.job.stop(), h.job.stop()]);
  h.bus.publish({ kind: 'healthy', source: 'other' });
  await h.bus.idle();
  assert.equal(h.job.state, 'stopped');
  assert.equal(h.transitions().filter((state) => state === 'starting').length, 0);
});

test('an `each` hook goes back to idle after a run and runs again on the next event', async () => {
  const h = harness(jobConfig('hook', { exec: command('exit 0'), when: after('db', 'changed', 'each') }));
  h.bus.publish({ kind: 'changed', source: 'db' });
  await waitFor(() => h.transitions().filter((state) => state === 'idle').length === 1, 'first run over');
  h.bus.publish({ kind: 'changed', source: 'db' });
  await waitFor(() => h.transitions().filter((state) => state === 'idle').length === 2, 'second run over');
  assert.equal(h.job.runPotential(), 'ifSourceLive');
});

test('triggers that arrive during a run are coalesced into one more run', async () => {
  const h = harness(jobConfig('hook', { exec: command('sleep 0.2'), when: after('db', 'changed', 'each') }));
  h.bus.publish({ kind: 'changed', source: 'db' });
  await settle(h.job, 'running');
  for (let i = 0; i < 5; i += 1) h.bus.publish({ kind: 'changed', source: 'db' });
  await waitFor(() => h.transitions().filter((state) => state === 'idle').length === 1, 'both runs over', 20_000);
  assert.equal(h.transitions().filter((state) => state === 'running').length, 2);
});

test('a `once` hook runs a single time', async () => {
  const h = harness(jobConfig('hook', { exec: command('exit 0'), when: after('app', 'healthy', 'once') }));
  h.bus.publish({ kind: 'healthy', source: 'app' });
  await settle(h.job, 'exited');
  h.bus.publish({ kind: 'healthy', source: 'app' });
  await h.bus.idle();
  assert.equal(h.transitions().filter((state) => state === 'running').length, 1);
});

test('an idle job says what it waits for, in the config\'s words, until it can no longer run; one an operator stopped, how it starts again', async () => {
  const waiting = (when: JobConfig['when']) => harness(jobConfig('j', { when })).job.snapshot().waitingFor;
  assert.equal(waiting(after('db', 'healthy')), 'healthy from db');
  assert.equal(waiting(after('watch.db', 'changed', 'each')), 'changed from watch.db');
  assert.equal(waiting(after('global', 'shutdown')), 'shutdown from global');
  assert.equal(waiting({ kind: 'event', source: 'SIGHUP', event: 'signal', repeat: 'each' }), 'SIGHUP');
  assert.equal(waiting({ kind: 'interval', interval: 90_000 }), 'its next run (every 90s)');
  assert.equal(waiting({ kind: 'startup' }), 'the start-up');
  const timed = harness(jobConfig('j', { when: { kind: 'event', source: 'db', event: 'healthy', repeat: 'once', timeout: 60_000 } }));
  timed.startup();
  await timed.bus.idle();
  const { waitingFor, waitingUntil } = timed.job.snapshot();
  assert.equal(waitingFor, 'healthy from db');
  assert.ok(Math.abs(Date.parse(waitingUntil ?? '') - Date.now() - 60_000) < 5_000, waitingUntil);
  await timed.job.stop('shutdown');

  const once = harness(jobConfig('hook', { exec: command('exit 0'), when: after('app', 'healthy') }));
  once.bus.publish({ kind: 'healthy', source: 'app' });
  await settle(once.job, 'exited');
  assert.equal(once.job.snapshot().waitingFor, undefined, 'a once hook that ran waits for nothing');

  const running = harness(jobConfig('app', { exec: command('sleep 5') }));
  running.startup();
  await settle(running.job, 'running');
  assert.equal(running.job.snapshot().waitingFor, undefined);
  await running.job.stop('operator');
  assert.equal(running.job.snapshot().waitingFor, 'pilotfish start (stopped by an operator)');
  await running.job.stop('shutdown');
  const shutDown = harness(jobConfig('app', { when: after('db', 'healthy') }));
  await shutDown.job.stop('shutdown');
  assert.equal(shutDown.job.snapshot().waitingFor, undefined, 'stopped by the shutdown: nothing starts it again');

  const crashing = harness(jobConfig('app', { exec: command('exit 1'), restarts: Infinity, backoff: { delay: 60_000, factor: 1, limit: 60_000, resetAfter: 10_000 } }));
  crashing.startup();
  await settle(crashing.job, 'backoff');
  const restart = /^its restart, at (\S+) \(backoff\)$/.exec(crashing.job.snapshot().waitingFor ?? '');
  assert.ok(restart, crashing.job.snapshot().waitingFor);
  assert.ok(Math.abs(Date.parse(restart[1]!) - Date.now() - 60_000) < 10_000, restart[1]);
  await crashing.job.stop('shutdown');
});

test("a periodic job's routine runs log at DEBUG, but its last run and the first after an operator's start at INFO", async () => {
  const { log, lines } = recordingLogger();
  const levels = () => lines.filter((line) => /^\w+ (started: |exited with code)/.test(line)).map((line) => line.replace(/: .*$/, '').replace(/ with code 0$/, ''));
  // restarts 2: three runs in all, the last of which ends the job.
  const h = harness(jobConfig('poll', { exec: command('exit 0'), when: { kind: 'interval', interval: 50 }, restarts: 2 }), { log });
  h.startup();
  await settle(h.job, 'exited');
  assert.deepEqual(levels(), ['INFO started', 'INFO exited', 'DEBUG started', 'DEBUG exited', 'INFO started', 'INFO exited']);
  lines.length = 0;
  h.job.startNow();
  await waitFor(() => lines.filter((line) => /^\w+ exited with code/.test(line)).length >= 2, 'two runs after the operator start');
  assert.deepEqual(levels().slice(0, 3), ['INFO started', 'INFO exited', 'DEBUG started']);
  await h.job.stop('shutdown');
});

test('a routine run of a periodic job that outlasts its interval says so once at INFO', async () => {
  const { log, lines } = recordingLogger();
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-slow-poll-'));
  // The first run is quick; the second hangs past several intervals.
  const h = harness(jobConfig('poll', { exec: command('if [ -e ran ]; then sleep 1; fi; touch ran'), cwd: dir, when: { kind: 'interval', interval: 100 }, timeout: 5000, restarts: Infinity }), { log });
  h.startup();
  await waitFor(() => lines.some((line) => /^INFO still running after its interval of 100ms: the next run starts when it ends$/.test(line)), 'the note at INFO', 10_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(lines.filter((line) => /still running|still in progress/.test(line)).length, 1, lines.join('\n'));
  await h.job.stop('shutdown');
});

test("an operator's start ends the wait of a job with a when.timeout: the timeout no longer gives up on it", async () => {
  const { log, lines } = recordingLogger();
  const h = harness(jobConfig('hook', { exec: command('sleep 0.3'), when: { kind: 'event', source: 'db', event: 'healthy', repeat: 'each', timeout: 150 } }), { log });
  h.startup();
  await h.bus.idle();
  h.job.startNow();
  await settle(h.job, 'idle');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(h.job.state, 'idle', lines.join('\n'));
  assert.equal(h.job.snapshot().waitingFor, 'healthy from db');
  assert.deepEqual(lines.filter((line) => /internal error|did not arrive/.test(line)), []);
  await h.job.stop('shutdown');
});

test('a registration-only job is running without a process until stopped', async () => {
  const h = harness(jobConfig('svc', { exec: undefined }));
  h.startup();
  await settle(h.job, 'running');
  assert.equal(h.job.pid, undefined);
  assert.equal(h.job.runPotential(), 'yes');
  await h.job.stop();
  assert.equal(h.job.state, 'stopped');
});

test('a run over its timeout is killed', async () => {
  const h = harness(jobConfig('slow', { exec: command('sleep 30'), timeout: 100 }));
  h.startup();
  await settle(h.job, 'failed');
  assert.equal(h.job.lastExit?.signal, 'SIGKILL');
});

const restartOnUnhealthy = (check: string): HealthConfig => ({
  probe: { type: 'exec', command: command(check) },
  interval: 50,
  timeout: 1000,
  threshold: 1,
  successThreshold: 1,
  onUnhealthy: 'restart',
  rawLogging: false,
});

test('an unhealthy job with onUnhealthy: restart is restarted, without using up its restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-sick-'));
  // Each run passes its first check, then fails: healthy, then unhealthy, every run.
  const h = harness(
    jobConfig('sick', {
      exec: command('touch fresh; exec sleep 30'),
      cwd: dir,
      restarts: 0,
      backoff: { delay: 10, factor: 1, limit: 10, resetAfter: 10_000 },
      health: restartOnUnhealthy('if [ -e fresh ]; then rm fresh; else exit 1; fi'),
    }),
  );
  h.startup();
  await waitFor(() => h.job.snapshot().restarts >= 2, 'two restarts', 10_000);
  assert.ok(h.kinds().includes('unhealthy'));
  await h.job.stop();
  assert.equal(h.job.state, 'stopped');
});

test('onUnhealthy: restart leaves alone a job that has not passed a check yet (it is still starting)', async () => {
  const h = harness(jobConfig('slow-starter', { exec: command('sleep 30'), health: restartOnUnhealthy('exit 1') }));
  h.startup();
  await settle(h.job, 'running');
  const pid = h.job.pid;
  await waitFor(() => h.events.filter((event) => event.kind === 'checkResult').length >= 5, 'five failed checks');
  assert.ok(h.kinds().includes('unhealthy'));
  assert.equal(h.job.snapshot().restarts, 0);
  assert.equal(h.job.pid, pid);
  await h.job.stop();
});

test('a stop cancels a restart that onUnhealthy had asked for', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-cancel-'));
  const h = harness(
    jobConfig('sick', {
      // Runs until told to finish; its check passes once, then fails until `recovered` exists.
      exec: command('touch fresh; while [ ! -e finish ]; do sleep 0.05; done'),
      cwd: dir,
      health: restartOnUnhealthy('if [ -e fresh ]; then rm fresh; else [ -e recovered ]; fi'),
    }),
  );
  // The restart is asked for and the process signalled when `unhealthy` is published: stop right then.
  let stopped: Promise<void> | undefined;
  h.bus.subscribe('operator', (event) => {
    if (event.kind === 'unhealthy' && event.source === 'sick') stopped ??= h.job.stopByOperator();
  });
  h.startup();
  await waitFor(() => stopped !== undefined, 'the unhealthy event');
  await stopped;
  assert.equal(h.job.state, 'stopped');
  writeFileSync(join(dir, 'recovered'), '');
  h.job.startNow();
  await settle(h.job, 'running');
  writeFileSync(join(dir, 'finish'), '');
  // Its run ends on its own: with no restarts configured, that is the end of it.
  await settle(h.job, 'exited');
  assert.equal(h.job.snapshot().restarts, 0);
});

test('`when: {source: "global", once: "startup"}` starts the job at startup, like the default', async () => {
  const h = harness(jobConfig('explicit', { exec: command('exit 0'), when: after('global', 'startup') }));
  h.startup();
  await settle(h.job, 'exited');
  assert.deepEqual(h.transitions(), ['starting', 'running', 'exited']);
});

test('a run that cannot get its NOTIFY_SOCKET is a failed start, and the restart policy applies', async () => {
  const notAFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-notify-')), 'file');
  writeFileSync(notAFile, '');
  const h = harness(jobConfig('notified', { exec: command('sleep 30'), notify: true, restarts: 1, backoff: { delay: 10, factor: 1, limit: 10, resetAfter: 10_000 } }), {
    notifySocketPath: () => join(notAFile, 'notified.notify'),
  });
  h.startup();
  await settle(h.job, 'failed');
  await h.bus.idle();
  assert.deepEqual(h.transitions(), ['starting', 'backoff', 'starting', 'failed']);
  assert.equal(h.kinds().filter((kind) => kind === 'exitFailed').length, 2);
  assert.equal(h.job.lastExit?.code, 127);
  assert.match(h.job.snapshot().lastExit?.error ?? '', /cannot open its NOTIFY_SOCKET: .*ENOTDIR/);
});

test('a stop gives up on a process still there after SIGKILL and its grace, and the job counts as stopped', async () => {
  const { log, lines } = recordingLogger();
  const signals: NodeJS.Signals[] = [];
  // Stuck in the kernel (D state), as no test can make a real process be: it never exits.
  const unkillable: RunningProcess = {
    pid: 999_999,
    exited: new Promise(() => undefined),
    hasExited: () => false,
    groupAlive: () => true,
    signalGroup: (signal) => void signals.push(signal),
    waitForGroup: (timeoutMs) => new Promise((resolve) => setTimeout(() => resolve(false), timeoutMs)),
  };
  const h = harness(jobConfig('stuck', { exec: command('stuck'), stopTimeout: 50 }), { log, processes: { spawn: () => unkillable } });
  h.startup();
  await settle(h.job, 'running');
  await h.job.stop();
  assert.equal(h.job.state, 'stopped');
  assert.equal(h.job.pid, undefined);
  assert.deepEqual(signals, ['SIGTERM', 'SIGKILL']);
  assert.ok(lines.some((line) => line === `ERROR still not gone ${KILL_GRACE_MS} ms after SIGKILL: giving up on it`), lines.join('\n'));
});

test('a spawn failure is an exitFailed with code 127 and the reason', async () => {
  const h = harness(jobConfig('missing', { exec: { argv: ['/no/such/binary'], display: '/no/such/binary' } }));
  h.startup();
  await settle(h.job, 'failed');
  assert.equal(h.job.lastExit?.code, 127);
  assert.match(h.job.snapshot().lastExit?.error ?? '', /ENOENT/);
});
