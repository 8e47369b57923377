// pilotfish as a real PID 1 (a new PID namespace via unshare; the tests run as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

const AWAIT_ORPHANS_REAPED = join(REPO_ROOT, 'test/supervisor/fixtures/await-orphans-reaped.sh');

test('as PID 1 it reaps 200 orphans without losing any exit code of its own jobs', async (t) => {
  const marker = join(mkdtempSync(join(tmpdir(), 'pilotfish-orphans-')), 'spawned');
  const run = runConfig(
    `{
      jobs: [
        { name: "orphans", exec: "sh -c 'for i in $(seq 200); do (sleep 0.3 &) ; done; touch ${marker}; echo spawned'" },
        ${Array.from({ length: 5 }, (_, i) => `{ name: "code${i}", exec: "sh -c 'sleep 0.${i + 2}; exit ${i + 10}'" }`).join(',\n')},
        { name: "census", exec: "${AWAIT_ORPHANS_REAPED} ${marker}" },
      ],
    }`,
    { asPid1: true },
  );
  const { code } = await run.exited;
  const output = run.output();
  assert.match(output, /\[orphans\] spawned/);
  for (let i = 0; i < 5; i += 1) assert.match(output, new RegExp(`\\[code${i}\\] exited with code ${i + 10}`), output);
  // Once the orphans have died, none is left unreaped. How soon is reported, not judged: timing
  // belongs to the benchmarks, and a loaded machine forks and schedules 200 processes slowly.
  const census = /\[census\] zombies=0 orphans=0 after=(\d+)/.exec(output);
  assert.ok(census, output);
  t.diagnostic(`orphans (living 0.3 s) all gone and reaped ${census[1]} ms after the last was forked`);
  // No main job and no signal: the first job to fail gives the code (whichever a loaded machine ran first).
  const firstFailure = /\[code\d\] exited with code (\d+)/.exec(output)?.[1];
  assert.equal(code, Number(firstFailure), output);
});

test('as PID 1 it stops everything on SIGTERM and exits', async () => {
  const run = runConfig(`{ jobs: [ { name: "app", exec: "sleep 60" }, { name: "other", exec: "sh -c 'sleep 60'" } ] }`, { asPid1: true });
  await run.waitForLine(/\[other\] started/);
  await run.waitForLine(/\[app\] started/);
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 143);
  assert.match(run.output(), /\[app\] stopped: killed by SIGTERM/);
});

test('as PID 1, a job whose NOTIFY_SOCKET cannot be created fails to start, is restarted by its policy, and SIGTERM still works', async () => {
  // A runtime directory under a regular file: even root cannot create it.
  const notADirectory = join(mkdtempSync(join(tmpdir(), 'pilotfish-runtime-')), 'file');
  writeFileSync(notADirectory, '');
  const run = runConfig(
    `{
      jobs: [
        { name: "notified", exec: "sleep 60", notify: true, restarts: 2, backoff: { delay: "10ms" } },
        { name: "app", exec: "sleep 60" },
      ],
    }`,
    { asPid1: true, env: { PILOTFISH_RUNTIME_DIR: join(notADirectory, 'runtime') } },
  );
  const failures = () => run.lines.filter((line) => /\[notified\] could not start: cannot open its NOTIFY_SOCKET: .*ENOTDIR/.test(line)).length;
  await waitFor(() => failures() === 3, `three failed starts in:\n${run.output()}`, 10_000);
  await run.waitForLine(/\[app\] started/);
  run.signal('SIGTERM');
  assert.deepEqual(await run.exited, { code: 143, signal: null });
  assert.equal(failures(), 3, run.output());
});
