// A healthy job whose process is SIGKILLed, against a real API server (etcd + kube-apiserver): its
// Events and the Autopilot's condition say it was killed by SIGKILL, never its last passing check
// ("Unhealthy: Job app is unhealthy: HTTP 200: ok" was what an operator got, issue 13).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HealthSwitch } from '../helpers/discovery.js';
import { waitFor } from '../helpers/wait.js';
import { BridgeFixture, condition } from './fixture.js';

let fixture: BridgeFixture;
before(async () => {
  fixture = await BridgeFixture.start();
});
after(() => fixture?.stop());

it('a SIGKILLed job is "killed by SIGKILL" in its Events and in the Ready condition', async () => {
  const setup = await fixture.podWithServiceAccount();
  const health = new HealthSwitch().healthy('HTTP 200: ok');
  // A long backoff keeps it waiting to restart while the condition is read.
  const app = `{ name: "app", exec: "sleep 600", restarts: 1, backoff: { delay: "30s" }, health: { exec: "${health.command}", interval: "200ms", timeout: "5s" } }`;
  const run = await fixture.supervise(setup, app);
  try {
    await fixture.waitForReady(setup, 'True');
    const pid = run.supervisor.job('app')?.pid;
    assert.equal(typeof pid, 'number');
    process.kill(pid as number, 'SIGKILL');

    const restarting = await fixture.waitForReady(setup, 'False', 'JobRestarting');
    assert.equal(condition(restarting, 'Ready')?.message, 'app was killed by SIGKILL and waits to restart; 0 of 1 jobs in good standing');
    const notes = await waitFor(
      async () => {
        const list = await fixture.cluster.must('GET', `/apis/events.k8s.io/v1/namespaces/${setup.namespace}/events`);
        const aboutPod = (list.items as any[]).filter((event) => event.regarding.kind === 'Pod').map((event) => `${event.reason}: ${event.note}`);
        return aboutPod.some((note) => note.startsWith('Exited')) && aboutPod.some((note) => note.startsWith('Unhealthy')) ? aboutPod : undefined;
      },
      'the Exited and Unhealthy Events',
      15_000,
      100,
    );
    assert.ok(notes.includes('Unhealthy: Job app is unhealthy: killed by SIGKILL'), notes.join('\n'));
    assert.ok(notes.includes('Exited: Job app was killed by SIGKILL and will be restarted'), notes.join('\n'));
    assert.ok(notes.every((note) => !note.includes('HTTP 200')), `no stale check result in:\n${notes.join('\n')}`);
  } finally {
    await run.stop();
  }
});
