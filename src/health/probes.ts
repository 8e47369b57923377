// Runs one health check of any kind. A probe never throws: every failure, including one of
// our own making, becomes a failed result, so the monitor's loop has one path.
import type { HealthProbe } from '../config/types.js';
import { runExecProbe } from './exec-probe.js';
import { runHttpProbe } from './http-probe.js';
import { errorMessage } from '../util/errors.js';
import type { ProbeOptions, ProbeOutcome, ProbeResult } from './probe-result.js';
import { runTcpProbe } from './tcp-probe.js';

export type { ProbeOptions, ProbeResult } from './probe-result.js';

export async function runProbe(probe: HealthProbe, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  let outcome: ProbeOutcome;
  try {
    outcome = await runProbeOfType(probe, options);
  } catch (error) {
    outcome = { ok: false, output: `check could not run: ${errorMessage(error)}` };
  }
  return { ...outcome, durationMs: Math.round(performance.now() - started) };
}

function runProbeOfType(probe: HealthProbe, options: ProbeOptions): Promise<ProbeOutcome> {
  switch (probe.type) {
    case 'exec':
      return runExecProbe(probe.command, options);
    case 'http':
      return runHttpProbe(probe, options);
    case 'tcp':
      return runTcpProbe(probe, options);
  }
}
