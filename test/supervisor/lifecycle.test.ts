// The supervisor's lifecycle, end to end: the real `pilotfish run` command, real job processes,
// real signals. Each test reads as one promise pilotfish makes to its users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSupervisor } from '../helpers/control.js';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const indexOfLine = (lines: string[], pattern: RegExp) => lines.findIndex((line) => pattern.test(line));

test('a preStart hook runs first and the app starts only after it succeeded', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "prestart", exec: "sh -c 'sleep 0.2; echo prepared'" },
      { name: "app", exec: "echo app-running", when: { source: "prestart", once: "exitSuccess" } },
    ],
  }`);
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  const prepared = indexOfLine(run.lines, /\[prestart\] prepared/);
  const app = indexOfLine(run.lines, /\[app\] app-running/);
  assert.ok(prepared >= 0 && app > prepared, run.output());
});

test('a failed preStart keeps the app from starting and becomes the exit code', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "prestart", exec: "sh -c 'exit 4'" },
      { name: "app", exec: "echo app-running", when: { source: "prestart", once: "exitSuccess" } },
    ],
  }`);
  const { code } = await run.exited;
  assert.equal(code, 4);
  assert.equal(indexOfLine(run.lines, /app-running/), -1, run.output());
  assert.match(run.output(), /no job is running or can run again/);
});

test("a hook on another job's event runs each time the event happens", async () => {
  const run = runConfig(`{
    jobs: [
      { name: "flaky", exec: "sh -c 'exit 1'", restarts: 2, backoff: { delay: "10ms" } },
      { name: "on-failure", exec: "echo saw-failure", when: { source: "flaky", each: "exitFailed" } },
    ],
  }`);
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.equal(run.lines.filter((line) => /\[on-failure\] saw-failure/.test(line)).length, 3, run.output());
});

test('a periodic job runs at startup and then every interval, never overlapping', async () => {
  const run = runConfig(`{
    logging: { level: "DEBUG" },
    jobs: [
      { name: "tick", exec: "echo tick", when: { interval: "150ms" } },
      { name: "slow", exec: "sh -c 'echo slow-start; sleep 0.5'", when: { interval: "100ms" }, timeout: "2s" },
      { name: "app", exec: "sleep 30" },
    ],
  }`);
  await waitFor(() => run.lines.filter((line) => /\[tick\] tick/.test(line)).length >= 4, 'four ticks', 20_000);
  // A 500 ms run spans several 100 ms intervals: they make one more run, once it has ended.
  await run.waitForLine(/\[slow\] exited with code 0/);
  await run.waitForLine(/\[slow\] previous run still in progress: the next starts when it ends/);
  run.signal('SIGTERM');
  await run.exited;
  // Never overlapping: each run of slow has ended before the next one starts.
  const slowRuns = run.lines.flatMap((line) => (/\[slow\] started:/.test(line) ? ['start'] : /\[slow\] exited/.test(line) ? ['exit'] : []));
  assert.ok(slowRuns.length >= 2, run.output());
  slowRuns.forEach((step, index) => assert.equal(step, index % 2 === 0 ? 'start' : 'exit', run.output()));
});

test("a periodic job's routine runs are logged at DEBUG: its first run, a failure and the first run after one at INFO and WARN", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-periodic-'));
  // Runs 1, 2 pass, 3 fails, 4 on pass.
  const script = `n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; [ $n -ne 3 ]`;
  const run = runConfig(`{ jobs: [
    { name: "poll", exec: ["sh", "-c", ${JSON.stringify(script)}], cwd: "${dir}", when: { interval: "100ms" } },
    { name: "app", exec: "sleep 30" },
  ] }`);
  await waitFor(() => existsSync(join(dir, 'count')) && Number(readFileSync(join(dir, 'count'), 'utf8')) >= 6, 'six runs', 20_000);
  run.signal('SIGTERM');
  await run.exited;
  const poll = run.lines.filter((line) => /\[poll\] (started|exited)/.test(line)).map((line) => line.replace(/^\S+ /, '').replace(/pid=\d+/, 'pid=N'));
  assert.deepEqual(poll, [
    'INFO  pid=N [poll] started: sh (shell command)',
    'INFO  pid=N [poll] exited with code 0',
    'WARN  pid=N [poll] exited with code 1',
    'INFO  pid=N [poll] started: sh (shell command)',
    'INFO  pid=N [poll] exited with code 0',
  ]);
});

