// Runs every scenario for every supervisor that can do it, repeating and summarising.
import type { Outcome, ScenarioResult } from './results.js';
import type { Scenario, ScenarioContext } from './scenarios/types.js';
import { summarize } from './stats.js';
import type { Availability, Supervisor } from './supervisors/types.js';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function repeat(scenario: Scenario, supervisor: Supervisor, context: ScenarioContext): Promise<Outcome> {
  const measure = scenario.measure;
  const runs = context.quick ? scenario.runs.quick : scenario.runs.full;
  const values: Record<string, number[]> = {};
  for (let run = 0; run < runs; run++) {
    let measured: Record<string, number>;
    try {
      measured = await measure(supervisor, context);
    } catch (error) {
      if (run === 0) return { status: 'failed', error: message(error) };
      // Keep the runs that worked; say what stopped the rest.
      return { status: 'measured', metrics: summaries(values), error: `run ${run + 1} of ${runs}: ${message(error)}` };
    }
    for (const [key, value] of Object.entries(measured)) (values[key] ??= []).push(value);
  }
  return { status: 'measured', metrics: summaries(values) };
}

function summaries(values: Record<string, number[]>): Record<string, { summary: NonNullable<ReturnType<typeof summarize>>; values: number[] }> {
  return Object.fromEntries(Object.entries(values).map(([key, list]) => [key, { summary: summarize(list)!, values: list }]));
}

/** Why `supervisor` takes no part in `scenario`, or undefined when it does. */
export function whyNot(scenario: Scenario, supervisor: Supervisor, located: Availability): Outcome | undefined {
  if (!located.available) return { status: 'unavailable', reason: located.reason };
  const lacking = scenario.capabilities.filter((capability) => !supervisor.capabilities.has(capability));
  if (lacking.length > 0) return { status: 'not applicable', reason: `no ${lacking.join(', ')}` };
  return undefined;
}

export async function runScenario(
  scenario: Scenario,
  supervisors: Supervisor[],
  /** Located once up front: locating runs commands synchronously, which would stall concurrent runs. */
  located: ReadonlyMap<Supervisor, Availability>,
  context: ScenarioContext,
  progress: (line: string) => void,
): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: scenario.id, title: scenario.title, method: scenario.method, metrics: scenario.metrics, outcomes: {} };
  const missing = (scenario.requires ?? []).map((requirement) => requirement.missing()).filter((reason) => reason !== undefined);
  if (missing.length > 0) {
    result.unavailable = missing.join('; ');
    progress(`${scenario.id} ${scenario.title}: unavailable (${result.unavailable})`);
    return result;
  }
  const measureOne = async (supervisor: Supervisor): Promise<void> => {
    const outcome = whyNot(scenario, supervisor, located.get(supervisor)!) ?? (await repeat(scenario, supervisor, context));
    result.outcomes[supervisor.name] = outcome;
    progress(`${scenario.id} ${supervisor.name}: ${describe(outcome)}`);
  };
  if (scenario.concurrent) await Promise.all(supervisors.map(measureOne));
  else for (const supervisor of supervisors) await measureOne(supervisor);
  // Keep the report's row order stable whatever order concurrent runs finished in.
  result.outcomes = Object.fromEntries(supervisors.map((supervisor) => [supervisor.name, result.outcomes[supervisor.name]!]));
  return result;
}

function describe(outcome: Outcome): string {
  switch (outcome.status) {
    case 'measured':
      return Object.entries(outcome.metrics)
        .map(([key, { summary }]) => `${key} ${summary.median.toFixed(2)}`)
        .join(', ') + (outcome.error ? ` (${outcome.error})` : '');
    case 'failed':
      return `failed: ${outcome.error}`;
    default:
      return `${outcome.status}: ${outcome.reason}`;
  }
}
