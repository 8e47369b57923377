// The job state machine, input by input: every (state, input) pair, with a fake process and an
// injected clock, so nothing waits on wall-clock time. The expected table below is the one drawn
// at the top of src/jobs/job.ts, cell by cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events/bus.js';
import type { JobState } from '../../src/events/types.js';
import { Job, KILL_GRACE_MS, type JobContext, type JobInput } from '../../src/jobs/job.js';
import type { RunningProcess } from '../../src/process/spawn.js';
import type { NotifySocket } from '../../src/health/notify.js';
import type { JobConfig } from '../../src/config/types.js';
import { after, command, jobConfig } from '../helpers/job-config.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { recordingLogger } from '../helpers/log.js';

interface FakeProcess extends RunningProcess {
  signals: NodeJS.Signals[];
  alive: boolean;
}

function fakeProcess(pid: number): FakeProcess {
  const process: FakeProcess = {
    pid,
    signals: [],
    alive: true,
    // Exits are dispatched by the tests themselves, as `exited` inputs.
    exited: new Promise(() => undefined),
    hasExited: () => !process.alive,
    groupAlive: () => process.alive,
    signalGroup: (signal) => void process.signals.push(signal),
    waitForGroup: async () => true,
  };
  return process;
}

const fakeSocket: NotifySocket = { path: '/fake', close: async () => undefined };

function harness(config: JobConfig, options: { mayStart?: JobContext['mayStart'] } = {}) {
  const bus = new EventBus();
  const published: string[] = [];
  bus.subscribe('recorder', (event) => {
    if (event.kind !== 'transition' && event.kind !== 'checkResult') published.push(event.kind);
  });
  const { log, lines } = recordingLogger();
  const clock = new FakeClock();
  const processes: FakeProcess[] = [];
  const job = new Job(config, {
    bus,
    log,
    clock,
    environment: () => ({}),
    notifySocketPath: () => '/fake',
    // The stopping hooks never finish on their own: the tests dispatch `hooksDone`.
    awaitStoppingHooks: () => new Promise(() => undefined),
    openNotify: () => new Promise(() => undefined),
    processes: {
      spawn: () => {
        const process = fakeProcess(1000 + processes.length);
        processes.push(process);
        return process;
      },
    },
    mayStart: options.mayStart,
  });
  const input = (value: JobInput) => job.dispatch(value);
  const exit = (code: number) => {
    const process = processes.at(-1);
    if (process) process.alive = false;
    input({ kind: 'exited', run: job.runNumber, status: code > 128 ? { code, signal: 'SIGTERM' } : { code } });
  };
  return { bus, job, published, lines, clock, processes, input, exit };
}

type Harness = ReturnType<typeof harness>;

// Every input a job can receive, as it would arrive (timers by their kind).
const INPUTS: Record<string, (h: Harness) => void> = {
  startup: (h) => h.input({ kind: 'startup' }),
  trigger: (h) => h.input({ kind: 'trigger' }),
  prepared: (h) => h.input({ kind: 'prepared', run: h.job.runNumber, notify: fakeSocket }),
  hooksDone: (h) => h.input({ kind: 'hooksDone', run: h.job.runNumber }),
  exited: (h) => h.exit(1),
  'exited(stale)': (h) => h.input({ kind: 'exited', run: h.job.runNumber - 1, status: { code: 1 } }),
  'timer backoff': (h) => h.input({ kind: 'timer', timer: 'backoff', run: h.job.runNumber }),
  'timer interval': (h) => h.input({ kind: 'timer', timer: 'interval', run: h.job.runNumber }),
  'timer whenTimeout': (h) => h.input({ kind: 'timer', timer: 'whenTimeout', run: h.job.runNumber }),
  'timer runTimeout': (h) => h.input({ kind: 'timer', timer: 'runTimeout', run: h.job.runNumber }),
  'timer stopTimeout': (h) => h.input({ kind: 'timer', timer: 'stopTimeout', run: h.job.runNumber }),
  'timer killGrace': (h) => h.input({ kind: 'timer', timer: 'killGrace', run: h.job.runNumber }),
  'timer groupPoll': (h) => h.input({ kind: 'timer', timer: 'groupPoll', run: h.job.runNumber }),
  healthy: (h) => h.input({ kind: 'health', health: 'healthy', output: 'ok' }),
  unhealthy: (h) => h.input({ kind: 'health', health: 'unhealthy', output: 'down' }),
  notify: (h) => h.input({ kind: 'notify', fields: { STATUS: 'warming up' } }),
  'stop operator': (h) => h.input({ kind: 'stop', by: 'operator' }),
  'stop shutdown': (h) => h.input({ kind: 'stop', by: 'shutdown' }),
  start: (h) => h.input({ kind: 'start' }),
  restart: (h) => h.input({ kind: 'restart' }),
  kill: (h) => h.input({ kind: 'kill' }),
};

