// pilotfish's control API (`/v1`), against a real supervisor over its real socket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { sleep, waitFor } from '../helpers/wait.js';

const CONFIG = `{
  jobs: [
    { name: "app", exec: "sh -c 'echo greeting=$GREETING; exec sleep 60'", stopTimeout: "1s" },
    { name: "hook", exec: "echo hook ran", when: { source: "app", once: "stopped" } },
  ],
}`;

describe('the control API', () => {
  let pilotfish: RunningSupervisor;
  before(async () => {
    pilotfish = await startSupervisor(CONFIG);
  });
  after(() => pilotfish.stop());

  const jobNamed = async (name: string) => ((await pilotfish.call('GET', '/v1/status')).json.jobs as Array<{ name: string }>).find((job) => job.name === name) as any;

  it('creates its socket readable and writable by its owner only', () => {
    assert.equal(statSync(pilotfish.socket).mode & 0o777, 0o600);
    assert.ok(statSync(pilotfish.socket).isSocket());
  });

  it('answers ping', async () => {
    const response = await pilotfish.call('GET', '/v1/ping');
    assert.equal(response.status, 200);
    assert.equal(response.json.ok, true);
  });

  it("reports every job's state, health, pid, restarts and uptime, the config hash and its components", async () => {
    const { status, json } = await pilotfish.call('GET', '/v1/status');
    assert.equal(status, 200);
    assert.match(json.configHash, /^[0-9a-f]{64}$/);
    assert.equal(json.maintenance, false);
    const app = json.jobs.find((job: { name: string }) => job.name === 'app');
    assert.equal(app.state, 'running');
    assert.equal(app.health, 'unknown');
    assert.equal(typeof app.pid, 'number');
    assert.equal(app.restarts, 0);
    assert.equal(typeof app.uptimeSeconds, 'number');
    assert.equal(json.jobs.find((job: { name: string }) => job.name === 'hook').state, 'idle');
    assert.deepEqual(json.components.control, { socket: pilotfish.socket, listening: true });
  });

  it('sets variables for processes started later, and answers their names but never their values', async () => {
    const set = await pilotfish.call('POST', '/v1/env', { GREETING: 's3cret-value' });
    assert.equal(set.status, 200);
    assert.deepEqual(set.json, { set: ['GREETING'] });
    const restarted = await pilotfish.call('POST', '/v1/jobs/app/restart');
    assert.equal(restarted.status, 200);
    assert.equal(restarted.json.job.state, 'running');
    await waitFor(async () => (await pilotfish.call('GET', '/v1/logs?job=app')).body.includes('greeting=s3cret-value'), 'the restarted app to see GREETING');
    const status = await pilotfish.call('GET', '/v1/status');
    assert.deepEqual(status.json.envSet, ['GREETING']);
    assert.doesNotMatch(status.body, /s3cret-value/);
  });

  it('refuses bad requests with 400 and a message that says what was expected', async () => {
    const cases: Array<[string, string, string | object, RegExp]> = [
      ['POST', '/v1/env', '{not json', /not valid JSON/],
      ['POST', '/v1/env', { COUNT: 3 }, /COUNT must be a string/],
      ['POST', '/v1/env', ['A=1'], /JSON object of variables/],
      ['POST', '/v1/maintenance', { enabled: 'yes' }, /"enabled": true/],
      ['POST', '/v1/metrics', { anything: 1 }, /telemetry is not configured/],
      ['POST', '/v1/jobs/app/signal', { signal: 'SIGNOPE' }, /not a signal name/],
      ['POST', '/v1/jobs/app/signal', {}, /expected \{"signal"/],
      ['GET', '/v1/logs?lines=many', '', /lines must be a whole number/],
    ];
    for (const [method, path, body, message] of cases) {
      const response = await pilotfish.call(method, path, body);
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${response.body}`);
      assert.match(response.json.error, message);
    }
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const response = await pilotfish.call('POST', '/v1/env', JSON.stringify({ BIG: 'x'.repeat(70 * 1024) }));
    assert.equal(response.status, 413);
    assert.match(response.json.error, /larger than 65536 bytes/);
  });

  it('refuses with 413 a small body sent in thousands of pieces, each of which it would hold in a Buffer of its own', async () => {
    // 4 000 one-byte chunks (a 4 KiB body): held piece by piece, ~2 MiB for one request, ~130 MiB for 64.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const post = request({ socketPath: pilotfish.socket, method: 'POST', path: '/v1/env', headers: { 'Content-Type': 'application/json' } }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      // The server may answer, and close, before the whole body is sent.
      post.on('error', (error) => (post.writableEnded ? undefined : reject(error)));
      post.write('{"PIECES":"');
      let sent = 0;
      const more = () => {
        if (post.destroyed || post.writableEnded) return;
        if (sent === 4000) return void post.end('"}');
        sent += 1;
        post.write('x');
        setImmediate(more);
      };
      more();
    });
    const { status, body } = await answer;
    assert.equal(status, 413, body);
    assert.match(body, /came in too many pieces: more than 65536 bytes to hold/);
  });

  it('answers 404 for an unknown endpoint or job, and 405 with Allow for a wrong method', async () => {
    assert.equal((await pilotfish.call('GET', '/v1/nothing')).status, 404);
    const unknownJob = await pilotfish.call('POST', '/v1/jobs/ghost/start');
    assert.equal(unknownJob.status, 404);
    assert.match(unknownJob.json.error, /no job named "ghost"/);
    const wrongMethod = await pilotfish.call('GET', '/v1/reload');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
  });

  it('signals a job, and answers 409 to starting a running job', async () => {
    assert.equal((await pilotfish.call('POST', '/v1/jobs/app/start')).status, 409);
    const signalled = await pilotfish.call('POST', '/v1/jobs/app/signal', { signal: 'cont' });
    assert.deepEqual(signalled.json, { job: 'app', signal: 'SIGCONT' });
  });

  it('switches maintenance mode on and off', async () => {
    assert.deepEqual((await pilotfish.call('POST', '/v1/maintenance', { enabled: true })).json, { maintenance: true });
    assert.equal((await pilotfish.call('GET', '/v1/status')).json.maintenance, true);
    assert.deepEqual((await pilotfish.call('POST', '/v1/maintenance', { enabled: false })).json, { maintenance: false });
  });

  it('keeps running when an operator stops its only long-running job, until the job is started again', async () => {
    const stopped = await pilotfish.call('POST', '/v1/jobs/app/stop');
    assert.equal(stopped.status, 200);
    assert.equal(stopped.json.job.state, 'stopped');
    await waitFor(async () => (await jobNamed('hook')).state === 'exited', 'the stopped hook to run');
    await sleep(300);
    assert.equal((await pilotfish.call('GET', '/v1/ping')).status, 200, 'pilotfish is still up');
    assert.equal((await pilotfish.call('POST', '/v1/jobs/app/signal', { signal: 'HUP' })).status, 409, 'no process to signal');
    const started = await pilotfish.call('POST', '/v1/jobs/app/start');
    assert.equal(started.status, 200);
    assert.equal(started.json.job.state, 'running');
  });

  it('serves recent output as JSON lines, for one job or all, and follows new lines', async () => {
    const all = await pilotfish.call('GET', '/v1/logs?lines=50');
    const lines = all.body.trim().split('\n').map((line) => JSON.parse(line) as { job: string; line: string; stream: string; time: string });
    assert.ok(lines.some((line) => line.job === 'hook' && line.line === 'hook ran'));
    assert.ok(lines.some((line) => line.job === 'app' && line.line.startsWith('greeting=')));
    assert.equal((await pilotfish.call('GET', '/v1/logs?job=app&lines=1')).body.trim().split('\n').length, 1);

    const followed: string[] = [];
    const follow = request({ socketPath: pilotfish.socket, path: '/v1/logs?job=app&lines=0&follow=true' });
    follow.end();
    // The answer's head comes once the request follows the job's output.
    const [response] = (await once(follow, 'response')) as [IncomingMessage];
    response.setEncoding('utf8').on('data', (chunk: string) => followed.push(chunk));
    await pilotfish.call('POST', '/v1/jobs/app/restart');
    await waitFor(() => followed.join('').includes('greeting='), 'the followed line');
    follow.destroy();
  });

  it('reloads: an invalid config is refused with 422 and the reason, a valid one starts what was added', async () => {
    const file = join(pilotfish.dir, 'pilotfish.json5');
    writeFileSync(file, `{ jobs: [ { name: "app", exec: 42 } ] }`);
    const refused = await pilotfish.call('POST', '/v1/reload');
    assert.equal(refused.status, 422);
    assert.match(refused.json.error, /jobs\[0\]\.exec/);
    writeFileSync(file, CONFIG.replace('jobs: [', 'jobs: [ { name: "extra", exec: "sleep 60" },'));
    const reloaded = await pilotfish.call('POST', '/v1/reload');
    assert.equal(reloaded.status, 200);
    assert.deepEqual(reloaded.json, { ok: true, started: ['extra'], restarted: [], removed: [] });
  });
});

describe('the control API, when requests overtake a stop', () => {
  // A job that ignores its stop signal: each stop takes its whole stopTimeout.
  const stubborn = (value: string) => `{
  jobs: [
    { name: "stubborn", exec: ["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"], stopTimeout: "1500ms", env: { V: "${value}" } },
  ],
}`;
  let pilotfish: RunningSupervisor;
  before(async () => {
    pilotfish = await startSupervisor(stubborn('1'));
  });
  after(() => pilotfish.stop());

  const state = async () => ((await pilotfish.call('GET', '/v1/status')).json.jobs as Array<{ name: string; state: string }>)[0]?.state;

  /**
   * `first` on stubborn, then `second` while first's stop is under way (stubborn ignores SIGTERM
   * until its stopTimeout): both answers, the first's within 5 s or undefined.
   */
  async function overtake(first: string, second: string) {
    const firstAnswer = pilotfish.call('POST', `/v1/jobs/stubborn/${first}`);
    await waitFor(async () => (await state()) === 'terminating', `the ${first} to begin`);
    const secondAnswer = await pilotfish.call('POST', `/v1/jobs/stubborn/${second}`);
    return { first: await Promise.race([firstAnswer, sleep(5000).then(() => undefined)]), second: secondAnswer };
  }

  it('answers a stop that a restart overtook, with 409, instead of never', async () => {
    const { first: stopped, second: restarted } = await overtake('stop', 'restart');
    assert.equal(restarted.status, 200, restarted.body);
    assert.equal(restarted.json.job.state, 'running');
    assert.ok(stopped, 'the stop was answered');
    assert.equal(stopped.status, 409, stopped.body);
    assert.match(stopped.json.error, /stubborn was started again \(start or restart\) before its stop finished: it is running/);
  });

  it('takes a start during a stop as a restart is taken: the job starts again once stopped, and the stop is answered 409', async () => {
    const { first: stopped, second: started } = await overtake('stop', 'start');
    assert.equal(started.status, 200, started.body);
    assert.equal(stopped?.status, 409, stopped?.body);
    await waitFor(async () => (await state()) === 'running', 'stubborn to run again');
  });

  it('answers a restart that a stop overtook with 409, not as if the job ran again', async () => {
    const { first: restarted, second: stopped } = await overtake('restart', 'stop');
    assert.equal(stopped.status, 200, stopped.body);
    assert.equal(restarted?.status, 409, restarted?.body);
    assert.match(restarted?.json.error, /stubborn was stopped before its restart finished: it is stopped/);
    assert.equal((await pilotfish.call('POST', '/v1/jobs/stubborn/start')).status, 200);
    await waitFor(async () => (await state()) === 'running', 'stubborn to run again');
  });

  it("refuses to start or restart a job a reload is stopping, and the reload finishes; the next one is answered too", async () => {
    writeFileSync(join(pilotfish.dir, 'pilotfish.json5'), stubborn('2'));
    const reload = pilotfish.call('POST', '/v1/reload');
    await waitFor(async () => (await state()) === 'terminating', "the reload's stop to begin");
    for (const action of ['restart', 'start']) {
      const refused = await pilotfish.call('POST', `/v1/jobs/stubborn/${action}`);
      assert.equal(refused.status, 409, `${action}: ${refused.body}`);
      assert.match(refused.json.error, /stubborn is being stopped by a reload/);
    }
    const reloaded = await Promise.race([reload, sleep(5000).then(() => undefined)]);
    assert.ok(reloaded, 'the reload was answered');
    assert.deepEqual(reloaded.json, { ok: true, started: [], restarted: ['stubborn'], removed: [] });
    await waitFor(async () => (await state()) === 'running', 'the new stubborn to run');
    const again = await Promise.race([pilotfish.call('POST', '/v1/reload'), sleep(5000).then(() => undefined)]);
    assert.equal(again?.status, 200, 'a later reload is answered');
  });

  it('answers a reload asked for during the shutdown as it answers the job verbs, 409, not as an invalid config', async () => {
    pilotfish.signal('SIGTERM');
    await waitFor(async () => (await pilotfish.call('GET', '/v1/status')).json.shuttingDown === true, 'the shutdown to begin');
    const reload = await pilotfish.call('POST', '/v1/reload');
    assert.equal(reload.status, 409, reload.body);
    assert.equal(reload.json.error, 'pilotfish is shutting down');
  });
});
