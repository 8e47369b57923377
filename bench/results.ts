// The shape of bench/results/*.json, which the markdown report is rendered from.
import type { Summary } from './stats.js';
import type { Metric } from './scenarios/types.js';

export type Outcome =
  | { status: 'measured'; metrics: Record<string, { summary: Summary; values: number[] }>; error?: string }
  | { status: 'failed'; error: string }
  | { status: 'unavailable'; reason: string }
  | { status: 'not applicable'; reason: string };

export interface ScenarioResult {
  id: string;
  title: string;
  method: string;
  metrics: Metric[];
  /** Why the whole scenario could not run (a peer it needs is missing). */
  unavailable?: string;
  /** When and under what load, for a scenario merged in from a separate run. */
  measured?: string;
  outcomes: Record<string, Outcome>;
}

export interface SupervisorInfo {
  available: boolean;
  version?: string;
  reason?: string;
  note?: string;
}

export interface BenchResults {
  date: string;
  mode: 'full' | 'quick';
  machine: Record<string, string | number | boolean>;
  supervisors: Record<string, SupervisorInfo>;
  scenarios: ScenarioResult[];
}
