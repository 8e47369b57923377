// Jobs repeating a name, as ContainerPilot ran them: every one runs, the later ones are addressed
// as `web#2`…, and the events, variables and the Consul service stay under the name as written.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobConfig } from '../../src/config/types.js';
import { stopOrder } from '../../src/supervisor/dependencies.js';
import { ConsulAgent } from '../helpers/consul.js';
import { httpCall } from '../helpers/control.js';
import { HealthSwitch, serviceId, serviceJob, stopRun } from '../helpers/discovery.js';
import { after as hookAfter, jobConfig } from '../helpers/job-config.js';
import { runConfig, runPilotfish, type PilotfishRun } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface StatusJob {
  name: string;
  state: string;
  pid?: number;
}

async function cli(socket: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runPilotfish({ args, env: { PILOTFISH_SOCKET: socket } });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

async function statusJobs(socket: string): Promise<StatusJob[]> {
  const { code, output } = await cli(socket, 'status', '--json');
  assert.equal(code, 0, output);
  return (JSON.parse(output) as { jobs: StatusJob[] }).jobs;
}

/** Two jobs named web (lines 3 and 4, their `name` at column 7); only the second has a health check. */
const TWO_WEBS = `{
  jobs: [
    { name: "web", exec: "sh -c 'echo web-a; exec sleep 600'" },
    { name: "web", exec: "sh -c 'echo web-b; exec sleep 600'", health: { exec: "true", interval: "200ms", timeout: "5s" } },
    { name: "hook", exec: "sh -c 'echo hook heard web, CONTAINERPILOT_WEB_PID=$CONTAINERPILOT_WEB_PID'", when: { source: "web", once: "healthy" } },
  ],
}`;

describe('two jobs of one name', () => {
  const socket = join(mkdtempSync(join(tmpdir(), 'pilotfish-control-')), 'control.socket');
  let pilotfish: PilotfishRun;
  let file: string;
  before(async () => {
    pilotfish = runConfig(TWO_WEBS, { env: { PILOTFISH_SOCKET: socket } });
    file = pilotfish.child.spawnargs.at(-1) as string;
    // A hang detector's deadline: a loaded machine may take long to start it.
    await waitFor(() => httpCall({ socketPath: socket }, 'GET', '/v1/ping').then((response) => response.status === 200, () => false), 'the control socket', 20_000);
  });
  after(() => stopRun(pilotfish));

  it('both run, the second under its own identity', async () => {
    await pilotfish.waitForLine(/\[web\] web-a$/, 20_000);
    await pilotfish.waitForLine(/\[web#2\] web-b$/, 20_000);
  });

  it('are warned of at start, with the file, line and column of both', async () => {
    const warning = await pilotfish.waitForLine(/WARN/);
    assert.ok(
      warning.endsWith(
        `WARN  ${file}:4:7: jobs[1].name: "web" is also the name of jobs[0] (${file}:3:7): both run, as in ContainerPilot, ` +
          'and publish their events as "web"; this one is "web#2" in status, commands and metrics',
      ),
      warning,
    );
  });

  it("publish their events under the name: a hook on `web` hears the second one's, with one of their pids", async () => {
    const line = await pilotfish.waitForLine(/hook heard web/, 20_000);
    const jobs = await statusJobs(socket);
    const pids = jobs.filter((job) => job.name.startsWith('web')).map((job) => job.pid);
    const pid = Number(/CONTAINERPILOT_WEB_PID=(\d+)/.exec(line)?.[1]);
    assert.ok(pids.includes(pid), `${line} names one of ${pids.join(', ')}`);
  });

  it('are both listed by status, each with its identity', async () => {
    const jobs = await statusJobs(socket);
    assert.deepEqual(
      jobs.map((job) => job.name),
      ['web', 'web#2', 'hook'],
    );
    const { code, output } = await cli(socket, 'status');
    assert.equal(code, 0);
    assert.match(output, /^web\s+running/m);
    assert.match(output, /^web#2\s+running/m);
  });

  it('`pilotfish restart web#2` restarts the second and leaves the first alone', async () => {
    const before = await statusJobs(socket);
    const pidOf = (jobs: StatusJob[], name: string) => jobs.find((job) => job.name === name)?.pid;
    const { code, output } = await cli(socket, 'restart', 'web#2');
    assert.equal(code, 0, output);
    assert.match(output, /^web#2: running \(pid \d+\)$/);
    const after = await statusJobs(socket);
    assert.notEqual(pidOf(after, 'web#2'), pidOf(before, 'web#2'));
    assert.equal(pidOf(after, 'web'), pidOf(before, 'web'));
    await waitFor(() => pilotfish.lines.filter((line) => /\[web#2\] web-b$/.test(line)).length === 2, 'web-b started again', 20_000);
    assert.equal(pilotfish.lines.filter((line) => /\[web\] web-a$/.test(line)).length, 1);
  });
});

describe('a reload', () => {
  it('adds a second job of a name and removes it again, leaving the first alone', async () => {
    const web = (word: string) => `{ name: "web", exec: "sh -c 'echo ${word}; exec sleep 600'" }`;
    const run = runConfig(`{ jobs: [ ${web('first')} ] }`);
    const file = run.child.spawnargs.at(-1) as string;
    await run.waitForLine(/\[web\] first$/, 20_000);
    assert.ok(!run.lines.some((line) => /WARN/.test(line)), run.output());

    writeFileSync(file, `{ jobs: [ ${web('first')}, ${web('second')} ] }`);
    run.signal('SIGHUP');
    await run.waitForLine(/config reloaded: started web#2$/, 20_000);
    await run.waitForLine(/\[web#2\] second$/, 20_000);
    assert.match(run.output(), /WARN .*jobs\[1\]\.name: "web" is also the name of jobs\[0\]/);

    writeFileSync(file, `{ jobs: [ ${web('first')} ] }`);
    run.signal('SIGHUP');
    await run.waitForLine(/config reloaded: removed web#2$/, 20_000);
    await run.waitForLine(/\[web#2\] stopped: killed by SIGTERM/, 20_000);
    assert.equal(run.lines.filter((line) => /\[web\] (started|stopped)/.test(line)).length, 1, 'the first job ran on untouched');
    run.signal('SIGTERM');
    assert.equal((await run.exited).code, 143);
  });
});

describe('in Consul', () => {
  let consul: ConsulAgent;
  before(async () => {
    consul = await ConsulAgent.start();
  });
  after(() => consul.stop());

  it("is one service, the last job's, whose check follows that job alone", async () => {
    const first = new HealthSwitch().healthy('a fine');
    const second = new HealthSwitch().healthy('b fine');
    const run = runConfig(`{
      consul: "${consul.address}",
      jobs: [${serviceJob('web', first, { port: 8080, ttl: '10s', extra: 'tags: ["a"]' })}, ${serviceJob('web', second, { port: 8081, ttl: '10s', extra: 'tags: ["b"]' })}],
    }`);
    const checkId = `service:${serviceId('web')}`;
    await waitFor(async () => (await consul.checks())[checkId]?.Output.includes('b fine'), 'the check passing with the second job\'s output', 20_000);
    const services = Object.values(await consul.services()).filter((service) => service.Service === 'web');
    assert.equal(services.length, 1);
    assert.equal(services[0]?.ID, serviceId('web'));
    assert.equal(services[0]?.Port, 8081);
    assert.deepEqual(services[0]?.Tags, ['b']);

    // The first job's health is its own: the service does not hear of it, over many heartbeats…
    first.unhealthy('a broken');
    await run.waitForLine(/\[web\] is unhealthy/, 20_000);
    for (const deadline = Date.now() + 2000; Date.now() < deadline; await sleep(100)) {
      const check = (await consul.checks())[checkId];
      assert.equal(check?.Status, 'passing');
      assert.match(check?.Output ?? '', /b fine/);
    }
    // …while the second's is what the check says.
    second.unhealthy('b broken');
    await waitFor(async () => {
      const check = (await consul.checks())[checkId];
      return check?.Status === 'critical' && check.Output.includes('b broken');
    }, "the check critical with the second job's output", 20_000);
    await stopRun(run);
  });
});

describe('stop order', () => {
  it('stops a job waiting on a name after every job of that name', () => {
    const jobs: JobConfig[] = [
      jobConfig('pre'),
      jobConfig('db'),
      { ...jobConfig('db#2', { when: hookAfter('pre', 'exitSuccess') }), writtenName: 'db' },
      jobConfig('app', { when: hookAfter('db', 'healthy') }),
    ];
    assert.deepEqual(stopOrder(jobs), [['app'], ['db#2'], ['pre', 'db']]);
  });
});