test('a crashing job is restarted with exponential backoff, then fails for good', async () => {
  const run = runConfig(`{
    logging: { level: "DEBUG" },
    jobs: [
      { name: "crash", exec: "sh -c 'echo run; exit 3'", restarts: 3, backoff: { delay: "100ms", factor: 2, limit: "1s" } },
    ],
  }`);
  // Lower bounds only, on the monotonic clock: a loaded machine makes them longer, never shorter.
  const started = performance.now();
  const { code } = await run.exited;
  const elapsed = performance.now() - started;
  assert.equal(code, 3);
  assert.equal(run.lines.filter((line) => /pid=\d+ \[crash\] run$/.test(line)).length, 4, run.output());
  const delays = run.lines.flatMap((line) => /restarting in (\d+) ms/.exec(line)?.[1] ?? []).map(Number);
  assert.equal(delays.length, 3);
  assert.ok(delays[0]! >= 100 && delays[0]! <= 110, `${delays}`);
  assert.ok(delays[1]! >= 200 && delays[1]! <= 220, `${delays}`);
  assert.ok(delays[2]! >= 400 && delays[2]! <= 440, `${delays}`);
  assert.ok(elapsed >= 700, `took ${elapsed} ms`);
  assert.match(run.output(), /running → failed|→ failed/);
});

test('a job that had been running fine is restarted at once', async () => {
  // Its run lasts at least 400 ms, past resetAfter however loaded the machine: a stable run.
  const run = runConfig(`{
    jobs: [
      { name: "steady", exec: "sh -c 'echo up; sleep 0.4; exit 1'", restarts: 1, backoff: { delay: "5s", resetAfter: "300ms" } },
    ],
  }`);
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.equal(run.lines.filter((line) => /pid=\d+ \[steady\] up$/.test(line)).length, 2, run.output());
  // The restart's delay was 0, not the 5 s backoff: the log says which one it was.
  assert.equal(run.lines.filter((line) => /\[steady\] restarting at once/.test(line)).length, 1, run.output());
  assert.doesNotMatch(run.output(), /restarting in/);
});

test('health flips only after `threshold` consecutive results, and each flip is one event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-health-'));
  const flag = join(dir, 'flag');
  const run = runConfig(`{
    logging: { level: "DEBUG" },
    jobs: [
      {
        name: "app",
        exec: "sleep 30",
        health: { exec: "test -e ${flag}", interval: "100ms", threshold: 3, successThreshold: 2 },
      },
      { name: "on-healthy", exec: "echo became-healthy", when: { source: "app", each: "healthy" } },
      { name: "on-unhealthy", exec: "echo became-unhealthy", when: { source: "app", each: "unhealthy" } },
    ],
  }`);
  const count = (pattern: RegExp) => run.lines.filter((line) => pattern.test(line)).length;
  // Matches the hooks' output, not the 'started: echo …' lines that quote it.
  await run.waitForLine(/\[on-unhealthy\] became-unhealthy/);
  writeFileSync(flag, '');
  await run.waitForLine(/\[on-healthy\] became-healthy/);
  rmSync(flag);
  await waitFor(() => count(/\[on-unhealthy\] became-unhealthy/) === 2, 'a second unhealthy flip');
  // Many checks ran meanwhile (five more failures now); only the three edges produced events.
  const failures = () => count(/\[app\] health check failed/);
  const failuresSoFar = failures();
  await waitFor(() => failures() >= failuresSoFar + 5, 'five more failed checks');
  run.signal('SIGTERM');
  await run.exited;
  assert.equal(count(/\[on-healthy\] became-healthy/), 1, run.output());
  assert.equal(count(/\[on-unhealthy\] became-unhealthy/), 2, run.output());
});

