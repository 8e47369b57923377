// ContainerPilot's `GET /status` on the telemetry port, field for field:
// {Version, Jobs:[{Name, Status}], Services:[{Name, Address, Port, Status}], Watches:[names]},
// where a status is unknown, healthy, unhealthy or maintenance. As in ContainerPilot, a job with a
// port is a service and is listed under Services only; an empty list is `null` (Go's nil slice).
// ContainerPilot made its telemetry endpoint a job with a service, so the endpoint is the last of
// the Services while it is in Consul.
import type { Config } from '../config/types.js';
import { telemetryServiceName, type DiscoveryStatus } from '../contracts/components.js';
import type { SupervisorSnapshot } from '../supervisor/supervisor.js';

type ServiceRow = NonNullable<ContainerPilotStatus['Services']>[number];

export interface ContainerPilotStatus {
  Version: string;
  Jobs: Array<{ Name: string; Status: string }> | null;
  Services: Array<{ Name: string; Address: string; Port: number; Status: string }> | null;
  Watches: string[] | null;
}

export function containerPilotStatus(
  snapshot: SupervisorSnapshot,
  config: Config,
  context: { version: string; advertisedAddress: (interfaces: readonly string[]) => string },
): ContainerPilotStatus {
  const shown = (health: string) => (snapshot.maintenance ? 'maintenance' : health);
  const healthOf = new Map(snapshot.jobs.map((job) => [job.name, job.health]));
  const statusOf = (name: string) => shown(healthOf.get(name) ?? 'unknown');
  const telemetry = config.telemetry && telemetryServiceRow(snapshot.components.discovery, telemetryServiceName(config.telemetry));
  const isService = new Set(config.jobs.filter((job) => job.port !== undefined).map((job) => job.name));
  return {
    Version: context.version,
    Jobs: orNull(snapshot.jobs.filter((job) => !isService.has(job.name)).map((job) => ({ Name: job.name, Status: shown(job.health) }))),
    Services: orNull([
      ...config.jobs
        .filter((job) => job.port !== undefined)
        .map((job) => ({ Name: job.name, Address: context.advertisedAddress(job.interfaces), Port: job.port as number, Status: statusOf(job.name) })),
      ...(telemetry ? [{ ...telemetry, Status: shown(telemetry.Status) }] : []),
    ]),
    Watches: orNull(config.watches.map((watch) => watch.name)),
  };
}

/** Go's JSON encoder writes a nil slice as `null`; ContainerPilot's lists were nil until appended to. */
function orNull<T>(list: T[]): T[] | null {
  return list.length > 0 ? list : null;
}

const HEALTH_OF_CHECK: Record<string, string> = { passing: 'healthy', critical: 'unhealthy' };

/**
 * The endpoint's service as the discovery component's status shows it, while it is in the
 * catalog (registered, or being sent again); its health is what its TTL check was last set to
 * (ContainerPilot always said healthy: here the check follows a probe of the endpoint).
 */
function telemetryServiceRow(discovery: DiscoveryStatus | undefined, name: string): ServiceRow | undefined {
  const row = discovery?.services.find((service) => service.name === name);
  if (!row || (row.state !== 'registered' && row.state !== 'registering') || row.address === undefined || row.port === undefined) return undefined;
  return { Name: name, Address: row.address, Port: row.port, Status: (row.check && HEALTH_OF_CHECK[row.check]) ?? 'unknown' };
}
