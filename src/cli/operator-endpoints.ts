// Attaches what operators and platforms use to look inside a running supervisor: the telemetry
// endpoint (when configured), the control socket (always), which takes putmetric values into
// telemetry, and the probe endpoints (when configured). Each component's attach module loads
// its server only when it is configured.
import { attachControl } from '../control/attach.js';
import type { Logger } from '../logging/logger.js';
import { attachProbes } from '../probes/attach.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { attachTelemetry } from '../telemetry/attach.js';

export async function attachOperatorEndpoints(supervisor: Supervisor, log: Logger, env: Record<string, string | undefined>): Promise<void> {
  const metrics = await attachTelemetry(supervisor, log);
  attachControl(supervisor, log, env, metrics);
  await attachProbes(supervisor, log);
}
