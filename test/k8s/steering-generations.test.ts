// Steering's order of work, on a fake pod whose job restarts take as long as the test says: the
// generations that come while one is being applied are each applied after it, in order, and
// past a bound only the latest is, with the condition saying which were skipped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobSnapshot } from '../../src/jobs/job.js';
import { MAX_WAITING_GENERATIONS, Steering, type Steerable, type SteeredAutopilot } from '../../src/k8s/steering.js';
import type { ReloadResult, SupervisorSnapshot } from '../../src/supervisor/supervisor.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

const AN_HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();

/** A pod whose jobs all started an hour ago, and whose restarts wait until `release()`. */
class SlowPod implements Steerable {
  readonly isShuttingDown = false;
  readonly restarted: string[] = [];
  release!: () => void;
  private readonly held = new Promise<void>((resolve) => (this.release = resolve));

  snapshot(): SupervisorSnapshot {
    return { startedAt: AN_HOUR_AGO } as SupervisorSnapshot;
  }

  job(name: string): { snapshot(): JobSnapshot; acceptsStart(): boolean } {
    return { snapshot: () => ({ name, state: 'running', health: 'unknown', restarts: 0, startedAt: AN_HOUR_AGO }), acceptsStart: () => true };
  }

  setMaintenance(): void {}

  startJob(): boolean {
    return true;
  }

  async stopJob(): Promise<boolean> {
    return true;
  }

  async restartJob(name: string): Promise<boolean> {
    this.restarted.push(name);
    await this.held;
    return true;
  }

  async reload(): Promise<ReloadResult> {
    return { ok: true, started: [], restarted: [], removed: [] };
  }
}

/** Generation `generation` of the Autopilot, asking for a restart of `job` only (the list replaced whole). */
function restarting(generation: number, job: string): SteeredAutopilot {
  return { metadata: { name: 'web-0', uid: 'uid-1', generation }, spec: { podName: 'web-0', jobs: [{ name: job, restartedAt: new Date().toISOString() }] } };
}

function steer(): { pod: SlowPod; steering: Steering; lines: string[] } {
  const pod = new SlowPod();
  const { log, lines } = recordingLogger();
  return { pod, steering: new Steering(pod, log, () => {}), lines };
}

describe('steering through the generations of the spec', () => {
  it('applies each generation that came while one was being applied, in order, once', async () => {
    const { pod, steering } = steer();
    steering.offer(restarting(1, 'slow'));
    steering.offer(restarting(2, 'worker'));
    steering.offer(restarting(3, 'w2'));
    // A relist hands over the latest again.
    steering.offer(restarting(3, 'w2'));
    pod.release();
    await waitFor(() => steering.observedGeneration === 3, 'generation 3 applied');
    assert.deepEqual(pod.restarted, ['slow', 'worker', 'w2']);
    assert.deepEqual(steering.verdict, { status: 'True', reason: 'Applied', message: 'generation 3 applied' });
  });

  it(`skips to the latest when more than ${MAX_WAITING_GENERATIONS} wait, and says which were skipped`, async () => {
    const { pod, steering, lines } = steer();
    const latest = MAX_WAITING_GENERATIONS + 2;
    for (let generation = 1; generation <= latest; generation += 1) steering.offer(restarting(generation, `job${generation}`));
    pod.release();
    await waitFor(() => steering.observedGeneration === latest, `generation ${latest} applied`);
    assert.deepEqual(pod.restarted, ['job1', `job${latest}`]);
    assert.deepEqual(steering.verdict, {
      status: 'False',
      reason: 'GenerationsSkipped',
      message: `generations 2 to ${latest - 1} were not applied (more than ${MAX_WAITING_GENERATIONS} came while one was being applied)`,
    });
    assert.ok(lines.some((line) => line.startsWith('WARN') && line.includes(`skipping to the latest, ${latest}`)), lines.join('\n'));
  });
});
