// The discovery component's status (see src/contracts/components.ts) as the Autopilot reports it:
// a missing component is discovery being off; a service whose job has ended is no longer meant to
// be registered. A failing watch counts as much as a failing registration: with only watches,
// their queries are all that tells whether Consul answers.
import type { DiscoveryStatus as ComponentStatus } from '../contracts/components.js';
import type { DiscoveryStatus } from './resource.js';

export function discoveryStatusOf(component: ComponentStatus | undefined): DiscoveryStatus {
  if (!component) return { state: 'Disabled', services: [] };
  const location = component.consul !== 'off' ? { location: component.consul } : {};
  const error = [component.error, ...component.services.map((service) => service.error), ...component.watches.map((watch) => watch.error)].find(
    (text): text is string => text !== undefined && text !== '',
  );
  const rows = component.services
    .filter((service) => service.state !== 'deregistered')
    .map((service) => ({ name: service.name, registered: service.state === 'registered', ...(service.check ? { check: service.check } : {}) }));
  if (error !== undefined) return { state: 'Unreachable', ...location, message: error, services: rows };
  return { state: rows.every((row) => row.registered) && 'location' in location ? 'Registered' : 'Registering', ...location, services: rows };
}