test('stop escalates to SIGKILL for a job that ignores its stop signal', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "stubborn", exec: ["sh", "-c", "trap 'echo ignoring-term' TERM; echo ready; while true; do sleep 0.05; done"], stopTimeout: "400ms" },
    ],
  }`);
  await run.waitForLine(/\[stubborn\] ready/);
  const signalled = performance.now();
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 143);
  assert.ok(performance.now() - signalled >= 400, 'not SIGKILLed before its stopTimeout');
  const ignored = indexOfLine(run.lines, /\[stubborn\] ignoring-term/);
  const killed = indexOfLine(run.lines, /\[stubborn\] did not stop within 400 ms of SIGTERM: sending SIGKILL/);
  assert.ok(ignored >= 0 && killed > ignored, run.output());
});

test('shutdown runs the stopping and stopped hooks around the stop, and exits as soon as all is done', async () => {
  // A top-level stopTimeout of an hour: a shutdown that slept it (as ContainerPilot did) would never end.
  const run = runConfig(`{
    main: "app",
    stopTimeout: "1h",
    jobs: [
      { name: "app", exec: ["sh", "-c", "trap 'echo app-got-term; exit 0' TERM; echo app-ready; while true; do sleep 0.05; done"], stopTimeout: "5s" },
      { name: "prestop", exec: "sh -c 'echo prestop-ran'", when: { source: "app", once: "stopping" } },
      { name: "poststop", exec: "echo poststop-ran", when: { source: "app", once: "stopped" } },
    ],
  }`);
  await run.waitForLine(/\[app\] app-ready/);
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 0, run.output());
  const prestop = indexOfLine(run.lines, /\[prestop\] prestop-ran/);
  const term = indexOfLine(run.lines, /\[app\] app-got-term/);
  const poststop = indexOfLine(run.lines, /\[poststop\] poststop-ran/);
  assert.ok(prestop >= 0 && term > prestop && poststop > term, run.output());
});

for (const main of [undefined, 'app']) {
  test(`a job that ends on its own runs its preStop hook to the end, then its postStop hook to the end, as ContainerPilot did${main ? ' (the main job: its end shuts pilotfish down)' : ''}`, async () => {
    const run = runConfig(`{
      ${main ? `main: "${main}",` : ''}
      jobs: [
        { name: "app", exec: "sh -c 'sleep 0.2; exit 3'" },
        { name: "prestop", exec: "sh -c 'echo prestop-begins; sleep 0.5; echo prestop-ends'", when: { source: "app", once: "stopping" } },
        { name: "poststop", exec: "sh -c 'echo poststop-begins; sleep 0.3; echo poststop-ends'", when: { source: "app", once: "stopped" } },
      ],
    }`);
    assert.equal((await run.exited).code, 3, run.output());
    const prestopEnds = indexOfLine(run.lines, /\[prestop\] prestop-ends/);
    const poststopBegins = indexOfLine(run.lines, /\[poststop\] poststop-begins/);
    const poststopEnds = indexOfLine(run.lines, /\[poststop\] poststop-ends/);
    assert.ok(prestopEnds >= 0 && poststopBegins > prestopEnds && poststopEnds > poststopBegins, run.output());
  });
}

test('jobs stop in reverse dependency order', async () => {
  const run = runConfig(`{
    jobs: [
      {
        name: "db",
        exec: ["sh", "-c", "trap 'echo db-stopping; exit 0' TERM; echo db-up; while true; do sleep 0.05; done"],
        health: { exec: "true", interval: "100ms" },
      },
      {
        name: "api",
        exec: ["sh", "-c", "trap 'sleep 0.3; echo api-stopping; exit 0' TERM; echo api-up; while true; do sleep 0.05; done"],
        when: { source: "db", once: "healthy" },
      },
    ],
  }`);
  await run.waitForLine(/\[api\] api-up/);
  run.signal('SIGTERM');
  await run.exited;
  const api = indexOfLine(run.lines, /\[api\] api-stopping/);
  const db = indexOfLine(run.lines, /\[db\] db-stopping/);
  assert.ok(api >= 0 && db > api, run.output());
});

test('the main job decides the exit code', async () => {
  const run = runConfig(`{
    main: "app",
    jobs: [
      { name: "app", exec: "sh -c 'sleep 0.2; exit 7'" },
      { name: "other", exec: "sleep 30" },
    ],
  }`);
  await waitFor(() => run.lines.some((line) => /\[app\] exited with code 7/.test(line)), 'app to exit');
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 7);
});

test('the main job ends the container with its code when it has ended for good, even beside a periodic job', { timeout: 60_000 }, async () => {
  const run = runConfig(`{
    main: "app",
    jobs: [
      { name: "app", exec: "sh -c 'sleep 0.3; exit 4'", restarts: 1, backoff: { delay: "10ms" } },
      { name: "poll", exec: "true", when: { interval: "100ms" } },
    ],
  }`);
  const { code } = await run.exited;
  assert.equal(code, 4, run.output());
  assert.equal(run.lines.filter((line) => /\[app\] exited with code 4/.test(line)).length, 2, run.output());
  assert.match(run.output(), /ERROR +\[app\] failed, no restarts left/);
  // One line says why pilotfish shuts down, in the words of the app's exit.
  assert.equal(run.lines.filter((line) => /shutting down/.test(line)).length, 1, run.output());
  assert.match(run.output(), /INFO +shutting down \(the main job app exited with code 4\)$/m);
  assert.match(run.output(), /WARN .*stopped; exiting with code 4: the main job app exited with code 4/);
});

test('a main job that can never start ends the container, with the code of the job that failed, even beside a periodic job', { timeout: 60_000 }, async () => {
  const run = runConfig(`{
    main: "app",
    jobs: [
      { name: "setup", exec: "sh -c 'exit 3'" },
      { name: "app", exec: "echo app-running", when: { source: "setup", once: "exitSuccess" } },
      { name: "poll", exec: "true", when: { interval: "100ms" } },
    ],
  }`);
  assert.equal((await run.exited).code, 3, run.output());
  assert.equal(indexOfLine(run.lines, /app-running/), -1, run.output());
  assert.match(run.output(), /shutting down \(the main job app can never start: it waits for exitSuccess from setup, which can no longer come\)$/m);
  assert.match(run.output(), /WARN .*stopped; exiting with code 3: the main job app can never start/);
});

test('a main job that can never start, with no other job left to run, exits 1 saying so, not 0 as if every job had done its work', { timeout: 60_000 }, async () => {
  // db's check never passes and db ends: the healthy the app waits for can no longer come, and nothing failed.
  const run = runConfig(`{
    main: "app",
    jobs: [
      { name: "db", exec: "sleep 0.3", health: { exec: "false", interval: "100ms" } },
      { name: "app", exec: "echo app-running", when: { source: "db", once: "healthy" } },
    ],
  }`);
  assert.equal((await run.exited).code, 1, run.output());
  assert.equal(indexOfLine(run.lines, /app-running/), -1, run.output());
  assert.match(run.output(), /shutting down \(the main job app can never start: it waits for healthy from db, which can no longer come\)$/m);
  assert.match(run.output(), /WARN .*stopped; exiting with code 1: the main job app can never start/);
});

test('a main job whose awaited event can no longer come exits 1 when nothing failed, and one still waiting on a restarting job keeps waiting', { timeout: 60_000 }, async () => {
  // setup succeeds, so the failure the app waits for never comes; nothing failed, yet the app never ran.
  const neverFails = runConfig(`{
    main: "app",
    jobs: [
      { name: "setup", exec: "true" },
      { name: "app", exec: "echo app-running", when: { source: "setup", once: "exitFailed" } },
      { name: "poll", exec: "true", when: { interval: "100ms" } },
    ],
  }`);
  assert.equal((await neverFails.exited).code, 1, neverFails.output());
  // setup fails twice, then succeeds on its last restart: the app starts, and ends the container with its code.
  const marks = mkdtempSync(join(tmpdir(), 'pilotfish-retry-'));
  const retried = runConfig(`{
    main: "app",
    jobs: [
      { name: "setup", exec: ["sh", "-c", "n=$(ls ${marks} | wc -l); touch ${marks}/$n; [ $n -ge 2 ]"], restarts: 2, backoff: { delay: "50ms" } },
      { name: "app", exec: "sh -c 'echo app-running; exit 5'", when: { source: "setup", once: "exitSuccess" } },
      { name: "poll", exec: "true", when: { interval: "100ms" } },
    ],
  }`);
  assert.equal((await retried.exited).code, 5, retried.output());
  assert.notEqual(indexOfLine(retried.lines, /\[app\] app-running/), -1, retried.output());
});

test('with logging.level "warn", a crashing app still shows: each exit WARN, in words for a signal, failing for good ERROR, the exit line WARN', async () => {
  // The first run exits 3, the second is killed by SIGKILL.
  const ranOnce = join(mkdtempSync(join(tmpdir(), 'pilotfish-warn-')), 'ran-once');
  const run = runConfig(`{
    logging: { level: "warn" },
    jobs: [
      { name: "app", exec: ["sh", "-c", "if [ -e ${ranOnce} ]; then kill -KILL $$; fi; touch ${ranOnce}; exit 3"], restarts: 1, backoff: { delay: "10ms" } },
    ],
  }`);
  assert.equal((await run.exited).code, 137, run.output());
  const lines = run.lines.map((line) => line.replace(/^\S+ /, ''));
  assert.deepEqual(lines.map((line) => line.replace(/pid=\d+/, 'pid=N')), [
    'WARN  pid=N [app] exited with code 3',
    'WARN  pid=N [app] killed by SIGKILL',
    'ERROR [app] failed, no restarts left',
    'WARN  stopped; exiting with code 137: app failed with code 137',
  ], run.output());
});

test('a main job with an explicit onExit: "ignore" leaves pilotfish running, and still gives the exit code', { timeout: 60_000 }, async () => {
  const run = runConfig(`{
    main: "app",
    jobs: [
      { name: "app", exec: "sh -c 'exit 4'", onExit: "ignore" },
      { name: "poll", exec: "echo polled", when: { interval: "100ms" } },
    ],
  }`);
  await run.waitForLine(/\[app\] exited with code 4/);
  const polls = () => run.lines.filter((line) => /\[poll\] polled/.test(line)).length;
  const before = polls();
  await waitFor(() => polls() >= before + 2, 'two more polls after the main job ended');
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 4);
});

test('onExit: shutdown stops everything when that job ends, with its code', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "app", exec: "sh -c 'sleep 0.3; exit 9'", onExit: "shutdown" },
      { name: "sidecar", exec: "sleep 30" },
    ],
  }`);
  const { code } = await run.exited;
  assert.equal(code, 9);
  assert.match(run.output(), /shutting down \(app exited with code 9 and its onExit is shutdown\)$/m);
});

