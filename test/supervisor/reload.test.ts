// Hot reload (SIGHUP when no job hooks it): only what changed is touched, and a bad config
// never replaces a good one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startSupervisor } from '../helpers/control.js';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const longJob = (name: string, word: string) => `{ name: "${name}", exec: "sh -c 'echo ${word}; exec sleep 30'" }`;

test('a valid new config restarts only the jobs whose definition changed', async () => {
  const run = runConfig(`{ jobs: [ ${longJob('keep', 'keep-v1')}, ${longJob('change', 'change-v1')}, ${longJob('drop', 'drop-v1')} ] }`);
  const configFile = run.child.spawnargs.at(-1) as string;
  await run.waitForLine(/drop-v1/);
  await run.waitForLine(/change-v1/);
  await run.waitForLine(/keep-v1/);
  writeFileSync(configFile, `{ jobs: [ ${longJob('keep', 'keep-v1')}, ${longJob('change', 'change-v2')}, ${longJob('added', 'added-v1')} ] }`);
  run.signal('SIGHUP');
  await run.waitForLine(/config reloaded: started added; restarted change; removed drop/);
  await run.waitForLine(/change-v2/);
  await run.waitForLine(/added-v1/);
  const starts = (job: string) => run.lines.filter((line) => new RegExp(`\\[${job}\\] started`).test(line)).length;
  assert.equal(starts('keep'), 1, 'the unchanged job kept running');
  assert.equal(starts('change'), 2);
  assert.match(run.output(), /\[drop\] stopped: killed by SIGTERM/);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
});

test("a reload that only reorders keys (a job's env) restarts nothing", async () => {
  const app = (env: string) => `{ name: "app", exec: "sh -c 'echo app-12; exec sleep 30'", env: { ${env} } }`;
  const run = runConfig(`{ jobs: [ ${app('A: "1", B: "2"')} ] }`);
  const configFile = run.child.spawnargs.at(-1) as string;
  await run.waitForLine(/app-12/);
  writeFileSync(configFile, `{ jobs: [ ${app('B: "2", A: "1"')} ] }`);
  run.signal('SIGHUP');
  await run.waitForLine(/config reloaded: no job changed/);
  assert.equal(run.lines.filter((line) => /\[app\] started/.test(line)).length, 1);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
});

test('an invalid new config is rejected with its errors and the old one keeps running', async () => {
  const run = runConfig(`{ jobs: [ ${longJob('app', 'app-v1')} ] }`);
  const configFile = run.child.spawnargs.at(-1) as string;
  await run.waitForLine(/app-v1/);
  writeFileSync(configFile, `{ jobs: [ { name: "app", exec: "sleep 1", restart: "always" } ] }`);
  run.signal('SIGHUP');
  await run.waitForLine(/reload rejected, the running config stays in force/);
  await waitFor(() => run.lines.some((line) => /restart/.test(line) && /restarts/.test(line)), 'the did-you-mean hint');
  assert.equal(run.lines.filter((line) => /\[app\] started/.test(line)).length, 1);
  assert.doesNotMatch(run.output(), /\[app\] (exited|stopped|killed)/);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
});

test('a reload renders the config with what `env set` (putenv) set, as ContainerPilot re-rendered from its own environment', async () => {
  const pilotfish = await startSupervisor(`{ jobs: [ { name: "app", exec: "sh -c 'echo app-{{ .FLAVOUR | default "none" }}; exec sleep 30'" } ] }`);
  try {
    await pilotfish.waitForLine(/app-none/);
    assert.equal((await pilotfish.call('POST', '/v3/environ', { FLAVOUR: 'bar' })).status, 200);
    const reloaded = await pilotfish.call('POST', '/v1/reload');
    assert.deepEqual(reloaded.json, { ok: true, started: [], restarted: ['app'], removed: [] });
    await pilotfish.waitForLine(/app-bar/);
  } finally {
    await pilotfish.stop();
  }
});

test('a storm of SIGHUPs while a slow reload runs is one more reload, not one per signal', async () => {
  // About 1 MiB of config (within the limits): each reload takes a few hundred milliseconds.
  const padding = 'x'.repeat(600);
  const hooks = Array.from({ length: 1500 }, (_, i) => `{ name: "hook${i}", exec: "true", when: { source: "SIGUSR2" }, env: { PAD: "${padding}" } }`);
  const run = runConfig(`{ jobs: [ ${longJob('app', 'app-v1')}, ${hooks.join(', ')} ] }`);
  await run.waitForLine(/app-v1/);
  for (let i = 0; i < 30; i++) {
    run.signal('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await run.waitForLine(/config reloaded/);
  // Quiet for a second: the storm's reloads are over.
  const reloads = () => run.lines.filter((line) => /config reloaded/.test(line)).length;
  for (let seen = -1; seen !== reloads(); ) {
    seen = reloads();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  assert.ok(reloads() <= 6, `30 SIGHUPs caused ${reloads()} reloads`);
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143);
});
