// A supervisor under benchmark: where it is, what it can do, and how to make it run a workload.
import type { Workload } from '../workload.js';

export type Capability =
  /** Runs several jobs at once. */
  | 'jobs'
  /** Restarts a job that died. */
  | 'restart'
  /** Runs HTTP health checks itself. */
  | 'http-checks'
  /** Runs hooks when a service watched in Consul changes (`watches`). */
  | 'consul-watches'
  /** Reports its state to Kubernetes as a custom resource. */
  | 'kubernetes-bridge'
  /** Serves its jobs' output to followers (`/v1/logs?follow`) and counts the log lines it drops. */
  | 'log-backpressure';

export type Availability = { available: true; version: string } | { available: false; reason: string };

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Supervisor {
  name: string;
  capabilities: ReadonlySet<Capability>;
  /** How the workload is shaped to fit this supervisor, when that is not obvious (shown in the report). */
  note?: string;
  locate(): Availability;
  /** Writes the supervisor's config for `workload` into `dir` and says how to start it. */
  prepare(workload: Workload, dir: string): Launch;
  /**
   * Writes `config`, in ContainerPilot v3's format (which pilotfish reads unchanged), into `dir`
   * and says how to start it: for the scenarios whose config is their own (Consul, Kubernetes).
   */
  prepareConfig?(config: object, dir: string): Launch;
}
