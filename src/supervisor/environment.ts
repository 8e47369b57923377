// The environment a job's process starts with: the supervisor's own, the variables set at run
// time through the control plane, ContainerPilot's well-known variables (under pilotfish's
// names too), the endpoints of the watch that triggers it, and the job's own `env` last, so a
// config always has the final word.
import { envName } from '../config/env-name.js';
import type { Config, When } from '../config/types.js';
import { telemetryServiceName, type Instance } from '../contracts/components.js';
import { resolveAddress, type NetworkInterfaces } from '../util/network-interfaces.js';
import { hostPort } from '../watches/board.js';

export interface EnvironmentInput {
  base: NodeJS.ProcessEnv;
  /** Variables set while running (ContainerPilot's putenv). */
  overlay: Readonly<Record<string, string>>;
  supervisorPid: number;
  /** Pids of the jobs that have a process right now. */
  runningPids: ReadonlyMap<string, number>;
  /** The address each service advertises, by service name (see `serviceAddresses`). */
  serviceAddresses: ReadonlyMap<string, string>;
  jobEnv: Readonly<Record<string, string>>;
  notifySocket?: string;
  /** For a job started by a watch's events: that watch and its healthy endpoints now. */
  watch?: TriggeringWatch;
}

export interface TriggeringWatch {
  name: string;
  endpoints: readonly Instance[];
}

const WATCH_SOURCE_PREFIX = 'watch.';
/**
 * PILOTFISH_WATCH_ADDRESSES stops at a whole entry below this many bytes: one variable may hold
 * 128 KiB (MAX_ARG_STRLEN) and all of them share the argument space. PILOTFISH_WATCH_COUNT
 * always has the full count; `pilotfish watches NAME --json` has every endpoint.
 */
export const MAX_WATCH_ADDRESSES_BYTES = 32 * 1024;
const WATCH_VARIABLES = ['PILOTFISH_WATCH_NAME', 'PILOTFISH_WATCH_ADDRESSES', 'PILOTFISH_WATCH_COUNT'] as const;

/** The watch whose events start a job with this `when`, if any. */
export function watchNameOf(when: When): string | undefined {
  return when.kind === 'event' && when.source.startsWith(WATCH_SOURCE_PREFIX) ? when.source.slice(WATCH_SOURCE_PREFIX.length) : undefined;
}

/** `host:port,host:port`, whole entries only, within MAX_WATCH_ADDRESSES_BYTES. */
export function watchAddresses(endpoints: readonly Instance[]): string {
  let text = '';
  for (const endpoint of endpoints) {
    const next = text === '' ? hostPort(endpoint) : `${text},${hostPort(endpoint)}`;
    if (Buffer.byteLength(next) > MAX_WATCH_ADDRESSES_BYTES) break;
    text = next;
  }
  return text;
}


/**
 * ContainerPilot (core/app.go) gave every job with a `port` a service, its telemetry endpoint
 * included (the job "containerpilot"), and exported each service's address, chosen by its
 * `interfaces`, as `CONTAINERPILOT_<NAME>_IP` to every process it started. Apps read it (a
 * Consul server's preStart writes it as `bind_addr`), so it is set with or without a `consul`
 * block. A service whose interfaces match no address here gets no variable: ContainerPilot
 * refused such a config, pilotfish reports it where it registers the service.
 */
export function serviceAddresses(config: Pick<Config, 'jobs' | 'telemetry'>, interfaces: NetworkInterfaces): Map<string, string> {
  const services = config.jobs.filter((job) => job.port !== undefined).map((job) => ({ name: job.writtenName, interfaces: job.interfaces }));
  if (config.telemetry) services.push({ name: telemetryServiceName(config.telemetry), interfaces: config.telemetry.interfaces });
  const addresses = new Map<string, string>();
  for (const service of services) {
    try {
      addresses.set(service.name, resolveAddress(service.interfaces, interfaces));
    } catch {
      // No address to export; the registration says why.
    }
  }
  return addresses;
}

export function jobEnvironment(input: EnvironmentInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...input.base, ...input.overlay };
  env.CONTAINERPILOT_PID = String(input.supervisorPid);
  env.PILOTFISH_PID = String(input.supervisorPid);
  for (const [name, address] of input.serviceAddresses) {
    env[`CONTAINERPILOT_${envName(name)}_IP`] = address;
    env[`PILOTFISH_${envName(name)}_IP`] = address;
  }
  for (const [name, pid] of input.runningPids) {
    env[`CONTAINERPILOT_${envName(name)}_PID`] = String(pid);
    env[`PILOTFISH_${envName(name)}_PID`] = String(pid);
  }
  if (input.notifySocket) env.NOTIFY_SOCKET = input.notifySocket;
  else delete env.NOTIFY_SOCKET;
  // Inherited ones (pilotfish started by another's hook) would describe a watch of someone else.
  for (const name of WATCH_VARIABLES) delete env[name];
  if (input.watch) {
    env.PILOTFISH_WATCH_NAME = input.watch.name;
    env.PILOTFISH_WATCH_ADDRESSES = watchAddresses(input.watch.endpoints);
    env.PILOTFISH_WATCH_COUNT = String(input.watch.endpoints.length);
  }
  return { ...env, ...input.jobEnv };
}
