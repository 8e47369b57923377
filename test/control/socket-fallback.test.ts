// The control socket of a non-root user: ContainerPilot's default in /var/run is not theirs to
// create, so the supervisor binds a per-user path ($XDG_RUNTIME_DIR when it is the user's own,
// else a 0700 /tmp/pilotfish-<uid>/), the CLI finds the same path the same way, and a directory
// another user created there first is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONTROL_SOCKET } from '../../src/config/build.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { asNobody, containerEnv, NOBODY, privateTmp } from '../helpers/container.js';
import { CLI, runPilotfish } from '../helpers/pilotfish.js';

const CONFIG = `{ jobs: [{ name: "app", exec: "sleep 60" }] }`;
const DAEMON = 1;

/** `pilotfish status` as nobody, with the same config, environment and /tmp as the supervisor. */
async function statusAsNobody(config: string, env: NodeJS.ProcessEnv, tmp?: string): Promise<{ code: number | null; output: string }> {
  const cli = runPilotfish({ command: asNobody([process.execPath, CLI], tmp), args: ['status', '--config', config], env });
  const { code } = await cli.exited;
  return { code, output: cli.output() };
}

test('root keeps the configured or default path; $PILOTFISH_SOCKET overrides both', () => {
  assert.equal(controlSocketPath('/run/app/control.socket', {}), '/run/app/control.socket');
  assert.equal(controlSocketPath(DEFAULT_CONTROL_SOCKET, { PILOTFISH_SOCKET: '/run/x.socket' }), '/run/x.socket');
  // The suite runs as root, for whom /var/run is writable.
  assert.equal(controlSocketPath(DEFAULT_CONTROL_SOCKET, { XDG_RUNTIME_DIR: tmpdir() }), DEFAULT_CONTROL_SOCKET);
});

test('as a non-root user with a $XDG_RUNTIME_DIR of its own: the socket is there and the CLI finds it', async (t) => {
  const { app } = privateTmp({ 'pilotfish.json5': CONFIG });
  const runtime = mkdtempSync(join(tmpdir(), 'pilotfish-xdg-'));
  chownSync(runtime, NOBODY, NOBODY);
  const env = containerEnv({ XDG_RUNTIME_DIR: runtime });
  const config = join(app, 'pilotfish.json5');
  const run = runPilotfish({ command: asNobody([process.execPath, CLI]), args: ['run', '--config', config], env });
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitForLine(/\[app\] started/, 30_000);

  const status = await statusAsNobody(config, env);
  assert.equal(status.code, 0, status.output);
  assert.match(status.output, /^app +running/m);
  assert.match(status.output, new RegExp(`control: listening on ${runtime}/pilotfish\\.socket`));
  assert.ok(statSync(join(runtime, 'pilotfish.socket')).isSocket());
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.doesNotMatch(run.output(), /ERROR/);
});

test('as a non-root PID 1 without a runtime directory of its own: a 0700 /tmp/pilotfish-<uid>/ it creates, found by the CLI', async () => {
  const { tmp } = privateTmp({ 'pilotfish.json5': CONFIG });
  // Another user's runtime directory is no place for our socket either.
  const env = containerEnv({ XDG_RUNTIME_DIR: tmpdir() });
  const run = runPilotfish({ command: asNobody([process.execPath, CLI], tmp), args: ['run', '--config', '/tmp/app/pilotfish.json5'], env, asPid1: true });
  await run.waitForLine(/\[app\] started/, 30_000);

  const status = await statusAsNobody('/tmp/app/pilotfish.json5', env, tmp);
  assert.equal(status.code, 0, status.output);
  assert.match(status.output, /pid 1 /);
  assert.match(status.output, /control: listening on \/tmp\/pilotfish-65534\/pilotfish\.socket/);
  const directory = statSync(join(tmp, `pilotfish-${NOBODY}`));
  assert.equal(directory.uid, NOBODY);
  assert.equal(directory.mode & 0o777, 0o700);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.doesNotMatch(run.output(), /ERROR/);
});

test("a /tmp/pilotfish-<uid>/ that another user created first is refused, and the app still runs", async () => {
  const { tmp } = privateTmp({ 'pilotfish.json5': CONFIG });
  const squatted = join(tmp, `pilotfish-${NOBODY}`);
  mkdirSync(squatted, { mode: 0o777 });
  chownSync(squatted, DAEMON, DAEMON);
  const run = runPilotfish({ command: asNobody([process.execPath, CLI], tmp), args: ['run', '--config', '/tmp/app/pilotfish.json5'], env: containerEnv(), asPid1: true });
  await run.waitForLine(/no control socket: refusing to use \/tmp\/pilotfish-65534: it belongs to uid 1, not to uid 65534/, 30_000);
  await run.waitForLine(/\[app\] started/, 30_000);
  assert.equal(statSync(squatted).uid, DAEMON);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
});
