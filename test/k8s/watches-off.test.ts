// Outside Kubernetes, a reload that adds a watch on a Kubernetes Service says that nothing will
// run it, once, naming the watch (a real pilotfish process, reloaded through its control API).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

const config = (watches: string, kubernetes = '') => `{ ${kubernetes} watches: [${watches}], jobs: [{ name: "keeper", exec: "sleep 600" }] }`;
const orders = '{ name: "orders", source: "kubernetes" }';
const payments = '{ name: "payments", source: "kubernetes", port: "http" }';

describe('a watch on a Kubernetes Service added by a reload outside Kubernetes', () => {
  let pilotfish: RunningSupervisor;
  const neverFire = () => pilotfish.lines.filter((line) => /watches on Kubernetes Services .* never fire/.test(line));
  const reload = async (text: string) => {
    writeFileSync(join(pilotfish.dir, 'pilotfish.json5'), text);
    const answer = await pilotfish.call('POST', '/v1/reload');
    assert.equal(answer.status, 200, answer.body);
  };

  before(async () => {
    // Not in a pod, even when the tests run in one.
    pilotfish = await startSupervisor(config(''), { env: { KUBERNETES_SERVICE_HOST: '' } });
  });
  after(() => pilotfish?.stop());

  it('is said nothing about at start without one', () => {
    assert.deepEqual(neverFire(), []);
  });

  it('is one ERROR line naming it, and not said again by a reload that keeps it', async () => {
    await reload(config(orders));
    const said = await waitFor(() => neverFire()[0], `the line about orders in:\n${pilotfish.output()}`, 10_000, 50);
    assert.match(said, /ERROR.*the watches on Kubernetes Services \(orders\) never fire: pilotfish is not running in Kubernetes \(KUBERNETES_SERVICE_HOST is not set/);
    await reload(config(`${orders}, { name: "db", interval: 5 }`));
    assert.equal((await pilotfish.call('GET', '/v1/watches')).json.watches.length, 2, 'the second reload is in force');
    assert.equal(neverFire().length, 1);
  });

  it('says that a reload forcing the bridge on does not start it', async () => {
    await reload(config(`${orders}, ${payments}`, 'kubernetes: { enabled: true, apiServer: "https://127.0.0.1:1" },'));
    const said = await waitFor(() => neverFire()[1], `the line about payments in:\n${pilotfish.output()}`, 10_000, 50);
    assert.match(said, /\(payments\) never fire: .*; a reload does not start the bridge, restart pilotfish for that$/);
  });
});
