// Checks of request bodies, shared by pilotfish's API and ContainerPilot's: each names what was
// expected and what came.
import { environmentNameProblem, environmentValueProblem } from '../config/exec-limits.js';
import { HttpError } from '../http/json.js';
import { isPlainObject } from '../util/records.js';
import type { MetricSink } from '../contracts/components.js';

/** `{NAME: "value"}`; `null` becomes "" when `nullIsEmpty` (ContainerPilot's behaviour). */
export function environmentBody(body: unknown, options: { nullIsEmpty: boolean; status: number }): Record<string, string> {
  if (!isPlainObject(body)) throw new HttpError(options.status, 'expected a JSON object of variables, such as {"NAME": "value"}');
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    const nameProblem = environmentNameProblem(name);
    if (nameProblem !== undefined) throw new HttpError(options.status, `${JSON.stringify(name)} is not a valid variable name: ${nameProblem}`);
    // Answers name the variable and the value's type, never the value: it may be a secret.
    if (typeof value === 'string') variables[name] = value;
    else if (value === null && options.nullIsEmpty) variables[name] = '';
    else throw new HttpError(options.status, `the value of ${name} must be a string, got ${jsonType(value)}`);
    const valueProblem = environmentValueProblem(name, variables[name] as string);
    if (valueProblem !== undefined) throw new HttpError(options.status, valueProblem);
  }
  return variables;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `{name: number}`, every value a finite number. */
export function metricsBody(body: unknown): Map<string, number> {
  if (!isPlainObject(body)) throw new HttpError(400, 'expected a JSON object of metric values, such as {"my_metric": 1}');
  const values = new Map<string, number>();
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpError(400, `the value of ${name} must be a number, got ${JSON.stringify(value)}`);
    values.set(name, value);
  }
  return values;
}

/** pilotfish's putmetric is strict: nothing is set unless every name is declared. */
export function putMetricsStrictly(sink: MetricSink | undefined, values: Map<string, number>): string[] {
  if (!sink) throw new HttpError(400, 'telemetry is not configured: declare metrics under telemetry.metrics');
  const unknown = [...values.keys()].filter((name) => !sink.has(name));
  if (unknown.length > 0) throw new HttpError(400, `no metric named ${unknown.join(', ')} in telemetry.metrics`);
  for (const [name, value] of values) sink.put(name, value);
  return [...values.keys()];
}
