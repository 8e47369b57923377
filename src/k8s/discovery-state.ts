// The discovery component's status (snapshot().components.discovery, see
// src/discovery/component.ts) as the Autopilot reports it. Read defensively: a shape the bridge
// did not expect must degrade the report, never break it. It reads
//   { consul: "<address>" | "off", error?: string,
//     services: [{ name, state: "waiting"|"registering"|"registered"|"deregistered", check?, error? }],
//     watches: [{ name, error? }] }
// and treats a missing component as discovery being off. A failing watch counts as much as a
// failing registration: with only watches, their queries are all that tells whether Consul answers.
import { isPlainObject } from '../util/records.js';
import type { DiscoveryStatus } from './resource.js';

export function discoveryStatusOf(component: unknown): DiscoveryStatus {
  if (!isPlainObject(component)) return { state: 'Disabled', services: [] };
  const services = records(component.services).filter((service) => typeof service.name === 'string');
  const location = typeof component.consul === 'string' && component.consul !== 'off' ? { location: component.consul } : {};
  const error = [component.error, ...services.map((service) => service.error), ...records(component.watches).map((watch) => watch.error)].find(
    (text): text is string => typeof text === 'string' && text !== '',
  );
  const rows = services
    // A service whose job has ended is no longer meant to be registered.
    .filter((service) => service.state !== 'deregistered')
    .map((service) => ({
      name: service.name as string,
      registered: service.state === 'registered',
      ...(typeof service.check === 'string' ? { check: service.check } : {}),
    }));
  if (error !== undefined) return { state: 'Unreachable', ...location, message: error, services: rows };
  return { state: rows.every((row) => row.registered) && 'location' in location ? 'Registered' : 'Registering', ...location, services: rows };
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}