test('SIGTERM without a main job exits with 128+15', async () => {
  const run = runConfig(`{ jobs: [ { name: "app", exec: "sleep 30" } ] }`);
  await run.waitForLine(/\[app\] started/);
  run.signal('SIGTERM');
  assert.deepEqual(await run.exited, { code: 143, signal: null });
});

test('a registration-only job (no exec) keeps running until stopped', async () => {
  const run = runConfig(`{ jobs: [ { name: "svc", health: { exec: "true", interval: "100ms" } } ] }`);
  await run.waitForLine(/\[svc\] is healthy/);
  run.signal('SIGINT');
  assert.equal((await run.exited).code, 130);
});

test('a job whose start event never comes gives up after when.timeout', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "waiter", exec: "echo never", when: { source: "never", once: "healthy", timeout: "300ms" } },
      { name: "never", exec: "sh -c 'sleep 5'", health: { exec: "false", interval: "1s" }, onExit: "ignore" },
    ],
  }`);
  await run.waitForLine(/\[waiter\] its start event did not arrive within 300 ms/);
  run.signal('SIGTERM');
  await run.exited;
  assert.equal(indexOfLine(run.lines, /\[waiter\] never/), -1);
});

test("children get the ContainerPilot and pilotfish variables, other jobs' pids, and their own env", async () => {
  const run = runConfig(`{
    jobs: [
      { name: "long-runner", exec: "sleep 30", health: { exec: "true", interval: "100ms" } },
      {
        name: "env",
        exec: ["sh", "-c", "echo cp=$CONTAINERPILOT_PID pf=$PILOTFISH_PID own=$GREETING other=$CONTAINERPILOT_LONG_RUNNER_PID/$PILOTFISH_LONG_RUNNER_PID"],
        env: { GREETING: "hi there" },
        when: { source: "long-runner", once: "healthy" },
      },
    ],
  }`);
  const line = await run.waitForLine(/\[env\] cp=/);
  const started = await run.waitForLine(/\[long-runner\] started/);
  const other = /pid=(\d+)/.exec(started)?.[1];
  const pid = String(run.child.pid);
  assert.match(line, new RegExp(`cp=${pid} pf=${pid} own=hi there other=${other}/${other}$`));
  run.signal('SIGTERM');
  await run.exited;
});

test('raw logging passes output through untouched; default logging prefixes each line with the job', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "raw", exec: "echo raw-output", logging: { raw: true } },
      { name: "cooked", exec: "echo cooked-output" },
    ],
  }`);
  await run.exited;
  assert.ok(run.lines.includes('raw-output'), run.output());
  assert.match(run.lines.find((line) => /\] cooked-output/.test(line)) ?? '', /INFO +pid=\d+ \[cooked\] cooked-output/);
});

