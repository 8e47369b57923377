import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobState, SupervisorEvent } from '../../src/events/types.js';
import type { JobSnapshot } from '../../src/jobs/job.js';
import { podEventFor } from '../../src/k8s/pod-events.js';
import { jobConfig } from '../helpers/job-config.js';

const web = jobConfig('web');
const tick = jobConfig('tick', { when: { kind: 'interval', interval: 5000 } });

function snapshot(fields: Partial<JobSnapshot> = {}): JobSnapshot {
  return { name: 'web', state: 'running', health: 'unknown', restarts: 0, pid: 4242, ...fields };
}

function transition(to: JobState): SupervisorEvent {
  return { kind: 'transition', source: 'web', from: 'starting', to };
}

describe('pod Events', () => {
  it('say when a job starts, restarts, exits, gives up and completes, without PIDs or counters', () => {
    assert.deepEqual(podEventFor(transition('running'), { config: web, snapshot: snapshot() }), { type: 'Normal', reason: 'Started', action: 'Start', note: 'Job web started' });
    assert.deepEqual(podEventFor(transition('running'), { config: web, snapshot: snapshot({ restarts: 3 }) }), { type: 'Normal', reason: 'Restarted', action: 'Restart', note: 'Job web restarted' });
    const crashed = snapshot({ state: 'backoff', lastExit: { code: 1, at: '' } });
    assert.deepEqual(podEventFor(transition('backoff'), { config: web, snapshot: crashed }), { type: 'Warning', reason: 'Exited', action: 'Restart', note: 'Job web exited with code 1 and will be restarted' });
    const killed = snapshot({ state: 'failed', lastExit: { code: 137, signal: 'SIGKILL', at: '' } });
    assert.deepEqual(podEventFor(transition('failed'), { config: web, snapshot: killed }), { type: 'Warning', reason: 'Failed', action: 'GiveUp', note: 'Job web was killed by SIGKILL and will not be restarted' });
    const unstartable = snapshot({ state: 'backoff', lastExit: { code: 127, error: 'spawn /app ENOENT', at: '' } });
    assert.equal(podEventFor(transition('backoff'), { config: web, snapshot: unstartable })?.note, 'Job web could not start (spawn /app ENOENT) and will be restarted');
    assert.equal(podEventFor(transition('exited'), { config: web, snapshot: snapshot({ state: 'exited' }) })?.reason, 'Completed');
  });

  it('say when a job turns unhealthy, with the last line of its check, and healthy again', () => {
    const failing = snapshot({ health: 'unhealthy', lastCheck: { ok: false, output: 'curl: (7)\nGET /health: 503', durationMs: 5 } });
    assert.deepEqual(podEventFor({ kind: 'unhealthy', source: 'web' }, { config: web, snapshot: failing }), { type: 'Warning', reason: 'Unhealthy', action: 'Check', note: 'Job web is unhealthy: GET /health: 503' });
    assert.equal(podEventFor({ kind: 'healthy', source: 'web' }, { config: web, snapshot: snapshot() })?.reason, 'Healthy');
  });

  it('say what happened to a healthy job whose process died, not its last (passing) check', () => {
    const killed = snapshot({ state: 'backoff', lastCheck: { ok: true, output: 'HTTP 200: ok', durationMs: 5 }, healthReason: 'killed by SIGKILL' });
    assert.equal(podEventFor({ kind: 'unhealthy', source: 'web' }, { config: web, snapshot: killed })?.note, 'Job web is unhealthy: killed by SIGKILL');
    const restarting = { ...killed, lastExit: { code: 137, signal: 'SIGKILL', at: '' } };
    assert.equal(podEventFor(transition('backoff'), { config: web, snapshot: restarting })?.note, 'Job web was killed by SIGKILL and will be restarted');
  });

  it("leave out a periodic job's routine runs, and what is not a job's", () => {
    assert.equal(podEventFor(transition('running'), { config: tick, snapshot: snapshot({ name: 'tick' }) }), undefined);
    assert.equal(podEventFor(transition('exited'), { config: tick, snapshot: snapshot({ name: 'tick' }) }), undefined);
    assert.equal(podEventFor(transition('stopping'), { config: web, snapshot: snapshot() }), undefined);
    assert.equal(podEventFor({ kind: 'startup', source: 'global' }, undefined), undefined);
  });
});
