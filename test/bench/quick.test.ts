// The benchmark harness in quick mode, end to end: every scenario runs or says why not, and the
// results file is written. It judges no number; the Go-built peers are hidden (an empty peer
// cache, and no ContainerPilot kit or binary) so the test never depends on them and proves they are
// reported unavailable: Pebble and ContainerPilot as supervisors, Consul (scenario 5) and etcd/kube-apiserver (scenarios 7 and 7b) as peers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from '../../bench/results.js';

const BENCH = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

// Hang detectors, not a speed test: under the load of a whole suite run, its scenarios took over
// 235 s in a stressed run (scenario 2 alone 46 s).
test('npm run bench -- --quick measures pilotfish in every available scenario', { timeout: 600_000 }, () => {
  const outDir = mkdtempSync(join(tmpdir(), 'pilotfish-bench-test-'));
  const run = spawnSync(process.execPath, [BENCH, '--quick', '--out-dir', outDir], {
    env: {
      ...process.env,
      PILOTFISH_PEERS_CACHE: mkdtempSync(join(tmpdir(), 'pilotfish-no-peers-')),
      PILOTFISH_CONTAINERPILOT: '',
      PILOTFISH_CONTAINERPILOT_KIT: mkdtempSync(join(tmpdir(), 'pilotfish-no-kit-')),
    },
    encoding: 'utf8',
    timeout: 595_000,
  });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const results = JSON.parse(readFileSync(join(outDir, 'quick.json'), 'utf8')) as BenchResults;

  assert.equal(results.mode, 'quick');
  assert.deepEqual(results.supervisors.pebble?.available, false);
  assert.deepEqual(results.supervisors.containerpilot?.available, false);
  assert.match(results.supervisors.containerpilot?.reason ?? '', /PILOTFISH_CONTAINERPILOT/);
  const ids = results.scenarios.map((scenario) => scenario.id);
  assert.deepEqual(ids, ['1a', '1b', '2', '3a', '3b', '4', '5', '6', '7', '7b', '8', '9']);
  const byId = (id: string) => results.scenarios.find((scenario) => scenario.id === id)!;
  assert.match(byId('5').unavailable ?? '', /consul: not built/);
  for (const id of ['7', '7b']) assert.match(byId(id).unavailable ?? '', /etcd: not built.*kube-apiserver: not built/, id);
  for (const scenario of results.scenarios) {
    if (['5', '7', '7b'].includes(scenario.id)) continue;
    assert.equal(scenario.unavailable, undefined, scenario.id);
    assert.equal(scenario.outcomes.pilotfish?.status, 'measured', `${scenario.id}: ${JSON.stringify(scenario.outcomes.pilotfish)}`);
    assert.equal(scenario.outcomes.pebble?.status, 'unavailable');
  }
});
