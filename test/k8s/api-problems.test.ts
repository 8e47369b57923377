import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from '../../src/k8s/api.js';
import { ApiProblems } from '../../src/k8s/api-problems.js';
import { recordingLogger } from '../helpers/log.js';
import { sleep } from '../helpers/wait.js';
import { withWallClockStepped } from '../helpers/wall-clock.js';

const patchStatus = { verb: 'patch', resource: 'autopilots/status' };

describe('API problems', () => {
  it('retry outages with the server\'s Retry-After, said once until writes succeed again', () => {
    const { log, lines } = recordingLogger();
    const problems = new ApiProblems(log, 'shop', 0);
    assert.deepEqual(problems.failed('status', new KubeApiError(patchStatus, 0, 'connect ECONNREFUSED')), { kind: 'retry', retryAfterMs: 0, serverAway: true });
    assert.deepEqual(problems.failed('status', new KubeApiError(patchStatus, 0, 'connect ECONNREFUSED')), { kind: 'retry', retryAfterMs: 0, serverAway: true });
    // Throttling: the server is there, and sets the pace itself.
    assert.deepEqual(problems.failed('status', new KubeApiError(patchStatus, 429, 'too many requests', 'TooManyRequests', [], 5_000)), { kind: 'retry', retryAfterMs: 5_000 });
    problems.succeeded('status');
    assert.deepEqual(lines.filter((line) => !line.startsWith('DEBUG')), [
      'WARN Kubernetes API unavailable (connect ECONNREFUSED): retrying with backoff; the jobs are not affected',
      'WARN Kubernetes API unavailable (too many requests): retrying with backoff; the jobs are not affected',
      'INFO Kubernetes API writes succeed again',
    ]);
  });

  it('say an outage once for both write loops, and the all-clear when both write again', () => {
    const { log, lines } = recordingLogger();
    const problems = new ApiProblems(log, 'shop', 0);
    const refused = (resource: string) => new KubeApiError({ verb: 'patch', resource }, 0, 'connect ECONNREFUSED');
    problems.failed('status', refused('autopilots/status'));
    problems.failed('events', refused('events.k8s.io/events'));
    problems.succeeded('status');
    const said = () => lines.filter((line) => !line.startsWith('DEBUG'));
    assert.equal(said().length, 1);
    problems.succeeded('events');
    assert.deepEqual(said().slice(1), ['INFO Kubernetes API writes succeed again']);
  });

  it('say one outage once, however each loop meets it (refused, reset, timed out, 503)', () => {
    const { log, lines } = recordingLogger();
    const problems = new ApiProblems(log, 'shop', 0);
    problems.failed('status', new KubeApiError(patchStatus, 0, 'connect ECONNREFUSED'));
    problems.failed('events', new KubeApiError({ verb: 'create', resource: 'events' }, 0, 'socket hang up'));
    problems.failed('informer autopilots', new KubeApiError({ verb: 'watch', resource: 'autopilots' }, 0, 'read ECONNRESET'));
    problems.failed('status', new KubeApiError(patchStatus, 503, 'etcd unavailable', 'ServiceUnavailable'));
    problems.failed('labels', new KubeApiError({ verb: 'get', resource: 'pods' }, 0, 'timeout of 10000ms exceeded'));
    assert.deepEqual(lines.filter((line) => !line.startsWith('DEBUG')), ['WARN Kubernetes API unavailable (connect ECONNREFUSED): retrying with backoff; the jobs are not affected']);
    assert.equal(lines.filter((line) => line.startsWith('DEBUG Kubernetes API unavailable')).length, 4, 'the other ways it was met, at DEBUG');
  });

  it('name the missing permission once a 403 outlasts an API server\'s start, and back off long', () => {
    // The grace on the test's clock.
    let now = 0;
    const { log, lines } = recordingLogger();
    const problems = new ApiProblems(log, 'shop', 50, () => now);
    const forbidden = new KubeApiError(patchStatus, 403, 'cannot patch resource "autopilots/status"');
    assert.deepEqual(problems.failed('status', forbidden), { kind: 'retry', serverAway: true }, 'at first, perhaps a starting API server');
    now += 49;
    assert.deepEqual(problems.failed('status', forbidden), { kind: 'retry', serverAway: true }, 'still within the grace');
    now += 1;
    assert.deepEqual(problems.failed('status', forbidden), { kind: 'retry', patient: true });
    assert.deepEqual(problems.failed('status', forbidden), { kind: 'retry', patient: true });
    assert.deepEqual(lines.filter((line) => !line.startsWith('DEBUG')), [
      'ERROR Kubernetes RBAC denies "patch" on autopilots/status in namespace shop: bind the Role printed by `pilotfish k8s manifests` to this pod\'s service account (cannot patch resource "autopilots/status"); retrying within a minute, then up to every 5 minutes',
    ]);
  });

  it('time the grace of a 403 on the monotonic clock: a wall clock stepped back an hour does not prolong it', async () => {
    const { log } = recordingLogger();
    const problems = new ApiProblems(log, 'shop', 50);
    const forbidden = new KubeApiError(patchStatus, 403, 'cannot patch resource "autopilots/status"');
    assert.deepEqual(problems.failed('status', forbidden), { kind: 'retry', serverAway: true });
    await withWallClockStepped(-3_600_000, async () => {
      await sleep(100);
      assert.deepEqual(problems.failed('status', forbidden), { kind: 'retry', patient: true });
    });
  });

  it('log a 422 with the causes of each field', () => {
    const { log, lines } = recordingLogger();
    const invalid = new KubeApiError(patchStatus, 422, 'Autopilot.pilotfish.dev "web-0" is invalid', 'Invalid', [{ field: 'status.conditions[0].reason', message: 'should match pattern' }]);
    assert.deepEqual(new ApiProblems(log, 'shop', 0).failed('status', invalid), { kind: 'retry' });
    assert.deepEqual(lines, ['ERROR Kubernetes API refused to patch autopilots/status: HTTP 422 Invalid: Autopilot.pilotfish.dev "web-0" is invalid; fields: status.conditions[0].reason: should match pattern']);
  });

  it('point at the CRD when creating the object finds no such resource', () => {
    const { log, lines } = recordingLogger();
    const notFound = new KubeApiError({ verb: 'create', resource: 'autopilots' }, 404, 'the server could not find the requested resource');
    assert.deepEqual(new ApiProblems(log, 'shop', 0).failed('status', notFound), { kind: 'retry', patient: true });
    assert.match(lines[0] ?? '', /is the Autopilot CRD installed\? Apply `pilotfish k8s manifests`/);
  });
});
