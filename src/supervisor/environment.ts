// The environment a job's process starts with: the supervisor's own, the variables set at run
// time through the control plane, ContainerPilot's well-known variables (under pilotfish's
// names too), and the job's own `env` last, so a config always has the final word.
import { envName } from '../config/env-name.js';
import type { Config } from '../config/types.js';
import { resolveAddress, type NetworkInterfaces } from '../discovery/interfaces.js';
import { telemetryServiceName } from '../discovery/telemetry-service.js';

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
  return { ...env, ...input.jobEnv };
}
