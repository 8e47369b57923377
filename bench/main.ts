// `npm run bench [-- --quick] [--scenarios 1a,2] [--supervisors pilotfish,s6] [--merge] [--from FILE] [--out-dir DIR]`
// A full run writes bench/results/latest.json and the tables in docs/benchmarks.md; a quick run
// (--quick or BENCH_QUICK=1, under a minute) only proves the harness works and writes quick.json.
// A run of chosen scenarios or supervisors writes partial.json and leaves the report alone, unless
// --merge: then the chosen peers' rows replace theirs in latest.json and the report is rewritten
// (pilotfish's rows stay those of the full run; each merged peer's note says when it was measured
// and what pilotfish measured beside it), to add a peer without rerunning every scenario; with
// --scenarios alone, the chosen scenarios replace (or join) theirs whole, saying when they were
// measured. --from takes an earlier run's results from FILE instead of measuring (to merge a
// partial run after the fact, or redraw the report and its charts).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CheckTarget } from './check-target-client.js';
import { describeMachine } from './report/machine.js';
import { mergePeers, mergeScenarios } from './report/merge.js';
import { readJson, writeJson, writeMarkdown } from './report/write.js';
import type { BenchResults, SupervisorInfo } from './results.js';
import { runScenario, whyNot } from './run.js';
import { SCENARIOS } from './scenarios/index.js';
import { REPO_ROOT } from './supervisors/installed.js';
import { SUPERVISORS } from './supervisors/index.js';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    scenarios: { type: 'string' },
    supervisors: { type: 'string' },
    merge: { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: join(REPO_ROOT, 'bench/results') },
    from: { type: 'string' },
  },
});

function selected<T>(all: T[], list: string | undefined, key: (item: T) => string): T[] {
  if (!list) return all;
  const wanted = list.split(',');
  const unknown = wanted.filter((name) => !all.some((item) => key(item) === name));
  if (unknown.length > 0) throw new Error(`unknown: ${unknown.join(', ')} (known: ${all.map(key).join(', ')})`);
  return all.filter((item) => wanted.includes(key(item)));
}

const quick = options.quick ?? false;
const scenarios = selected(SCENARIOS, options.scenarios, (scenario) => scenario.id);
// pilotfish stays in every run: the report's ratios are relative to it.
const supervisors = selected(SUPERVISORS, options.supervisors ? `pilotfish,${options.supervisors}` : undefined, (supervisor) => supervisor.name);

const located = new Map(supervisors.map((supervisor) => [supervisor, supervisor.locate()]));
const results: BenchResults = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  machine: describeMachine(),
  supervisors: Object.fromEntries(
    supervisors.map((supervisor): [string, SupervisorInfo] => {
      const availability = located.get(supervisor)!;
      const note = supervisor.note ? { note: supervisor.note } : {};
      return [
        supervisor.name,
        availability.available ? { available: true, version: availability.version, ...note } : { available: false, reason: availability.reason, ...note },
      ];
    }),
  ),
  scenarios: [],
};
if (results.machine.goBuildRunning) console.warn('warning: a `go build` is running; numbers will be skewed');

const outDir = options['out-dir']!;
const partial = options.scenarios !== undefined || options.supervisors !== undefined;
if (options.from) {
  Object.assign(results, readJson(options.from));
} else {
  const checkTarget = await CheckTarget.start();
  try {
    for (const scenario of scenarios) {
      const startedAt = Date.now();
      results.scenarios.push(await runScenario(scenario, supervisors, located, { quick, checkTarget }, (line) => console.log(line)));
      console.log(`(scenario ${scenario.id} took ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
    }
  } finally {
    checkTarget.stop();
  }
  const file = join(outDir, quick ? 'quick.json' : partial ? 'partial.json' : 'latest.json');
  writeJson(results, file);
  console.log(`results written to ${file}`);
}
if (!quick && (!partial || options.merge)) {
  const latestFile = join(outDir, 'latest.json');
  // The scenarios this run skipped still learn why a merged peer takes no part in them.
  const standing = Object.fromEntries(
    SCENARIOS.filter((scenario) => !scenarios.includes(scenario)).map((scenario) => [
      scenario.id,
      Object.fromEntries(supervisors.flatMap((supervisor) => {
        const outcome = whyNot(scenario, supervisor, located.get(supervisor)!);
        return outcome ? [[supervisor.name, outcome]] : [];
      })),
    ]),
  );
  const report = !partial
    ? results
    : options.supervisors === undefined
      ? mergeScenarios(readJson(latestFile), results)
      : mergePeers(readJson(latestFile), results, standing);
  if (partial) writeJson(report, latestFile);
  writeMarkdown(report, join(REPO_ROOT, 'docs/benchmarks.md'));
  console.log(`report written to docs/benchmarks.md${partial ? ` (merged into ${latestFile})` : ''}`);
}