test('a string exec with shell operators runs through /bin/sh; quotes are respected', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "pipe", exec: "echo one two | tr a-z A-Z && echo 'quoted  spaces'" },
      { name: "args", exec: "printf '%s|' \\"a b\\" c" },
    ],
  }`);
  await run.exited;
  assert.match(run.output(), /\[pipe\] ONE TWO/);
  assert.match(run.output(), /\[pipe\] quoted {2}spaces/);
  assert.match(run.output(), /\[args\] a b\|c\|/);
});

test('a job that cannot be started exits as failed with a clear message', async () => {
  const run = runConfig(`{ jobs: [ { name: "missing", exec: "/no/such/binary --flag" } ] }`);
  const { code } = await run.exited;
  assert.equal(code, 127);
  assert.match(run.output(), /\[missing\] could not start: spawn \/no\/such\/binary ENOENT: no \/no\/such\/binary$/m);
});

test('a program that cannot be found is said to be missing where it was looked for: PATH, the working directory, or its #! interpreter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-missing-'));
  writeFileSync(join(dir, 'script.sh'), '#!/no/such/shell\necho hi\n', { mode: 0o755 });
  const run = runConfig(`{ jobs: [
    { name: "unlisted", exec: ["no-such-program-anywhere"], env: { PATH: "/no/bin:/usr/bin" } },
    { name: "relative", exec: ["./nope.sh"], cwd: "${dir}" },
    { name: "interpreter", exec: ["./script.sh"], cwd: "${dir}" },
    { name: "nowhere", exec: ["true"], cwd: "${dir}/gone" },
  ] }`);
  assert.equal((await run.exited).code, 127);
  assert.match(run.output(), /\[unlisted\] could not start: spawn no-such-program-anywhere ENOENT: no no-such-program-anywhere in PATH \(\/no\/bin:\/usr\/bin\)$/m);
  assert.match(run.output(), new RegExp(`\\[relative\\] could not start: spawn ./nope.sh ENOENT: no ${dir}/nope.sh \\(./nope.sh is relative to the working directory, ${dir}\\)$`, 'm'));
  assert.match(run.output(), new RegExp(`\\[interpreter\\] could not start: spawn ./script.sh ENOENT: ${dir}/script.sh exists, but the interpreter on its #! line, /no/such/shell, does not$`, 'm'));
  assert.match(run.output(), new RegExp(`\\[nowhere\\] could not start: spawn true ENOENT: the working directory ${dir}/gone does not exist$`, 'm'));
});

