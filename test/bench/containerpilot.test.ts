// Where the benchmark finds ContainerPilot (the Go module proxy refuses its module path): a binary
// named by PILOTFISH_CONTAINERPILOT, else its build kit's build.sh, else "unavailable" with why.
// A stand-in script plays the binary: the tests must not depend on the real kit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateContainerPilot } from '../../bench/supervisors/containerpilot.js';
import { mergePeers } from '../../bench/report/merge.js';
import type { BenchResults, Outcome } from '../../bench/results.js';

function standIn(dir: string): string {
  const binary = join(dir, 'containerpilot');
  writeFileSync(binary, '#!/bin/sh\n[ "$1" = -version ] && printf "Version: 3.8.0\\nGitHash: 408dbc9\\n"\n');
  chmodSync(binary, 0o755);
  return binary;
}

test('PILOTFISH_CONTAINERPILOT names the binary; its -version gives the version', () => {
  const binary = standIn(mkdtempSync(join(tmpdir(), 'cp-bin-')));
  assert.deepEqual(locateContainerPilot({ PILOTFISH_CONTAINERPILOT: binary }), { binary, availability: { available: true, version: '3.8.0' } });
  const missing = locateContainerPilot({ PILOTFISH_CONTAINERPILOT: '/nonexistent/containerpilot' });
  assert.deepEqual(missing.availability, { available: false, reason: 'PILOTFISH_CONTAINERPILOT=/nonexistent/containerpilot does not exist' });
});

test("the kit's build.sh is run and the path it prints last is the binary; a failing kit says why", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-kit-'));
  const binary = standIn(dir);
  const kit = join(dir, 'kit');
  mkdirSync(kit);
  writeFileSync(join(kit, 'build.sh'), `echo "building…" >&2\necho ${binary}\n`);
  assert.deepEqual(locateContainerPilot({ PILOTFISH_CONTAINERPILOT_KIT: kit }), { binary, availability: { available: true, version: '3.8.0' } });
  writeFileSync(join(kit, 'build.sh'), 'echo "go: module lookup disabled" >&2\nexit 1\n');
  const failed = locateContainerPilot({ PILOTFISH_CONTAINERPILOT_KIT: kit });
  assert.equal(failed.availability.available, false);
  assert.match((failed.availability as { reason: string }).reason, /build\.sh failed: go: module lookup disabled/);
});

const measured = (value: number): Outcome => ({ status: 'measured', metrics: { rss: { summary: { median: value, min: value, max: value, n: 1 }, values: [value] } } });
const results = (date: string, outcomes: Record<string, Outcome>, supervisors: BenchResults['supervisors']): BenchResults => ({
  date,
  mode: 'full',
  machine: { loadAverage1m: 1.5 },
  supervisors,
  scenarios: [
    { id: '1a', title: 'Idle memory', method: 'm', metrics: [{ key: 'rss', label: 'RSS', unit: 'MiB' }], outcomes },
    { id: '2', title: 'Cold start', method: 'm', metrics: [{ key: 'rss', label: 'RSS', unit: 'MiB' }], outcomes: { pilotfish: measured(1) } },
  ],
});

test("--merge puts a peer's rows into the full run and keeps the full run's pilotfish", () => {
  const full = results('2026-11-27', { pilotfish: measured(61), containerpilot: { status: 'unavailable', reason: 'not built' } }, {
    pilotfish: { available: true, version: '0.1.0' },
    containerpilot: { available: false, reason: 'not built' },
  });
  const partial = results('2026-12-05', { pilotfish: measured(70), containerpilot: measured(20) }, {
    pilotfish: { available: true, version: '0.1.0' },
    containerpilot: { available: true, version: '3.8.0', note: 'restarts at once' },
  });
  partial.scenarios.pop();
  const notApplicable: Outcome = { status: 'not applicable', reason: 'no http-checks' };
  const merged = mergePeers(full, partial, { '2': { containerpilot: notApplicable } });
  assert.deepEqual(merged.scenarios[0]!.outcomes, { pilotfish: measured(61), containerpilot: measured(20) });
  // A scenario the partial run skipped takes the peer's reason to have no part in it.
  assert.deepEqual(merged.scenarios[1]!.outcomes, { pilotfish: measured(1), containerpilot: notApplicable });
  assert.equal(merged.supervisors.containerpilot!.version, '3.8.0');
  assert.equal(merged.supervisors.containerpilot!.note, 'restarts at once; measured 2026-12-05 in a separate run (load average 1.5; pilotfish beside it: 1a 70.0 MiB)');
  assert.equal(merged.date, '2026-11-27');
  assert.equal(full.supervisors.containerpilot!.available, false, 'the full run is not modified');
});
