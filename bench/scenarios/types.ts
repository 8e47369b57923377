// A scenario measures one thing the issue asks about, once per run, for each supervisor able to
// do it. Scenarios that need a real peer (Consul, a Kubernetes API server) declare it, and are
// reported as unavailable, saying why, when it is missing.
import type { CheckTarget } from '../check-target-client.js';
import type { Capability, Supervisor } from '../supervisors/types.js';

export interface Metric {
  key: string;
  label: string;
  unit: 'ms' | 's' | 'MiB' | '% of a core' | 'count' | 'per s' | 'per min';
}

export interface ScenarioContext {
  quick: boolean;
  checkTarget: CheckTarget;
}

/** Something a scenario needs beyond a supervisor: returns why it is missing, or undefined. */
export interface Requirement {
  name: string;
  missing(): string | undefined;
}

export interface Scenario {
  /** The scenario's number in issue 6 (e.g. "3a"). */
  id: string;
  title: string;
  /** How it is measured, for the report. */
  method: string;
  capabilities: Capability[];
  requires?: Requirement[];
  /** The first metric is the headline (the one pilotfish/peer ratios are computed on). */
  metrics: Metric[];
  runs: { full: number; quick: number };
  /** Run every supervisor at the same time (for measurements dominated by timers, not CPU). */
  concurrent?: boolean;
  /** One run for one supervisor: a value per metric key (a missing key means "did not happen"). */
  measure(supervisor: Supervisor, context: ScenarioContext): Promise<Record<string, number>>;
}