// A startup job with one restart, checks that restart it when unhealthy, a run timeout and a notify socket.
const walkConfig = jobConfig('app', {
  exec: command('app'),
  restarts: 1,
  notify: true,
  timeout: 1000,
  stopTimeout: 100,
  backoff: { delay: 100, factor: 1, limit: 100, resetAfter: 10_000 },
  health: {
    probe: { type: 'exec', command: command('check') },
    interval: 60_000,
    timeout: 1000,
    threshold: 1,
    successThreshold: 1,
    onUnhealthy: 'restart',
    rawLogging: false,
  },
});

/** Drives a fresh job into `state` through ordinary inputs. */
function reach(state: JobState, h: Harness): void {
  const path: Record<JobState, Array<(h: Harness) => void>> = {
    idle: [],
    starting: [INPUTS.startup!],
    running: [INPUTS.startup!, INPUTS.prepared!],
    stopping: [INPUTS.startup!, INPUTS.prepared!, INPUTS['stop shutdown']!],
    terminating: [INPUTS.startup!, INPUTS.prepared!, INPUTS['stop shutdown']!, INPUTS.hooksDone!],
    killing: [INPUTS.startup!, INPUTS.prepared!, INPUTS['stop shutdown']!, INPUTS.hooksDone!, (h) => h.clock.advance(100)],
    backoff: [INPUTS.startup!, INPUTS.prepared!, INPUTS.exited!],
    stopped: [INPUTS.startup!, INPUTS.prepared!, INPUTS['stop shutdown']!, INPUTS.hooksDone!, INPUTS.exited!],
    exited: [INPUTS.startup!, INPUTS.prepared!, INPUTS.exited!, (h) => h.clock.advance(200), (h) => h.exit(0)],
    failed: [INPUTS.startup!, INPUTS.prepared!, INPUTS.exited!, (h) => h.clock.advance(200), INPUTS.exited!],
  };
  for (const step of path[state]) step(h);
  assert.equal(h.job.state, state, `could not reach ${state}`);
}

