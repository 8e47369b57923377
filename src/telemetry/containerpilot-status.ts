// ContainerPilot's `GET /status` on the telemetry port, field for field:
// {Version, Jobs:[{Name, Status}], Services:[{Name, Address, Port, Status}], Watches:[names]},
// where a status is unknown, healthy, unhealthy or maintenance.
import type { Config } from '../config/types.js';
import type { SupervisorSnapshot } from '../supervisor/supervisor.js';

export interface ContainerPilotStatus {
  Version: string;
  Jobs: Array<{ Name: string; Status: string }>;
  Services: Array<{ Name: string; Address: string; Port: number; Status: string }>;
  Watches: string[];
}

export function containerPilotStatus(
  snapshot: SupervisorSnapshot,
  config: Config,
  context: { version: string; advertisedAddress: (interfaces: readonly string[]) => string },
): ContainerPilotStatus {
  const statusOf = (name: string) => (snapshot.maintenance ? 'maintenance' : (snapshot.jobs.find((job) => job.name === name)?.health ?? 'unknown'));
  return {
    Version: context.version,
    Jobs: snapshot.jobs.map((job) => ({ Name: job.name, Status: statusOf(job.name) })),
    Services: config.jobs
      .filter((job) => job.port !== undefined)
      .map((job) => ({ Name: job.name, Address: context.advertisedAddress(job.interfaces), Port: job.port as number, Status: statusOf(job.name) })),
    Watches: config.watches.map((watch) => watch.name),
  };
}
