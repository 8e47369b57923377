// pilotfish's own series. Job state, health, process and restarts are read from the snapshot at
// each scrape (so they are never stale and vanish with a removed job); check durations and events
// are counted from the bus as they happen.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { JOB_STATES, type SupervisorEvent } from '../events/types.js';
import type { Health } from '../health/monitor.js';
import { droppedLogLines } from '../logging/output.js';
import type { SupervisorSnapshot } from '../supervisor/supervisor.js';

const HEALTHS: readonly Health[] = ['unknown', 'healthy', 'unhealthy'];
const CHECK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface SupervisorMetrics {
  /** Feed every bus event here. */
  observe(event: SupervisorEvent): void;
}

export function registerSupervisorMetrics(registry: Registry, snapshot: () => SupervisorSnapshot, version: string): SupervisorMetrics {
  const registers = [registry];
  new Gauge({ name: 'pilotfish_info', help: 'pilotfish version; always 1', labelNames: ['version'], registers }).set({ version }, 1);
  new Gauge({
    name: 'pilotfish_maintenance',
    help: '1 while in maintenance mode',
    registers,
    collect() {
      this.set(snapshot().maintenance ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pilotfish_job_state',
    help: "1 for the job's current state, 0 for the others",
    labelNames: ['job', 'state'],
    registers,
    collect() {
      this.reset();
      for (const job of snapshot().jobs) for (const state of JOB_STATES) this.set({ job: job.name, state }, job.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pilotfish_job_health',
    help: "1 for the job's current health, 0 for the others",
    labelNames: ['job', 'health'],
    registers,
    collect() {
      this.reset();
      for (const job of snapshot().jobs) for (const health of HEALTHS) this.set({ job: job.name, health }, job.health === health ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pilotfish_job_up',
    help: '1 while the job has a running process',
    labelNames: ['job'],
    registers,
    collect() {
      this.reset();
      for (const job of snapshot().jobs) this.set({ job: job.name }, job.pid === undefined ? 0 : 1);
    },
  });
  new Counter({
    name: 'pilotfish_job_restarts_total',
    help: 'Restarts of the job after an exit or an unhealthy check',
    labelNames: ['job'],
    registers,
    collect() {
      this.reset();
      for (const job of snapshot().jobs) this.inc({ job: job.name }, job.restarts);
    },
  });
  new Counter({
    name: 'pilotfish_log_lines_dropped_total',
    help: "pilotfish's own log lines dropped because the log output did not take them (a stalled reader, a full disk)",
    registers,
    collect() {
      this.reset();
      this.inc(droppedLogLines());
    },
  });
  const checkDuration = new Histogram({
    name: 'pilotfish_check_duration_seconds',
    help: 'Duration of health checks',
    labelNames: ['job', 'result'],
    buckets: CHECK_BUCKETS,
    registers,
  });
  // ContainerPilot's containerpilot_events{code,source}.
  const events = new Counter({ name: 'pilotfish_events_total', help: 'Events published on the bus', labelNames: ['kind', 'source'], registers });
  return {
    observe(event) {
      if (event.kind === 'checkResult') checkDuration.observe({ job: event.source, result: event.ok ? 'pass' : 'fail' }, event.durationMs / 1000);
      // ContainerPilot's events only: transitions and discovery's status are pilotfish's own.
      else if (event.kind !== 'transition' && event.kind !== 'discoveryChanged') events.inc({ kind: event.kind, source: event.source });
    },
  };
}
