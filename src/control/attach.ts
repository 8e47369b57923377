// Attaches what operators and platforms use to look inside a running supervisor: the control
// socket (always), the telemetry endpoint and the probe endpoints (when configured). Telemetry's
// module, which loads prom-client, and the probes' are imported only when configured.
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { ControlServer } from './server.js';
import { controlSocketPath } from './socket-path.js';

export async function attachOperatorEndpoints(supervisor: Supervisor, log: Logger, env: Record<string, string | undefined>): Promise<void> {
  const config = supervisor.currentConfig;
  const telemetry = config.telemetry && new (await import('../telemetry/server.js')).TelemetryServer({ config: config.telemetry, supervisor, log });
  if (telemetry) supervisor.attach(telemetry);
  supervisor.attach(new ControlServer({ socket: controlSocketPath(config.control.socket, env), supervisor, log, metrics: telemetry }));
  if (config.probes) supervisor.attach(new (await import('../probes/server.js')).ProbeServer({ config: config.probes, supervisor, log }));
}