// state → input → "resulting state [+events published] [!signals sent] [spawn] [✗ internal error]"
const EXPECTED: Record<JobState, Record<string, string>> = {
  idle: {
    startup: 'starting',
    trigger: 'starting',
    prepared: 'idle',
    hooksDone: 'idle',
    exited: 'idle',
    'exited(stale)': 'idle',
    'timer backoff': 'idle ✗',
    'timer interval': 'idle ✗',
    'timer whenTimeout': 'stopped +timerExpired,stopping,stopped',
    'timer runTimeout': 'idle ✗',
    'timer stopTimeout': 'idle ✗',
    'timer killGrace': 'idle ✗',
    'timer groupPoll': 'idle ✗',
    healthy: 'idle ✗',
    unhealthy: 'idle ✗',
    notify: 'idle',
    'stop operator': 'stopped +stopping,stopped',
    'stop shutdown': 'stopped +stopping,stopped',
    start: 'starting',
    restart: 'starting',
    kill: 'stopped',
  },
  starting: {
    startup: 'starting ✗',
    trigger: 'starting',
    prepared: 'running spawn',
    hooksDone: 'starting',
    exited: 'starting ✗',
    'exited(stale)': 'starting',
    'timer backoff': 'starting ✗',
    'timer interval': 'starting ✗',
    'timer whenTimeout': 'starting ✗',
    'timer runTimeout': 'starting ✗',
    'timer stopTimeout': 'starting ✗',
    'timer killGrace': 'starting ✗',
    'timer groupPoll': 'starting ✗',
    healthy: 'starting ✗',
    unhealthy: 'starting ✗',
    notify: 'starting',
    'stop operator': 'stopped +stopping,stopped',
    'stop shutdown': 'stopped +stopping,stopped',
    start: 'starting',
    restart: 'starting',
    kill: 'stopped',
  },
  running: {
    startup: 'running ✗',
    trigger: 'running',
    prepared: 'running',
    hooksDone: 'running',
    exited: 'backoff +exitFailed',
    'exited(stale)': 'running',
    'timer backoff': 'running ✗',
    'timer interval': 'running ✗',
    'timer whenTimeout': 'running ✗',
    'timer runTimeout': 'killing !SIGKILL',
    'timer stopTimeout': 'running ✗',
    'timer killGrace': 'running ✗',
    'timer groupPoll': 'running ✗',
    healthy: 'running +healthy',
    unhealthy: 'running +unhealthy',
    notify: 'running',
    'stop operator': 'stopping +stopping',
    'stop shutdown': 'stopping +stopping',
    start: 'running',
    restart: 'stopping +stopping',
    kill: 'killing +stopping !SIGKILL',
  },
  stopping: {
    startup: 'stopping ✗',
    trigger: 'stopping',
    prepared: 'stopping',
    hooksDone: 'terminating !SIGTERM',
    exited: 'stopped +stopped !SIGTERM',
    'exited(stale)': 'stopping',
    'timer backoff': 'stopping ✗',
    'timer interval': 'stopping ✗',
    'timer whenTimeout': 'stopping ✗',
    'timer runTimeout': 'killing !SIGKILL',
    'timer stopTimeout': 'stopping ✗',
    'timer killGrace': 'stopping ✗',
    'timer groupPoll': 'stopping ✗',
    healthy: 'stopping +healthy',
    unhealthy: 'stopping +unhealthy',
    notify: 'stopping',
    'stop operator': 'stopping',
    'stop shutdown': 'stopping',
    start: 'stopping',
    restart: 'stopping',
    kill: 'killing !SIGKILL',
  },
  terminating: {
    startup: 'terminating ✗',
    trigger: 'terminating',
    prepared: 'terminating',
    hooksDone: 'terminating',
    exited: 'stopped +stopped',
    'exited(stale)': 'terminating',
    'timer backoff': 'terminating ✗',
    'timer interval': 'terminating ✗',
    'timer whenTimeout': 'terminating ✗',
    'timer runTimeout': 'killing !SIGKILL',
    'timer stopTimeout': 'killing !SIGKILL',
    'timer killGrace': 'terminating ✗',
    'timer groupPoll': 'terminating ✗',
    healthy: 'terminating ✗',
    unhealthy: 'terminating ✗',
    notify: 'terminating',
    'stop operator': 'terminating',
    'stop shutdown': 'terminating',
    start: 'terminating',
    restart: 'terminating',
    kill: 'killing !SIGKILL',
  },
  killing: {
    startup: 'killing ✗',
    trigger: 'killing',
    prepared: 'killing',
    hooksDone: 'killing',
    exited: 'stopped +stopped',
    'exited(stale)': 'killing',
    'timer backoff': 'killing ✗',
    'timer interval': 'killing ✗',
    'timer whenTimeout': 'killing ✗',
    'timer runTimeout': 'killing ✗',
    'timer stopTimeout': 'killing ✗',
    'timer killGrace': 'stopped +stopped',
    'timer groupPoll': 'killing ✗',
    healthy: 'killing ✗',
    unhealthy: 'killing ✗',
    notify: 'killing',
    'stop operator': 'killing',
    'stop shutdown': 'killing',
    start: 'killing',
    restart: 'killing',
    kill: 'killing',
  },
  backoff: {
    startup: 'backoff ✗',
    trigger: 'backoff',
    prepared: 'backoff',
    hooksDone: 'backoff',
    exited: 'backoff',
    'exited(stale)': 'backoff',
    'timer backoff': 'running spawn',
    'timer interval': 'backoff ✗',
    'timer whenTimeout': 'backoff ✗',
    'timer runTimeout': 'backoff ✗',
    'timer stopTimeout': 'backoff ✗',
    'timer killGrace': 'backoff ✗',
    'timer groupPoll': 'backoff ✗',
    healthy: 'backoff ✗',
    unhealthy: 'backoff ✗',
    notify: 'backoff',
    'stop operator': 'stopped +stopping,stopped',
    'stop shutdown': 'stopped +stopping,stopped',
    start: 'running spawn',
    restart: 'running spawn',
    kill: 'stopped',
  },
  stopped: {
    startup: 'stopped ✗',
    trigger: 'stopped',
    prepared: 'stopped',
    hooksDone: 'stopped',
    exited: 'stopped',
    'exited(stale)': 'stopped',
    'timer backoff': 'stopped ✗',
    'timer interval': 'stopped ✗',
    'timer whenTimeout': 'stopped ✗',
    'timer runTimeout': 'stopped ✗',
    'timer stopTimeout': 'stopped ✗',
    'timer killGrace': 'stopped ✗',
    'timer groupPoll': 'stopped ✗',
    healthy: 'stopped ✗',
    unhealthy: 'stopped ✗',
    notify: 'stopped',
    'stop operator': 'stopped',
    'stop shutdown': 'stopped',
    start: 'starting',
    restart: 'starting',
    kill: 'stopped',
  },
  exited: {},
  failed: {},
};
// exited and failed take every input alike.
for (const terminal of ['exited', 'failed'] as const) {
  EXPECTED[terminal] = Object.fromEntries(Object.entries(EXPECTED.stopped).map(([input, outcome]) => [input, outcome.replace('stopped', terminal)]));
}

