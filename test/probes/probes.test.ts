// /livez and /readyz of a real supervisor, flipping with its jobs' health.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

describe('the probe endpoints', () => {
  const flags = mkdtempSync(join(tmpdir(), 'pilotfish-probes-'));
  const coreFlag = join(flags, 'core-ok');
  const webFlag = join(flags, 'web-ok');
  let pilotfish: RunningSupervisor;
  let port: number;
  before(async () => {
    writeFileSync(coreFlag, '');
    pilotfish = await startSupervisor(`{
      probes: { port: 0, address: "127.0.0.1" },
      jobs: [
        { name: "core", exec: "sleep 60", health: { exec: "test -f ${coreFlag}", interval: "100ms", timeout: "5s", level: "alive" } },
        { name: "web", exec: "sleep 60", health: { exec: "sh -c 'test -f ${webFlag} || { echo web-flag missing; exit 1; }'", interval: "100ms", timeout: "5s" } },
      ],
    }`);
    // The control socket answers as soon as it is bound, the probes a moment later.
    port = await waitFor(async () => (await pilotfish.call('GET', '/v1/status')).json.components.probes?.port, 'the probes to listen');
  });
  after(() => pilotfish.stop());

  const probe = (path: string) => httpCall({ host: '127.0.0.1', port }, 'GET', path);
  const until = (path: string, status: number) =>
    waitFor(async () => {
      const response = await probe(path);
      return response.status === status ? response : undefined;
    }, `${path} to answer ${status}`);

  it('is not ready until every checked job is healthy, while alive', async () => {
    const notReady = await probe('/readyz');
    assert.equal(notReady.status, 503);
    assert.equal(notReady.json.status, 'failing');
    assert.ok(notReady.json.reasons.some((reason: string) => reason.startsWith('web is')));
    assert.deepEqual((await until('/livez', 200)).json, { status: 'ok' });
  });

  it('becomes ready when the check passes, and unready with the reason when it fails again', async () => {
    writeFileSync(webFlag, '');
    assert.deepEqual((await until('/readyz', 200)).json, { status: 'ok' });
    rmSync(webFlag);
    const unready = await until('/readyz', 503);
    // The check's own output ("web-flag missing") is not for everyone who can reach the port.
    assert.deepEqual(unready.json.reasons, ['web is unhealthy: exit status 1']);
    assert.equal((await probe('/livez')).status, 200, 'a ready-level check does not touch liveness');
  });

  it('fails liveness when an alive-level check fails, and recovers with it', async () => {
    rmSync(coreFlag);
    const dead = await until('/livez', 503);
    assert.deepEqual(dead.json, { status: 'failing', reasons: ['core is unhealthy: exit status 1'] });
    writeFileSync(coreFlag, '');
    await until('/livez', 200);
  });

  it('is unready in maintenance mode', async () => {
    writeFileSync(webFlag, '');
    await until('/readyz', 200);
    await pilotfish.call('POST', '/v1/maintenance', { enabled: true });
    assert.deepEqual((await probe('/readyz')).json.reasons, ['pilotfish is in maintenance mode']);
    await pilotfish.call('POST', '/v1/maintenance', { enabled: false });
    assert.equal((await probe('/readyz')).status, 200);
  });
});
