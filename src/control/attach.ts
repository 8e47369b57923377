// Wires the control socket into a supervisor: always on, so that operators can look inside any
// running pilotfish. Metrics sent with putmetric go to telemetry's sink, when there is one.
import type { MetricSink } from '../contracts/components.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { ControlServer } from './server.js';
import { controlSocketPath } from './socket-path.js';

export function attachControl(supervisor: Supervisor, log: Logger, env: Record<string, string | undefined>, metrics: MetricSink | undefined): void {
  const socket = controlSocketPath(supervisor.currentConfig.control.socket, env);
  supervisor.attach(new ControlServer({ socket, supervisor, log, metrics }));
}
