// Adds the peers of a partial run to a full run's results: each peer measured in the partial run
// replaces its supervisor line and its outcome in every scenario the partial run covered, and, in
// the others, takes the reason it has no part in them (`standing`: scenario id → peer → outcome). pilotfish
// keeps the full run's numbers (the ratios stay relative to one pilotfish run), and the peer's note
// says when it was measured and what pilotfish measured beside it then, since the load may differ.
import type { BenchResults, Outcome } from '../results.js';

export function mergePeers(full: BenchResults, partial: BenchResults, standing: Record<string, Record<string, Outcome>> = {}): BenchResults {
  const peers = Object.keys(partial.supervisors).filter((name) => name !== 'pilotfish');
  const merged: BenchResults = structuredClone(full);
  for (const name of peers) {
    const info = partial.supervisors[name]!;
    const beside = partial.scenarios.flatMap((scenario) => {
      const ours = headline(scenario.outcomes.pilotfish, scenario.metrics[0]?.key);
      return ours === undefined ? [] : [`${scenario.id} ${ours}${scenario.metrics[0]?.unit === 'count' ? '' : ` ${scenario.metrics[0]?.unit}`}`];
    });
    const measured = `measured ${partial.date} in a separate run (load average ${partial.machine.loadAverage1m}${beside.length ? `; pilotfish beside it: ${beside.join(', ')}` : ''})`;
    merged.supervisors[name] = { ...info, note: [info.note, info.available ? measured : undefined].filter(Boolean).join('; ') };
    for (const target of merged.scenarios) {
      const outcome = partial.scenarios.find((scenario) => scenario.id === target.id)?.outcomes[name] ?? standing[target.id]?.[name];
      if (outcome) target.outcomes[name] = outcome;
    }
  }
  return merged;
}

function headline(outcome: Outcome | undefined, key: string | undefined): string | undefined {
  if (outcome?.status !== 'measured' || key === undefined) return undefined;
  const median = outcome.metrics[key]?.summary.median;
  return median === undefined ? undefined : median.toPrecision(3);
}

/**
 * Adds the scenarios of a partial run to a full run's results, whole: pilotfish and its peers as
 * measured side by side in that run (a scenario of the same id is replaced), each saying when.
 */
export function mergeScenarios(full: BenchResults, partial: BenchResults): BenchResults {
  const merged: BenchResults = structuredClone(full);
  const pilotfish = partial.supervisors.pilotfish;
  // Which build of pilotfish, on which Node: a merged scenario may come from another than the rest.
  const build = pilotfish?.available ? `; pilotfish ${pilotfish.version}, the harness on Node ${partial.machine.node}` : '';
  const measured = `${partial.date} (${partial.mode} run, load average ${partial.machine.loadAverage1m} at start), in a separate run from the other scenarios${build}`;
  for (const scenario of partial.scenarios) {
    const index = merged.scenarios.findIndex((candidate) => candidate.id === scenario.id);
    merged.scenarios.splice(index < 0 ? merged.scenarios.length : index, index < 0 ? 0 : 1, { ...scenario, measured });
  }
  return merged;
}
