// Wires the /livez and /readyz endpoints into a supervisor when its config has a `probes` block;
// their module is imported only then.
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export async function attachProbes(supervisor: Supervisor, log: Logger): Promise<void> {
  const config = supervisor.currentConfig.probes;
  if (!config) return;
  const { ProbeServer } = await import('./server.js');
  supervisor.attach(new ProbeServer({ config, supervisor, log }));
}
