// What may start while pilotfish shuts down, and what an operator's stop means to hooks: the
// supervisor in-process, with real job processes. Hooks leave a file behind when they run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, JobConfig } from '../../src/config/types.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { after, command, jobConfig, supervisorConfig } from '../helpers/job-config.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { ProcessTable } from '../../src/process/process-table.js';

function supervisorFor(config: Config) {
  const { log, lines } = recordingLogger();
  const supervisor = new Supervisor({
    config,
    log,
    env: { PATH: process.env.PATH },
    processes: new ProcessTable(),
    loadConfig: () => config,
    runtimeDir: mkdtempSync(join(tmpdir(), 'pilotfish-rules-')),
  });
  return { supervisor, lines };
}

/** A hook that leaves `<dir>/<name>.ran` behind. */
const hook = (dir: string, name: string, when: ReturnType<typeof after>) => jobConfig(name, { exec: command(`touch ${join(dir, `${name}.ran`)}`), when });
const ran = (dir: string, name: string) => existsSync(join(dir, `${name}.ran`));
/** A long-running job that turns healthy at its first check. */
const healthyJob = (name: string, overrides: Partial<JobConfig> = {}) =>
  jobConfig(name, {
    exec: command('exec sleep 30'),
    health: { probe: { type: 'exec', command: command('true') }, interval: 50, timeout: 1000, threshold: 1, successThreshold: 1, onUnhealthy: 'ignore', rawLogging: false },
    ...overrides,
  });

test("an operator's stop and restart of a job do not fire its exitFailed hooks", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-operator-'));
  const { supervisor } = supervisorFor(
    supervisorConfig([jobConfig('app', { exec: command('exec sleep 30') }), hook(dir, 'on-failure', after('app', 'exitFailed', 'each')), hook(dir, 'on-stopped', after('app', 'stopped', 'each'))]),
  );
  await supervisor.start();
  await waitFor(() => supervisor.job('app')?.state === 'running', 'app running');
  await supervisor.restartJob('app');
  await waitFor(() => supervisor.job('app')?.state === 'running', 'app running again');
  await supervisor.stopJob('app');
  assert.equal(supervisor.job('app')?.state, 'stopped');
  // The stop hooks ran (proof that hooks had their chance); the failure hook did not.
  await waitFor(() => ran(dir, 'on-stopped'), 'the stopped hook');
  await waitFor(() => supervisor.job('on-stopped')?.isActive() === false, 'the stopped hook to end');
  assert.equal(ran(dir, 'on-failure'), false);
  assert.equal(supervisor.job('app')?.lastExit?.signal, 'SIGTERM');
  await supervisor.shutdown({ kind: 'request' });
});

test('once shutdown begins, a watch-triggered hook does not start; stop hooks and global shutdown hooks do', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-halt-'));
  const { supervisor } = supervisorFor(
    supervisorConfig([
      // app waits for its preStart, so it stops first and the watch hook is not stopped yet when app's stop begins.
      jobConfig('prestart', { exec: command('true') }),
      jobConfig('app', { exec: command('exec sleep 30'), when: after('prestart', 'exitSuccess') }),
      hook(dir, 'on-change', after('watch.db', 'changed', 'each')),
      hook(dir, 'pre-stop', after('app', 'stopping')),
      hook(dir, 'post-stop', after('app', 'stopped')),
      hook(dir, 'on-shutdown', after('global', 'shutdown')),
    ]),
  );
  await supervisor.start();
  await waitFor(() => supervisor.job('app')?.state === 'running', 'app running');
  // The watch sees the stopping job's check go critical, as it does with Consul: mid-shutdown.
  supervisor.bus.subscribe('watch', (event) => {
    if (event.kind === 'stopping' && event.source === 'app') supervisor.bus.publish({ kind: 'changed', source: 'watch.db' });
  });
  await supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  assert.equal(ran(dir, 'on-change'), false, 'a watch hook started during shutdown');
  assert.equal(ran(dir, 'pre-stop'), true);
  assert.equal(ran(dir, 'post-stop'), true);
  assert.equal(ran(dir, 'on-shutdown'), true);
});

