// Wires Consul discovery into a supervisor when its config has a `consul` block. Configs without
// one pay nothing: the Consul client library is loaded only here, on start.
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { DiscoveryComponent } from './component.js';
import { consulConnection } from './connection.js';
import { connectConsul } from './consul.js';

export function attachConsulDiscovery(supervisor: Supervisor, log: Logger, env: NodeJS.ProcessEnv): void {
  const consul = supervisor.currentConfig.consul;
  if (!consul) return;
  supervisor.attach(
    new DiscoveryComponent({
      host: supervisor,
      log,
      connect: () => connectConsul(consulConnection(consul, env), log),
    }),
  );
}
