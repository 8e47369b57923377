// The benchmark report's charts and the merge of a partial run's scenarios, on made-up results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barChart } from '../../bench/report/charts.js';
import { mergeScenarios } from '../../bench/report/merge.js';
import { writeMarkdown } from '../../bench/report/write.js';
import type { BenchResults, ScenarioResult } from '../../bench/results.js';

function scenario(id: string, medians: Record<string, number>): ScenarioResult {
  return {
    id,
    title: `scenario ${id}`,
    method: 'made up',
    metrics: [{ key: 'v', label: 'value', unit: 'MiB' }],
    outcomes: Object.fromEntries(
      Object.entries(medians).map(([name, median]) => [name, { status: 'measured', metrics: { v: { summary: { median, min: median / 2, max: median * 2, n: 3 }, values: [median] } } }]),
    ),
  };
}

function results(date: string, scenarios: ScenarioResult[]): BenchResults {
  return {
    date,
    mode: 'full',
    machine: { cpu: 'cpu', cores: 2, memoryGiB: 1, kernel: 'k', node: 'v20', loadAverage1m: 1, goBuildRunning: false },
    supervisors: { pilotfish: { available: true, version: '0.1.0' }, tini: { available: true, version: '0.19' } },
    scenarios,
  } as BenchResults;
}

test('a bar chart: one bar per supervisor scaled to the largest max, pilotfish highlighted, names escaped', () => {
  const svg = barChart('Idle <memory>', 'MiB', [
    { name: 'pilotfish', median: 50, min: 40, max: 60 },
    { name: 'tini', median: 1, min: 1, max: 1 },
  ])!;
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /Idle &lt;memory&gt; \(MiB, median; line: min–max\)/);
  assert.equal(svg.match(/<rect x=/g)?.length, 2);
  assert.match(svg, /fill="#1f77b4"/);
  // 50 of a 60 scale over a 430-pixel plot.
  assert.match(svg, /<rect x="120" y="\d+" width="358\.3"/);
  assert.equal(barChart('empty', 'ms', []), undefined);
});

test('merging a partial run adds its scenarios whole, says when they were measured, and the report links the charts it wrote', () => {
  const full = results('2026-11-27', [scenario('1a', { pilotfish: 60, tini: 1 }), scenario('2', { pilotfish: 270, tini: 5 })]);
  const partial = results('2026-12-05', [scenario('2', { pilotfish: 300, tini: 6 }), scenario('9', { pilotfish: 0, tini: 0 })]);
  const merged = mergeScenarios(full, partial);
  assert.deepEqual(merged.scenarios.map((entry) => entry.id), ['1a', '2', '9']);
  assert.equal(merged.scenarios[0]!.measured, undefined);
  assert.match(merged.scenarios[1]!.measured!, /^2026-12-05 \(full run, load average 1 at start\), in a separate run/);
  // Which pilotfish and which Node: a merged scenario may have measured another build than the rest.
  assert.match(merged.scenarios[1]!.measured!, /; pilotfish 0\.1\.0, the harness on Node v20$/);
  assert.equal(merged.date, '2026-11-27');

  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-report-'));
  writeMarkdown(merged, join(dir, 'benchmarks.md'));
  const markdown = readFileSync(join(dir, 'benchmarks.md'), 'utf8');
  assert.match(markdown, /!\[Idle memory, 10 jobs\]\(bench-memory\.svg\)/);
  assert.match(markdown, /!\[Cold start: exec → first job running\]\(bench-cold-start\.svg\)/);
  assert.doesNotMatch(markdown, /bench-restart\.svg/, 'no chart for a scenario without results');
  assert.match(readFileSync(join(dir, 'bench-memory.svg'), 'utf8'), />pilotfish</);
  assert.match(markdown, /Measured 2026-12-05 \(full run/);
});
