// A reload renders and validates in PID 1: a hostile or careless new config is refused with its
// file and line, promptly, and the supervisor keeps answering and keeps the old config running.
// Before, `loop 0 100000000` froze PID 1 and `timeout: "720h"` killed the job after 1 ms.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';

const CONFIG = '{ jobs: [ { name: "app", exec: "sleep 600" } ] }';

describe('reloading a malformed config', () => {
  let pilotfish: RunningSupervisor;
  let file: string;
  before(async () => {
    pilotfish = await startSupervisor(CONFIG);
    file = join(pilotfish.dir, 'pilotfish.json5');
  });
  after(() => pilotfish.stop());

  const refusals: [string, string, RegExp][] = [
    ['a loop of 100 million', '{\n  jobs: [ {{ range $i := loop 0 100000000 }}{ name: "j{{ $i }}", exec: "true" },{{ end }} ] }', /template: .*pilotfish\.json5:2:25: executing ".*pilotfish\.json5" at <loop 0 100000000>: the template runs more than 250000 steps/],
    ['a 720h timeout', '{ jobs: [ { name: "app", exec: "sleep 600",\n  timeout: "720h" } ] }', /pilotfish\.json5:2:3: jobs\[0\]\.timeout: must be at most 480h \(20 days\), got 720h/],
    ['a 720h stopTimeout', '{ jobs: [ { name: "app", exec: "sleep 600",\n  stopTimeout: "720h" } ] }', /pilotfish\.json5:2:3: jobs\[0\]\.stopTimeout: must be at most 480h/],
    ['a 720h interval', '{ jobs: [ { name: "app", exec: "sleep 600" }, { name: "tick", exec: "true", when: {\n  interval: "720h" } } ] }', /pilotfish\.json5:2:3: jobs\[1\]\.when\.interval: must be at most 480h/],
    ['nesting 5000 deep', `{ jobs: [] }{{ ${'('.repeat(5000)}1${')'.repeat(5000)} }}`, /pilotfish\.json5:1:\d+: max expression depth exceeded/],
    ['an env value with a NUL byte', '{ jobs: [ { name: "app", exec: "sleep 600", env: {\n  A: "x\\u0000y" } } ] }', /pilotfish\.json5:2:3: jobs\[0\]\.env\.A: the value of A must not contain a NUL byte/],
  ];

  for (const [name, text, error] of refusals) {
    it(`refuses ${name} and keeps running the old config`, { timeout: 30_000 }, async () => {
      writeFileSync(file, text);
      const refused = await pilotfish.call('POST', '/v1/reload');
      assert.equal(refused.status, 422, refused.body);
      assert.match((refused.json as { error: string }).error, error);
      const status = await pilotfish.call('GET', '/v1/status');
      const jobs = (status.json as { jobs: { name: string; state: string }[] }).jobs;
      assert.deepEqual(jobs.map(({ name, state }) => ({ name, state })), [{ name: 'app', state: 'running' }]);
    });
  }

  it('still reloads a good config afterwards', async () => {
    writeFileSync(file, CONFIG.replace('jobs: [', 'jobs: [ { name: "extra", exec: "sleep 600" },'));
    const reloaded = await pilotfish.call('POST', '/v1/reload');
    assert.equal(reloaded.status, 200, reloaded.body);
  });
});
