// `pilotfish -- CMD ARGS…` as a container entrypoint (`ENTRYPOINT ["pilotfish", "--"]`, the app in
// `CMD`): as a real PID 1, with and without a config file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulAgent } from '../helpers/consul.js';
import { httpCall } from '../helpers/control.js';
import { HealthSwitch, serviceId, serviceJob } from '../helpers/discovery.js';
import { REPO_ROOT, runPilotfish, writeConfig, type RunOptions } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const NODE = process.execPath;
const AWAIT_ORPHANS_REAPED = join(REPO_ROOT, 'test/supervisor/fixtures/await-orphans-reaped.sh');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pilotfish-wrapper-'));
}

/** pilotfish as PID 1 where no config file can be found: an empty directory, and nothing naming one. */
function wrapWithoutConfig(args: string[], options: RunOptions = {}) {
  return runPilotfish({
    asPid1: true,
    cwd: tempDir(),
    ...options,
    args,
    env: { PILOTFISH_CONFIG: '', CONTAINERPILOT: '', ...options.env },
  });
}

test('without a config, the exit code is the command\'s: 0, 3, and 128+N when signal N killed it', async () => {
  const cases: Array<[command: string[], code: number, ended: string]> = [
    [['sh', '-c', 'exit 0'], 0, 'exited with code 0'],
    [['sh', '-c', 'exit 3'], 3, 'exited with code 3'],
    [['sh', '-c', 'kill -KILL $$'], 137, 'was killed by SIGKILL'],
  ];
  await Promise.all(
    cases.map(async ([command, expected, ended]) => {
      const run = wrapWithoutConfig(['--', ...command]);
      const { code } = await run.exited;
      assert.equal(code, expected, run.output());
      assert.doesNotMatch(run.output(), /no config found/);
      // Why it ends, once, and the code it ends with, in the words of the command's end.
      assert.match(run.output(), new RegExp(`INFO +shutting down \\(the main job main ${ended}\\)\n`));
      assert.match(run.output(), new RegExp(`stopped; exiting with code ${expected}: the main job main ${ended}$`, 'm'));
    }),
  );
});

test('the command runs with its arguments exactly as given, and SIGTERM reaches it: its exit code is pilotfish\'s', async () => {
  // No shell, no splitting, no template: each of these arrives as one argument, unchanged.
  const args = ['two words', '*', '$HOME', '{{ .HOME }}', '-c', ''];
  const app = `process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(7); });
    console.log('argv=' + JSON.stringify(process.argv.slice(1)));
    setInterval(() => undefined, 1000);`;
  const run = wrapWithoutConfig(['--', NODE, '-e', app, ...args]);
  const argvLine = await run.waitForLine(/\[main\] argv=/, 20_000);
  assert.deepEqual(JSON.parse(argvLine.slice(argvLine.indexOf('argv=') + 'argv='.length)), args);
  run.signal('SIGTERM');
  assert.deepEqual(await run.exited, { code: 7, signal: null });
  assert.match(run.output(), /\[main\] got SIGTERM/);
});

test('without a config, SIGHUP, SIGUSR1 and SIGUSR2 are forwarded to the command, as tini forwards them', async () => {
  const app = `for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2']) process.on(signal, () => console.log('got ' + signal));
    console.log('ready');
    setInterval(() => undefined, 1000);`;
  const run = wrapWithoutConfig(['--', NODE, '-e', app]);
  await run.waitForLine(/\[main\] ready/, 20_000);
  for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) {
    run.signal(signal);
    await run.waitForLine(new RegExp(`\\[main\\] got ${signal}$`), 20_000);
  }
  // Forwarded, not acted on: no reload, no log reopened, and the app still runs.
  assert.doesNotMatch(run.output(), /reload|reopened/);
  assert.equal(run.lines.filter((line) => /\[main\] started/.test(line)).length, 1, run.output());
  run.signal('SIGTERM');
  assert.deepEqual(await run.exited, { code: 143, signal: null });
});

test('without a config, orphans the command leaves behind are reaped: no zombie stays', async (t) => {
  const marker = join(tempDir(), 'forked');
  const forkOrphans = `for i in $(seq 20); do (sleep 0.3 &); done; touch ${marker}; exec ${AWAIT_ORPHANS_REAPED} ${marker}`;
  const run = wrapWithoutConfig(['--', 'sh', '-c', forkOrphans]);
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  const census = /\[main\] zombies=(\d+) orphans=(\d+) after=(\d+)/.exec(run.output());
  assert.ok(census, run.output());
  assert.deepEqual([census[1], census[2]], ['0', '0'], run.output());
  t.diagnostic(`20 orphans (living 0.3 s) gone and reaped ${census[3]} ms after the last was forked`);
});

test("with a config, its `main` entry supplies the health check, the command its exec, and other jobs hook it", async () => {
  const { file } = writeConfig(`{
    jobs: [
      { name: "main", exec: "echo from-the-config", health: { exec: "true", interval: "200ms", timeout: "5s" } },
      { name: "announce", exec: "echo main is healthy", when: { source: "main", once: "healthy" } },
    ],
  }`);
  const run = runPilotfish({ asPid1: true, args: ['-c', file, '--', NODE, '-e', 'setInterval(() => undefined, 1000)'] });
  await run.waitForLine(/\[announce\] main is healthy/, 20_000);
  assert.match(run.output(), /job main runs the command after `pilotfish --`, not the exec .* gives it/);
  run.signal('SIGTERM');
  // The app did not handle SIGTERM: killed by it, 128+15.
  assert.deepEqual(await run.exited, { code: 143, signal: null });
  assert.doesNotMatch(run.output(), /from-the-config/);
});

