import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobConfig, When } from '../../src/config/types.js';
import { after, jobConfig } from '../helpers/job-config.js';
import { anyJobCanRun, isStopHook, jobCanRun, stopOrder } from '../../src/supervisor/dependencies.js';
import type { RunPotential } from '../../src/jobs/job.js';

const job = (name: string, when: When = { kind: 'startup' }) => jobConfig(name, { when });

test('dependents stop before what they waited for', () => {
  const jobs = [job('preStart'), job('app', after('preStart', 'exitSuccess')), job('sidecar', after('app', 'healthy'))];
  assert.deepEqual(stopOrder(jobs), [['sidecar'], ['app'], ['preStart']]);
});

test('independent jobs stop together', () => {
  assert.deepEqual(stopOrder([job('a'), job('b')]), [['a', 'b']]);
});

test('stop hooks are not stopped: they run because of the stop', () => {
  const jobs = [job('app'), job('preStop', after('app', 'stopping')), job('postStop', after('app', 'stopped'))];
  assert.equal(isStopHook(jobs[1] as JobConfig), true);
  assert.deepEqual(stopOrder(jobs), [['app']]);
});

test('a shutdown hook on global is a stop hook', () => {
  assert.equal(isStopHook(job('bye', { kind: 'event', source: 'global', event: 'shutdown', repeat: 'once' })), true);
  assert.equal(isStopHook(job('hi', { kind: 'event', source: 'global', event: 'startup', repeat: 'once' })), false);
});

const input = (config: JobConfig, potential: RunPotential) => ({ config, potential });

test('a running job keeps the supervisor alive', () => {
  assert.equal(anyJobCanRun([input(job('app'), 'yes')]), true);
});

test('nothing left when every job is done', () => {
  assert.equal(anyJobCanRun([input(job('a'), 'no'), input(job('b'), 'no')]), false);
  assert.equal(anyJobCanRun([]), false);
});

test('a hook waiting on a live job can still run; on a finished one it cannot', () => {
  const hook = job('hook', after('app', 'healthy', 'each'));
  assert.equal(anyJobCanRun([input(job('app'), 'yes'), input(hook, 'ifSourceLive')]), true);
  assert.equal(anyJobCanRun([input(job('app'), 'no'), input(hook, 'ifSourceLive')]), false);
});

test('one job can be past running while others still run: a periodic job does not revive an app waiting on a failed setup', () => {
  const app = input(job('app', after('setup', 'exitSuccess')), 'ifSourceLive');
  const poll = input(job('poll', { kind: 'interval', interval: 1000 }), 'yes');
  const jobs = [input(job('setup'), 'no'), app, poll];
  assert.equal(anyJobCanRun(jobs), true);
  assert.equal(jobCanRun(jobs, app), false);
  assert.equal(jobCanRun([input(job('setup'), 'yes'), app, poll], app), true);
});

test('liveness follows a chain of hooks', () => {
  const chain = [input(job('a'), 'yes'), input(job('b', after('a', 'exitSuccess')), 'ifSourceLive'), input(job('c', after('b', 'exitSuccess')), 'ifSourceLive')];
  assert.equal(anyJobCanRun(chain.slice(1)), false);
  assert.equal(anyJobCanRun(chain), true);
});

test('a hook waiting on a watch, a signal or maintenance can still run: those fire whatever the jobs do', () => {
  const waiting = [
    job('onChange', after('watch.db', 'changed', 'once')),
    job('onHup', { kind: 'event', source: 'SIGHUP', event: 'signal', repeat: 'each' }),
    job('onMaintenance', after('global', 'enterMaintenance', 'once')),
  ];
  for (const hook of waiting) {
    assert.equal(anyJobCanRun([input(job('app'), 'no'), input(hook, 'ifSourceLive')]), true, hook.name);
    // A `once` hook that has run is done, like any finished job.
    assert.equal(anyJobCanRun([input(job('app'), 'no'), input(hook, 'no')]), false, hook.name);
  }
});

test('a hook on global startup or shutdown does not keep the container running', () => {
  // Startup has happened already; shutdown happens only once nothing can run any more.
  assert.equal(anyJobCanRun([input(job('late', after('global', 'startup')), 'ifSourceLive')]), false);
  assert.equal(anyJobCanRun([input(job('bye', after('global', 'shutdown')), 'ifSourceLive')]), false);
});
