// pilotfish as a real PID 1 (a new PID namespace via unshare; the tests run as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, runConfig } from '../helpers/pilotfish.js';

const COUNT_ZOMBIES = join(REPO_ROOT, 'test/supervisor/fixtures/count-zombies.sh');

test('as PID 1 it reaps 200 orphans without losing any exit code of its own jobs', async () => {
  const run = runConfig(
    `{
      jobs: [
        { name: "orphans", exec: "sh -c 'for i in $(seq 200); do (sleep 0.3 &) ; done; echo spawned'" },
        ${Array.from({ length: 5 }, (_, i) => `{ name: "code${i}", exec: "sh -c 'sleep 0.${i + 2}; exit ${i + 10}'" }`).join(',\n')},
        { name: "census", exec: "sh -c 'sleep 1.3; exec ${COUNT_ZOMBIES}'" },
      ],
    }`,
    { asPid1: true },
  );
  const { code } = await run.exited;
  const output = run.output();
  assert.match(output, /\[orphans\] spawned/);
  for (let i = 0; i < 5; i += 1) assert.match(output, new RegExp(`\\[code${i}\\] exited with code ${i + 10}`), output);
  // 0.3 s after spawning the orphans are dead; a second later none is left unreaped.
  const later = /\[census\] zombies=(\d+)/.exec(output);
  assert.ok(later, output);
  assert.equal(later[1], '0', output);
  // No main job and no signal: the first job to fail gives the code.
  assert.equal(code, 10);
});

test('as PID 1 it stops everything on SIGTERM and exits', async () => {
  const run = runConfig(`{ jobs: [ { name: "app", exec: "sleep 60" }, { name: "other", exec: "sh -c 'sleep 60'" } ] }`, { asPid1: true });
  await run.waitForLine(/\[other\] started/);
  await run.waitForLine(/\[app\] started/);
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 143);
  assert.match(run.output(), /\[app\] exited with code 143 \(SIGTERM\)/);
});