test("with a config, the command registers in Consul as the job `main` names, checked as that entry says, and leaves when it ends", async (t) => {
  const consul = await ConsulAgent.start();
  t.after(() => consul.stop());
  const health = new HealthSwitch().healthy('web ok');
  const { file } = writeConfig(`{ consul: "${consul.address}", main: "web", jobs: [${serviceJob('web', health, { exec: 'sleep 600' })}] }`);
  const quit = join(tempDir(), 'quit');
  const run = runPilotfish({ asPid1: true, args: ['-c', file, '--', 'sh', '-c', `echo serving; while [ ! -e ${quit} ]; do sleep 0.1; done; exit 4`] });
  await run.waitForLine(/\[web\] serving/, 20_000);
  const registered = await waitFor(async () => (await consul.services())[serviceId('web')], `web in the agent\n${run.output()}`, 20_000);
  assert.equal(registered.Port, 8080);
  await waitFor(async () => (await consul.passing('web')).length === 1, `web passing in Consul\n${run.output()}`, 20_000);
  writeFileSync(quit, '');
  // The command's code ends the container, and its service goes with it.
  assert.deepEqual(await run.exited, { code: 4, signal: null });
  assert.equal((await consul.services())[serviceId('web')], undefined, run.output());
  assert.doesNotMatch(run.output(), /sleep 600/);
});

test('a reload keeps the command as the main job: only what the config changed is touched', async () => {
  const { dir, file } = writeConfig(`{ jobs: [ { name: "main", exec: "sleep 1" } ] }`);
  // ContainerPilot's spelling of --config, translated as ever; the app's own arguments never are.
  const run = runPilotfish({ asPid1: true, args: ['-config', file, '--', 'sh', '-c', 'echo "app $0"; exec sleep 600', '-config'] });
  await run.waitForLine(/\[main\] app -config/, 20_000);
  const next = join(dir, 'next.json5');
  writeFileSync(next, `{ jobs: [ { name: "main", exec: "sleep 2" }, { name: "extra", exec: "echo extra ran" } ] }`);
  renameSync(next, file);
  run.signal('SIGHUP');
  await run.waitForLine(/config reloaded: started extra$/, 20_000);
  await run.waitForLine(/\[extra\] extra ran/, 20_000);
  assert.equal(run.lines.filter((line) => /\[main\] started/.test(line)).length, 1, run.output());
  run.signal('SIGTERM');
  assert.deepEqual(await run.exited, { code: 143, signal: null });
});

test('without a config, the control socket answers: `pilotfish status` shows main, `signal` reaches it, `logs` has its output', async () => {
  const socket = join(tempDir(), 'control.socket');
  const app = `process.on('SIGUSR2', () => console.log('got SIGUSR2')); setInterval(() => undefined, 1000);`;
  const run = wrapWithoutConfig(['--', NODE, '-e', app], { env: { PILOTFISH_SOCKET: socket } });
  await run.waitForLine(/\[main\] started/, 20_000);
  await waitFor(() => httpCall({ socketPath: socket }, 'GET', '/v1/ping').then((response) => response.status === 200, () => false), `the control socket\n${run.output()}`, 20_000);
  const client = async (args: string[]) => {
    const verb = runPilotfish({ args, env: { PILOTFISH_SOCKET: socket } });
    const { code } = await verb.exited;
    return { code, output: verb.output() };
  };
  const status = await client(['status', '--json']);
  assert.equal(status.code, 0, status.output);
  const view = JSON.parse(status.output) as { configFile: string; jobs: { name: string; state: string }[] };
  assert.deepEqual(view.jobs.map(({ name, state }) => ({ name, state })), [{ name: 'main', state: 'running' }]);
  assert.equal(view.configFile, '(command line)');
  assert.equal((await client(['signal', 'main', 'SIGUSR2'])).code, 0);
  await run.waitForLine(/\[main\] got SIGUSR2/, 20_000);
  const logs = await client(['logs', 'main']);
  assert.equal(logs.code, 0, logs.output);
  assert.match(logs.output, /\[main\] got SIGUSR2/);
  run.signal('SIGTERM');
  assert.deepEqual(await run.exited, { code: 143, signal: null });
});

test('everything after `--` is the command, even when it begins with `-` and looks like pilotfish\'s options', async () => {
  const bin = tempDir();
  writeFileSync(join(bin, '-app'), '#!/bin/sh\necho "args: $*"\nexit 5\n');
  chmodSync(join(bin, '-app'), 0o755);
  const run = wrapWithoutConfig(['--', '-app', '--config', '/no/such/file', '-c', 'x', '--help', '--', '-config'], {
    env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  assert.deepEqual(await run.exited, { code: 5, signal: null });
  assert.match(run.output(), /\[main\] args: --config \/no\/such\/file -c x --help -- -config$/m);
});

test('`pilotfish --` without a command is a usage error: one line, exit 2', async () => {
  for (const args of [['--'], ['run', '--config', 'x.json5', '--']]) {
    const run = runPilotfish({ args, cwd: tempDir() });
    const { code } = await run.exited;
    assert.equal(code, 2);
    assert.equal(run.lines.length, 1, run.output());
    assert.match(run.output(), /^pilotfish( run)?: expected a command after '--', as in 'pilotfish -- node server\.js' \(see 'pilotfish( run)? --help'\)$/);
  }
});

test('with a command, a bad config still exits 2 before anything starts', async () => {
  const marker = join(tempDir(), 'started');
  const { file } = writeConfig(`{ jobs: [ { name: "other", exec: "touch ${marker}" }, { name: "bad", exec: 42 } ] }`);
  const run = runPilotfish({ args: ['run', '--config', file, '--', 'touch', marker] });
  assert.deepEqual(await run.exited, { code: 2, signal: null });
  assert.match(run.output(), /jobs\[1\]\.exec/);
  assert.equal(existsSync(marker), false);
});