test('a program that exists but cannot be executed says what the kernel did not find: a #! line with Windows line endings, the dynamic loader of a binary built for another libc', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-loader-'));
  writeFileSync(join(dir, 'crlf.sh'), '#!/bin/sh\r\necho hi\r\n', { mode: 0o755 });
  // /bin/true as a binary built for musl would be on a glibc system: its PT_INTERP names musl's loader.
  const elf = readFileSync('/bin/true');
  const loader = '/lib64/ld-linux-x86-64.so.2';
  const at = elf.indexOf(`${loader}\0`);
  assert.ok(at > 0, '/bin/true names the glibc loader');
  elf.write('/lib/ld-musl-x86_64.so.1\0', at, 'latin1');
  writeFileSync(join(dir, 'musl-app'), elf, { mode: 0o755 });
  const run = runConfig(`{ jobs: [
    { name: "crlf", exec: ["./crlf.sh"], cwd: "${dir}" },
    { name: "musl", exec: ["musl-app", "--version"], env: { PATH: "/no/bin:${dir}" } },
  ] }`);
  assert.equal((await run.exited).code, 127);
  assert.match(run.output(), new RegExp(`\\[crlf\\] could not start: spawn ./crlf.sh ENOENT: ${dir}/crlf.sh exists, but its #! line ends in a carriage return \\(Windows line endings\\)`, 'm'));
  assert.match(run.output(), new RegExp(`\\[musl\\] could not start: spawn musl-app ENOENT: ${dir}/musl-app exists, but the dynamic loader it was built for, /lib/ld-musl-x86_64\\.so\\.1, does not \\(a binary built for glibc on a musl image`, 'm'));
});