async function outcome(state: JobState, inputName: string): Promise<string> {
  const h = harness(walkConfig);
  reach(state, h);
  await h.bus.idle();
  const published = h.published.length;
  const spawned = h.processes.length;
  const process = h.processes.at(-1);
  const signals = process?.signals.length ?? 0;
  const lines = h.lines.length;
  INPUTS[inputName]!(h);
  await h.bus.idle();
  const events = h.published.slice(published);
  const sent = process?.signals.slice(signals) ?? [];
  const internalError = h.lines.slice(lines).some((line) => line.startsWith('ERROR internal error'));
  return [
    h.job.state,
    events.length > 0 ? `+${events.join(',')}` : '',
    sent.length > 0 ? `!${sent.join(',')}` : '',
    h.processes.length > spawned ? 'spawn' : '',
    internalError ? '✗' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

test('every (state, input) pair leads where the transition table says', async () => {
  const mismatches: string[] = [];
  for (const [state, row] of Object.entries(EXPECTED) as Array<[JobState, Record<string, string>]>) {
    assert.deepEqual(Object.keys(row).sort(), Object.keys(INPUTS).sort(), `the row of ${state} covers every input`);
    for (const [inputName, expected] of Object.entries(row)) {
      const actual = await outcome(state, inputName);
      if (actual !== expected) mismatches.push(`${state} × ${inputName}: expected "${expected}", got "${actual}"`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test('an operator stop during backoff: stopped at once, and the backoff delay passing starts nothing', async () => {
  const h = harness(walkConfig);
  reach('backoff', h);
  const stopped = h.job.stopByOperator();
  assert.equal(h.job.state, 'stopped');
  await stopped;
  h.clock.advance(60_000);
  assert.equal(h.job.state, 'stopped');
  assert.equal(h.processes.length, 1);
  assert.equal(h.clock.pending, 0, 'no timer left behind');
  assert.equal(h.job.runPotential(), 'yes', 'held by the operator: it may be started again');
});

test('an operator start or restart during backoff starts the job at once, not after the delay', async () => {
  for (const action of ['start', 'restart'] as const) {
    const h = harness(walkConfig);
    reach('backoff', h);
    if (action === 'start') h.job.startNow();
    else await h.job.restart();
    assert.equal(h.job.state, 'running', action);
    assert.equal(h.processes.length, 2, action);
  }
});

test('an operator restart of a running job stops it gracefully, publishes no exit event, and starts it again', async () => {
  const h = harness(walkConfig);
  reach('running', h);
  const restarted = h.job.restart();
  assert.equal(h.job.state, 'stopping');
  INPUTS.hooksDone!(h);
  assert.deepEqual(h.processes[0]?.signals, ['SIGTERM']);
  h.exit(143);
  await restarted;
  await h.bus.idle();
  assert.equal(h.job.state, 'running');
  assert.equal(h.processes.length, 2);
  assert.deepEqual(h.published, ['stopping', 'stopped']);
});

test('a stop that a restart overtakes is over once the job runs again, not left waiting for a rest that never comes', async () => {
  const h = harness(walkConfig);
  reach('running', h);
  let stopOver = false;
  const stopped = h.job.stopByOperator().then(() => (stopOver = true));
  const restarted = h.job.restart();
  INPUTS.hooksDone!(h);
  h.exit(143);
  await restarted;
  assert.equal(h.job.state, 'running');
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 100))]);
  assert.equal(stopOver, true, 'the stop is over');
});

test('a job a reload is stopping takes no start or restart: it would run on beside its successor', async () => {
  for (const state of ['running', 'stopped'] as const) {
    const h = harness(walkConfig);
    reach(state, h);
    const stopped = h.job.stop('reload');
    assert.equal(h.job.isRetired(), true);
    h.job.startNow();
    const restarted = h.job.restart();
    if (state === 'running') {
      INPUTS.hooksDone!(h);
      h.exit(143);
    }
    await Promise.all([stopped, restarted]);
    assert.equal(h.job.state, 'stopped', state);
    assert.equal(h.processes.length, 1, `${state}: no process started after the reload's stop`);
  }
});

test('a stop that outlasts stopTimeout is escalated to SIGKILL, then given up on after the kill grace', async () => {
  const h = harness(walkConfig);
  reach('terminating', h);
  h.clock.advance(100);
  assert.equal(h.job.state, 'killing');
  h.clock.advance(KILL_GRACE_MS);
  assert.equal(h.job.state, 'stopped');
  assert.deepEqual(h.processes[0]?.signals, ['SIGTERM', 'SIGKILL']);
  assert.ok(h.lines.includes(`ERROR still not gone ${KILL_GRACE_MS} ms after SIGKILL: giving up on it`), h.lines.join('\n'));
  // Its exit, if it ever comes, is stale.
  h.exit(137);
  assert.equal(h.job.state, 'stopped');
  assert.ok(h.lines.some((line) => /killed by SIGTERM, after it was given up on/.test(line)), h.lines.join('\n'));
});

test('a stop waits for the whole process group, not only its leader', async () => {
  const h = harness(walkConfig);
  reach('terminating', h);
  const process = h.processes[0] as FakeProcess;
  h.input({ kind: 'exited', run: h.job.runNumber, status: { code: 143, signal: 'SIGTERM' } });
  // The leader is gone, a member it forked is not.
  assert.equal(h.job.state, 'terminating');
  h.clock.advance(50);
  assert.equal(h.job.state, 'terminating');
  process.alive = false;
  h.clock.advance(50);
  assert.equal(h.job.state, 'stopped');
});

test('an unhealthy job with onUnhealthy: restart is terminated and restarted without using up a restart', async () => {
  const h = harness(walkConfig);
  reach('running', h);
  INPUTS.healthy!(h);
  INPUTS.unhealthy!(h);
  assert.equal(h.job.state, 'terminating');
  assert.deepEqual(h.processes[0]?.signals, ['SIGTERM']);
  h.exit(143);
  assert.equal(h.job.state, 'backoff');
  h.clock.advance(200);
  assert.equal(h.job.state, 'running');
  // Its one restart is still there: a crash now goes to backoff, not to failed.
  h.exit(1);
  assert.equal(h.job.state, 'backoff');
});

test('during a shutdown nothing restarts and only stop hooks start', async () => {
  let shuttingDown = false;
  const mayStart: JobContext['mayStart'] = (_job, why) => !shuttingDown || why === 'trigger';
  const h = harness(walkConfig, { mayStart });
  reach('running', h);
  shuttingDown = true;
  h.exit(1);
  assert.equal(h.job.state, 'failed');
  assert.ok(h.lines.includes('INFO not restarted: pilotfish is shutting down'), h.lines.join('\n'));

  const hook = harness(jobConfig('on-change', { exec: command('hook'), when: after('watch.db', 'changed', 'each') }), { mayStart: () => false });
  hook.input({ kind: 'trigger' });
  assert.equal(hook.job.state, 'idle');
  assert.equal(hook.processes.length, 0);
});

test('a periodic job runs on the clock, starts the run a tick came during as soon as the run ends, and stops cleanly', async () => {
  const h = harness(jobConfig('tick', { exec: command('tick'), when: { kind: 'interval', interval: 1000 }, restarts: Infinity, timeout: 1000 }));
  h.input({ kind: 'startup' });
  assert.equal(h.job.state, 'running');
  h.exit(0);
  assert.equal(h.job.state, 'idle');
  h.clock.advance(1000);
  assert.equal(h.processes.length, 2);
  // This run goes on past the next tick, and the run timeout (the interval) kills it: the run that
  // tick was for starts as soon as it is gone (as ContainerPilot did), not a whole interval later.
  h.clock.advance(1000);
  assert.equal(h.job.state, 'killing');
  assert.equal(h.processes.length, 2);
  h.exit(137);
  assert.equal(h.job.state, 'running');
  assert.equal(h.processes.length, 3);
  h.exit(0);
  assert.equal(h.job.state, 'idle');
  await h.job.stop();
  assert.equal(h.job.state, 'stopped');
  assert.equal(h.clock.pending, 0);
});

test('failures are logged at their level: an exit WARN, killed by a signal in words, failed for good ERROR', async () => {
  const h = harness(jobConfig('crash', { exec: command('crash'), restarts: 0 }));
  h.input({ kind: 'startup' });
  (h.processes[0] as FakeProcess).alive = false;
  h.input({ kind: 'exited', run: h.job.runNumber, status: { code: 137, signal: 'SIGKILL' } });
  assert.equal(h.job.state, 'failed');
  assert.ok(h.lines.includes('WARN killed by SIGKILL'), h.lines.join('\n'));
  assert.ok(h.lines.includes('ERROR failed, no restarts left'), h.lines.join('\n'));
});

test('a healthy job whose process is killed turns unhealthy saying so, and its snapshot carries the reason', async () => {
  const h = harness(walkConfig);
  reach('running', h);
  // The app says it is ready: the monitor flips to healthy, as a passing check makes it.
  h.input({ kind: 'notify', fields: { READY: '1', STATUS: 'HTTP 200: ok' } });
  assert.equal(h.job.health, 'healthy');
  const events: string[] = [];
  h.bus.subscribe('details', (event) => {
    if (event.kind === 'unhealthy') events.push(event.detail ?? '');
  });
  (h.processes[0] as FakeProcess).alive = false;
  h.input({ kind: 'exited', run: h.job.runNumber, status: { code: 137, signal: 'SIGKILL' } });
  await h.bus.idle();
  assert.deepEqual(events, ['killed by SIGKILL']);
  assert.equal(h.job.snapshot().healthReason, 'killed by SIGKILL');
});

// A container's clock is often set by NTP after boot: how long a run lasted must not follow it.
for (const { step, ranMs, expected } of [
  { step: +3_600_000, ranMs: 50, expected: /^INFO restarting in \d+ ms$/ },
  { step: -3_600_000, ranMs: 20_000, expected: /^INFO restarting at once$/ },
]) {
  test(`a run is timed on the monotonic clock: ${ranMs} ms with the wall clock stepped ${step > 0 ? 'forward' : 'back'} an hour is ${ranMs < 10_000 ? 'a quick crash' : 'a stable run'}`, () => {
    const h = harness(jobConfig('crash', { exec: command('crash'), restarts: 5, backoff: { delay: 100, factor: 2, limit: 1000, resetAfter: 10_000 } }));
    h.input({ kind: 'startup' });
    h.clock.advance(ranMs);
    h.clock.stepWallClock(step);
    h.exit(1);
    assert.equal(h.job.state, 'backoff');
    assert.match(h.lines.filter((line) => line.includes('restarting')).join('\n'), expected);
  });
}

test("a run's timestamps are the wall clock's: stepped forward an hour, the start and exit that status shows move with it", () => {
  const h = harness(jobConfig('app', { exec: command('app'), restarts: 0 }));
  const before = h.clock.wallTime().getTime();
  h.clock.stepWallClock(3_600_000);
  h.input({ kind: 'startup' });
  h.exit(0);
  const snapshot = h.job.snapshot();
  assert.equal(Date.parse(snapshot.startedAt ?? ''), before + 3_600_000);
  assert.equal(Date.parse(snapshot.lastExit?.at ?? ''), before + 3_600_000);
});
