// Wires the telemetry endpoint into a supervisor when its config has a `telemetry` block. Its
// server module loads prom-client, so it is imported only then.
import type { MetricSink } from '../contracts/components.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** The sink for putmetric values, when telemetry is configured. */
export async function attachTelemetry(supervisor: Supervisor, log: Logger): Promise<MetricSink | undefined> {
  const config = supervisor.currentConfig.telemetry;
  if (!config) return undefined;
  const { TelemetryServer } = await import('./server.js');
  const telemetry = new TelemetryServer({ config, supervisor, log });
  supervisor.attach(telemetry);
  return telemetry;
}