test('SIGHUP runs the jobs that hook it instead of reloading', async () => {
  const run = runConfig(`{
    jobs: [
      { name: "app", exec: "sleep 30" },
      { name: "on-hup", exec: "echo got-hup", when: { source: "SIGHUP" } },
    ],
  }`);
  await run.waitForLine(/\[app\] started/);
  run.signal('SIGHUP');
  await run.waitForLine(/\[on-hup\] got-hup/);
  run.signal('SIGHUP');
  await waitFor(() => run.lines.filter((line) => /\[on-hup\] got-hup/.test(line)).length === 2, 'a second run');
  assert.doesNotMatch(run.output(), /reload/);
  run.signal('SIGTERM');
  await run.exited;
});

test('a hook waiting on a global event keeps pilotfish running after the app has ended, until it has run', async () => {
  const run = await startSupervisor(`{
    jobs: [
      { name: "app", exec: "echo app-done" },
      { name: "on-maintenance", exec: "echo in-maintenance", when: { source: "global", once: "enterMaintenance" } },
    ],
  }`);
  await run.waitForLine(/\[app\] exited with code 0/);
  // Were pilotfish done, the control socket would be gone and the hook could never run.
  assert.equal((await run.call('POST', '/v1/maintenance', { enabled: true })).status, 200, run.output());
  await run.waitForLine(/\[on-maintenance\] in-maintenance/);
  // Now the `once` hook has run: nothing can run any more, and pilotfish exits by itself.
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.ok(indexOfLine(run.lines, /in-maintenance$/) < indexOfLine(run.lines, /no job is running or can run again/), run.output());
});

test('a failing postStop hook does not change the exit code, unless its onExit says its failure matters', async () => {
  const config = (onExit: string) => `{
    jobs: [
      { name: "app", exec: "echo app-done" },
      { name: "poststop", exec: "sh -c 'echo cleanup-failed; exit 3'", when: { source: "app", once: "stopped" }, onExit: "${onExit}" },
    ],
  }`;
  const ignored = runConfig(config('ignore'));
  assert.equal((await ignored.exited).code, 0, ignored.output());
  assert.match(ignored.output(), /\[poststop\] cleanup-failed/);
  const counted = runConfig(config('shutdownOnFailure'));
  assert.equal((await counted.exited).code, 3, counted.output());
});

test('SIGUSR1 reopens a log file, so rotation works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-log-'));
  const logFile = join(dir, 'pilotfish.log');
  const run = runConfig(`{ logging: { output: "${logFile}" }, jobs: [ { name: "app", exec: "sleep 30" } ] }`);
  await waitFor(() => existsSync(logFile) && /\[app\] started/.test(readFileSync(logFile, 'utf8')), 'the first log lines');
  renameSync(logFile, `${logFile}.1`);
  run.signal('SIGUSR1');
  await waitFor(() => existsSync(logFile) && /reopened/.test(readFileSync(logFile, 'utf8')), 'a new log file');
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
  assert.match(readFileSync(logFile, 'utf8'), /exiting with code 143/);
  assert.doesNotMatch(readFileSync(`${logFile}.1`, 'utf8'), /reopened/);
});

test('SIGUSR1 when the log file cannot be reopened keeps logging to the old file, and pilotfish runs on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-log-'));
  const logFile = join(dir, 'pilotfish.log');
  const run = runConfig(`{ logging: { output: "${logFile}" }, jobs: [ { name: "app", exec: "sleep 30" } ] }`);
  await waitFor(() => existsSync(logFile) && /\[app\] started/.test(readFileSync(logFile, 'utf8')), 'the first log lines');
  renameSync(logFile, `${logFile}.1`);
  mkdirSync(logFile);
  run.signal('SIGUSR1');
  await waitFor(() => /cannot open log output/.test(readFileSync(`${logFile}.1`, 'utf8')), 'the error line in the old file');
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
  assert.match(readFileSync(`${logFile}.1`, 'utf8'), /EISDIR[\s\S]*exiting with code 143/);
});
