// The client verbs against a running supervisor, as an operator types them, and ContainerPilot's
// flag forms as its scripts call them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { runConfig, runPilotfish } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = runPilotfish({ args, env });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

describe('the client verbs', () => {
  let pilotfish: RunningSupervisor;
  /** Runs a verb against this supervisor, which it finds through $PILOTFISH_SOCKET. */
  const verb = (...args: string[]) => cli(args, { PILOTFISH_SOCKET: pilotfish.socket });
  before(async () => {
    pilotfish = await startSupervisor(`{
      telemetry: { port: 0, interfaces: "static:127.0.0.1", metrics: [ { name: "queue_depth", help: "depth", type: "gauge" } ] },
      jobs: [
        { name: "app", exec: "sh -c 'echo mode=$MODE; exec sleep 60'", stopTimeout: "1s", health: { exec: "echo fine", interval: "100ms", timeout: "5s" } },
        { name: "noisy", exec: "sh -c 'echo to-stderr >&2; exec sleep 60'" },
      ],
    }`);
  });
  after(() => pilotfish.stop());

  it('ping prints ok', async () => {
    assert.deepEqual(await verb('ping'), { code: 0, output: 'ok' });
  });

  it('status prints a table of the jobs', async () => {
    await waitFor(async () => /app\s+running\s+healthy/.test((await verb('status')).output), 'app healthy in the table');
    const { code, output } = await verb('status');
    assert.equal(code, 0);
    const [header, , columns, ...rows] = output.split('\n');
    assert.match(header ?? '', /^pilotfish 0\.1\.0 {2}· {2}pid \d+ {2}· {2}up \d+s {2}· {2}config .*pilotfish\.json5 \([0-9a-f]{12}\)$/);
    assert.match(columns ?? '', /^JOB\s+STATE\s+HEALTH\s+PID\s+RESTARTS\s+UPTIME\s+LAST EXIT\s+LAST CHECK$/);
    assert.match(rows.find((row) => row.startsWith('app')) ?? '', /^app\s+running\s+healthy\s+\d+\s+0\s+\d+s\s+-\s+ok: fine$/);
    assert.match(rows.find((row) => row.startsWith('noisy')) ?? '', /^noisy\s+running\s+-\s+\d+\s/);
    assert.match(output, /^telemetry: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    assert.match(output, /^control: listening on /m);
  });

  it('status --json prints the whole status', async () => {
    const { code, output } = await verb('status', '--json');
    assert.equal(code, 0);
    const status = JSON.parse(output) as { jobs: Array<{ name: string }>; configHash: string };
    assert.deepEqual(status.jobs.map((job) => job.name), ['app', 'noisy']);
  });

  it('env set, restart and logs: a variable reaches the restarted job', async () => {
    assert.deepEqual(await verb('env', 'set', 'MODE=a=b', 'OTHER=1'), { code: 0, output: 'env set: MODE, OTHER (for processes started from now on)' });
    assert.deepEqual(await verb('env', 'set', 'MODE'), { code: 2, output: `pilotfish env set: expected NAME=VALUE, got "MODE" (see 'pilotfish env set --help')` });
    assert.match((await verb('restart', 'app')).output, /^app: running \(pid \d+\)$/);
    await waitFor(async () => (await verb('logs', 'app')).output.includes('[app] mode=a=b'), 'the new value in the logs');
    const all = await verb('logs', '-n', '50');
    assert.match(all.output, /\[noisy\] to-stderr/);
    for (const count of ['abc', '1.5']) {
      assert.deepEqual(await verb('logs', '-n', count), { code: 2, output: `pilotfish logs: --lines (-n) must be a whole number of lines, such as 100 (see 'pilotfish logs --help')` });
    }
  });

  it('logs -f follows new lines', async () => {
    // The last line comes first: proof that the stream is open, not a pause that a loaded machine outlasts.
    const follow = runPilotfish({ args: ['logs', 'app', '-f', '-n', '1'], env: { PILOTFISH_SOCKET: pilotfish.socket } });
    await waitFor(() => follow.lines.length > 0, 'the last line of the log', 10_000);
    const seen = follow.lines.length;
    await verb('restart', 'app');
    await waitFor(() => follow.lines.slice(seen).some((line) => /\[app\] mode=/.test(line)), `the restarted app's output in:\n${follow.output()}`, 10_000);
    follow.signal('SIGINT');
    await follow.exited;
  });

  it('stop and start a job', async () => {
    assert.deepEqual(await verb('stop', 'app'), { code: 0, output: 'app: stopped' });
    assert.match((await verb('start', 'app')).output, /^app: running/);
  });

  it('stop, start and restart several jobs at once, or all of them', async () => {
    assert.deepEqual(await verb('stop', 'app', 'noisy'), { code: 0, output: 'app: stopped\nnoisy: stopped' });
    assert.match((await verb('start', 'all')).output, /^app: running \(pid \d+\)\nnoisy: running \(pid \d+\)$/);
    const restarted = await verb('restart', 'all');
    assert.equal(restarted.code, 0);
    assert.match(restarted.output, /^app: running \(pid \d+\)\nnoisy: running \(pid \d+\)$/);
  });

  it('one refused job among several: the others are done, the refusal printed, exit 1', async () => {
    const { code, output } = await verb('restart', 'ghost', 'noisy');
    assert.equal(code, 1);
    assert.match(output, /no job named "ghost"/);
    assert.match(output, /^noisy: running \(pid \d+\)$/m);
  });

  it('signal a job by name or number, and say it was sent', async () => {
    assert.deepEqual(await verb('signal', 'noisy', 'CONT'), { code: 0, output: 'noisy: sent SIGCONT' });
    // The number is this system's, as kill(1) takes it; pilotfish is told the name.
    assert.deepEqual(await verb('signal', 'noisy', String(constants.signals.SIGCONT)), { code: 0, output: 'noisy: sent SIGCONT' });
    assert.deepEqual(await verb('signal', 'noisy', 'sigcont'), { code: 0, output: 'noisy: sent SIGCONT' });
    // Neither a name nor a number of this system: the command line's mistake, said as one before asking pilotfish.
    for (const signal of ['999', 'NOPE', '-9']) {
      assert.deepEqual(await verb('signal', 'noisy', signal), {
        code: 2,
        output: `pilotfish signal: "${signal}" is not a signal name or number on this system, such as HUP, SIGTERM or 9 (see 'pilotfish signal --help')`,
      });
    }
  });

  it('maintenance on and off', async () => {
    assert.deepEqual(await verb('maintenance', 'on'), { code: 0, output: 'maintenance on' });
    assert.match((await verb('status')).output, /MAINTENANCE/);
    assert.deepEqual(await verb('maintenance', 'off'), { code: 0, output: 'maintenance off' });
  });

  it('metric sets declared metrics and refuses unknown ones, unless told to skip them', async () => {
    assert.deepEqual(await verb('metric', 'queue_depth=3'), { code: 0, output: 'metric set: queue_depth=3' });
    const unknown = await verb('metric', 'nope=1');
    assert.equal(unknown.code, 1);
    assert.match(unknown.output, /no metric named nope/);
    assert.equal((await verb('metric', '--ignore-unknown', 'nope=1', 'queue_depth=4')).code, 0);
    assert.deepEqual(await verb('metric', 'queue_depth=lots'), {
      code: 2,
      output: `pilotfish metric: the value of queue_depth must be a number, got "lots" (see 'pilotfish metric --help')`,
    });
    assert.deepEqual(await verb('metric', 'queue_depth'), { code: 2, output: `pilotfish metric: expected NAME=VALUE, got "queue_depth" (see 'pilotfish metric --help')` });
  });

  it('reload reports what changed', async () => {
    assert.deepEqual(await verb('reload'), { code: 0, output: 'reloaded: no job changed' });
  });

  it('an unknown job is an error with exit code 1', async () => {
    const { code, output } = await verb('stop', 'ghost');
    assert.equal(code, 1);
    assert.match(output, /no job named "ghost"/);
  });

  it("ContainerPilot's flags keep working", async () => {
    assert.deepEqual(await verb('-ping'), { code: 0, output: 'ok' });
    const putenv = await verb('-putenv', 'MODE=from-cp', '-putenv=X=1');
    assert.equal(putenv.code, 0, putenv.output);
    assert.deepEqual((JSON.parse((await verb('status', '--json')).output) as { envSet: string[] }).envSet, ['MODE', 'OTHER', 'X']);
    const putmetric = await verb('-putmetric', 'queue_depth=9', '-putmetric', 'unknown=1');
    assert.equal(putmetric.code, 0, putmetric.output);
    assert.deepEqual(await verb('-maintenance', 'enable'), { code: 0, output: 'maintenance on' });
    assert.deepEqual(await verb('-maintenance', 'disable'), { code: 0, output: 'maintenance off' });
    const reload = await verb('-reload');
    assert.equal(reload.code, 0, reload.output);
  });
});

describe('status says what a job that does not run waits for', () => {
  let pilotfish: RunningSupervisor;
  before(async () => {
    pilotfish = await startSupervisor(`{
      jobs: [
        { name: "db", exec: "sleep 60", stopTimeout: "1s", health: { exec: "false", interval: "100ms", timeout: "5s" } },
        { name: "app", exec: "sleep 60", when: { source: "db", once: "healthy" } },
        { name: "rotate", exec: "true", when: { interval: "1h" } },
        { name: "reload-hook", exec: "true", when: { source: "SIGHUP" } },
      ],
    }`);
  });
  after(() => pilotfish.stop());
  const status = (...args: string[]) => cli(['status', ...args], { PILOTFISH_SOCKET: pilotfish.socket });

  it('an event from another job, the next run of a periodic job, a signal; and how a job an operator stopped starts again', async () => {
    await waitFor(async () => /db\s+running\s+unhealthy/.test((await status()).output), 'db unhealthy in the table');
    const { output } = await status();
    assert.match(output, /^app waits for healthy from db$/m);
    assert.match(output, /^rotate waits for its next run \(every 1h\)$/m);
    assert.match(output, /^reload-hook waits for SIGHUP$/m);
    assert.doesNotMatch(output, /^db waits/m);
    const json = JSON.parse((await status('--json')).output) as { jobs: Array<{ name: string; waitingFor?: string }> };
    assert.equal(json.jobs.find((job) => job.name === 'app')?.waitingFor, 'healthy from db');
    assert.equal((await cli(['stop', 'db'], { PILOTFISH_SOCKET: pilotfish.socket })).code, 0);
    assert.match((await status()).output, /^db waits for pilotfish start \(stopped by an operator\)$/m);
  });
});

describe('finding the control socket', () => {
  it("reads control.socket from the config (--config, $PILOTFISH_CONFIG, …) when nothing overrides it", async () => {
    const socketDir = mkdtempSync(join(tmpdir(), 'pilotfish-cli-socket-'));
    const socket = join(socketDir, 'from-config.socket');
    const pilotfish = await startSupervisor(`{ control: { socket: "${socket}" }, jobs: [ { name: "app", exec: "sleep 60" } ] }`, { socket });
    try {
      const config = join(pilotfish.dir, 'pilotfish.json5');
      assert.deepEqual(await cli(['ping', '--config', config], { PILOTFISH_SOCKET: '' }), { code: 0, output: 'ok' });
      assert.deepEqual(await cli(['-ping', '-config', config], { PILOTFISH_SOCKET: '' }), { code: 0, output: 'ok' });
      assert.deepEqual(await cli(['ping'], { PILOTFISH_SOCKET: '', PILOTFISH_CONFIG: config }), { code: 0, output: 'ok' });
      assert.deepEqual(await cli(['ping', '--socket', socket]), { code: 0, output: 'ok' });
    } finally {
      await pilotfish.stop();
    }
  });

  it('refuses a --config it cannot read, with exit 2, instead of sending the verb to the default socket', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'pilotfish-cli-config-')), 'typo.json5');
    for (const verb of [['status'], ['stop', 'all'], ['reload']]) {
      const { code, output } = await cli([...verb, '--config', missing], { PILOTFISH_SOCKET: '' });
      assert.equal(code, 2, `${verb.join(' ')}: ${output}`);
      assert.equal(output, `${missing}: cannot read the config file: ENOENT: no such file or directory, open '${missing}'`);
    }
  });

  it('says clearly when nothing listens', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'pilotfish-cli-socket-')), 'none.socket');
    const { code, output } = await cli(['status', '--socket', missing]);
    assert.equal(code, 1);
    assert.match(output, new RegExp(`cannot reach pilotfish at ${missing}: .*ENOENT.*is pilotfish running`));
  });

  it('a second supervisor on the same socket leaves the first one in charge', async () => {
    const first = await startSupervisor(`{ jobs: [ { name: "first", exec: "sleep 60" } ] }`);
    const second = runConfig(`{ jobs: [ { name: "second", exec: "sleep 60" } ] }`, { env: { PILOTFISH_SOCKET: first.socket } });
    try {
      await second.waitForLine(/no control socket: another process is listening on/);
      assert.match((await first.call('GET', '/v1/status')).body, /"first"/);
    } finally {
      second.signal('SIGTERM');
      await second.exited;
      await first.stop();
    }
  });
});

