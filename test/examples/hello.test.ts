// The README's quickstart, run exactly as the README says (`npm run example` is the build
// followed by this command): the bundled example comes up, serves, and stops cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_ADDRESS, fetchInNamespaceOf, inNetworkNamespace } from '../helpers/container.js';
import { freePorts } from '../helpers/peers.js';
import { CLI_COMMAND, innerPid, REPO_ROOT, runPilotfish } from '../helpers/pilotfish.js';

/**
 * Where this run's setup hook writes the greeting its app reads: not examples/hello/greeting.txt,
 * which other test files running the example at the same time rewrite (truncated, then written).
 */
function greetingFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'pilotfish-hello-')), 'greeting.txt');
}

test('npm run example runs the example command that the README documents', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(manifest.scripts.example ?? '', / dist\/bundle\/cli\/pilotfish\.cjs run --config examples\/hello\/pilotfish\.json5$/);
  assert.match(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), /npm run example/);
});

test('the hello example starts, becomes healthy, serves, runs its hooks and stops with exit 0', async () => {
  // Not a port of listen(0): one the kernel may hand out again before the app binds it.
  const [port] = await freePorts(1);
  const greeting = greetingFile();
  const run = runPilotfish({ args: ['run', '--config', 'examples/hello/pilotfish.json5'], env: { HELLO_PORT: String(port), HELLO_GREETING_FILE: greeting } });
  await run.waitForLine(new RegExp(`\\[setup\\] wrote ${greeting}$`));
  await run.waitForLine(/\[main\] is healthy/, 10_000);
  await run.waitForLine(/\[announce\] hello is up/);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.match(await response.text(), /hello from pilotfish \(request \d+\)/);
  await run.waitForLine(/\[sensor\] app says: hello from pilotfish/, 10_000);
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 0, run.output());
  assert.match(run.output(), /\[main\] SIGTERM received/);
  assert.match(run.output(), /\[goodbye\] goodbye from the postStop hook/);
});

test('the example app answers on the container\'s address, not only on loopback (what `docker run -p` reaches)', async () => {
  const run = runPilotfish({ command: inNetworkNamespace([...CLI_COMMAND]), args: ['run', '--config', 'examples/hello/pilotfish.json5'], asPid1: true, env: { HELLO_GREETING_FILE: greetingFile() } });
  await run.waitForLine(/\[main\] is healthy/, 30_000);
  // pilotfish (PID 1 in there) is in the app's network namespace.
  assert.match(fetchInNamespaceOf(innerPid(run.child.pid!), `http://${CONTAINER_ADDRESS}:8080/`), /hello from pilotfish \(request \d+\)/);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 0, run.output());
});
