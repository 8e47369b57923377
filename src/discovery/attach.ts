// Wires Consul discovery into a supervisor when its config has a `consul` block. Configs without
// one pay nothing: the Consul client library is loaded only here, on start.
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { listeningEndpoint } from '../contracts/components.js';
import { DiscoveryComponent, type DiscoveryHost } from './component.js';
import { consulConnection } from './connection.js';
import { connectConsul } from './consul.js';

export function attachConsulDiscovery(supervisor: Supervisor, log: Logger, env: NodeJS.ProcessEnv): void {
  if (!supervisor.currentConfig.consul) return;
  const host: DiscoveryHost = {
    bus: supervisor.bus,
    get currentConfig() {
      return supervisor.currentConfig;
    },
    get inMaintenance() {
      return supervisor.inMaintenance;
    },
    job: (name) => supervisor.job(name),
    watches: supervisor.watches,
    // Read from the snapshot, as bridges read state: discovery does not reach into telemetry.
    telemetryEndpoint: () => listeningEndpoint(supervisor.snapshot().components.telemetry),
  };
  supervisor.attach(
    new DiscoveryComponent({
      host,
      log,
      connect: (consul) => connectConsul(consulConnection(consul, env), log),
    }),
  );
}