test('after the second stop signal a killed job is not restarted and postStop hooks do not start', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-kill-'));
  const { supervisor, lines } = supervisorFor(
    supervisorConfig([
      // Stopped last (stubborn waits for it), so still running when everything is killed; restarts without limit.
      healthyJob('base', { restarts: Infinity, backoff: { delay: 10, factor: 1, limit: 10, resetAfter: 10_000 } }),
      // Ignores SIGTERM: only the second signal's SIGKILL ends it.
      jobConfig('stubborn', { exec: command(`trap '' TERM; touch ${join(dir, 'trapped')}; while true; do sleep 0.05; done`), stopTimeout: 30_000, when: after('base', 'healthy') }),
      hook(dir, 'post-stop', after('stubborn', 'stopped')),
      hook(dir, 'base-post-stop', after('base', 'stopped')),
    ]),
  );
  await supervisor.start();
  // Running is not enough: a SIGTERM before the shell has run `trap` would end it at once.
  await waitFor(() => existsSync(join(dir, 'trapped')), 'stubborn ignoring SIGTERM');
  const shutdown = supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  await waitFor(() => supervisor.job('stubborn')?.state !== 'running', 'stubborn stopping');
  assert.equal(supervisor.job('base')?.state, 'running');
  supervisor.killAll();
  assert.equal(await supervisor.done, 143);
  await shutdown;
  assert.equal(ran(dir, 'post-stop'), false, lines.join('\n'));
  assert.equal(ran(dir, 'base-post-stop'), false, lines.join('\n'));
  assert.ok(!lines.some((line) => /restarting/.test(line)), lines.join('\n'));
  assert.equal(supervisor.job('base')?.state, 'stopped');
});

test('a job that exits on its own during shutdown is not restarted', { timeout: 60_000 }, async () => {
  const { supervisor, lines } = supervisorFor(
    supervisorConfig([
      // Stopped after app (app waits for it), it crashes while app is still stopping.
      healthyJob('sidecar', { restarts: Infinity, backoff: { delay: 10, factor: 1, limit: 10, resetAfter: 10_000 } }),
      jobConfig('app', { exec: command('exec sleep 30'), when: after('sidecar', 'healthy') }),
      jobConfig('app-pre-stop', { exec: command('sleep 0.3'), when: after('app', 'stopping') }),
    ]),
  );
  await supervisor.start();
  await waitFor(() => supervisor.job('app')?.state === 'running', 'app running');
  supervisor.bus.subscribe('crasher', (event) => {
    if (event.kind === 'stopping' && event.source === 'app') supervisor.job('sidecar')?.sendSignal('SIGKILL');
  });
  await supervisor.shutdown({ kind: 'signal', signal: 'SIGTERM' });
  assert.ok(!lines.some((line) => /restarting/.test(line)), lines.join('\n'));
  assert.ok(lines.includes('INFO not restarted: pilotfish is shutting down'), lines.join('\n'));
});

test('exec health-check output is logged at DEBUG', { timeout: 60_000 }, async () => {
  const { supervisor, lines } = supervisorFor(
    supervisorConfig([
      jobConfig('app', {
        exec: command('exec sleep 30'),
        health: {
          probe: { type: 'exec', command: command('echo check-says-hello') },
          interval: 50,
          timeout: 1000,
          threshold: 1,
          successThreshold: 1,
          onUnhealthy: 'ignore',
          rawLogging: false,
        },
      }),
    ]),
  );
  await supervisor.start();
  await waitFor(() => lines.some((line) => line === 'DEBUG health check: check-says-hello'), 'the check output line');
  await supervisor.shutdown({ kind: 'request' });
});
