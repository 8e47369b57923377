// The Kubernetes bridge: a supervisor component that reports the pod as its Autopilot object
// (carrying the pod's labels), posts pod Events, keeps the pod's readiness gate, and applies what
// operators ask in the Autopilot's spec (watched through an informer). Everything happens in the background, on
// its own write loops: the supervisor only ever calls `request()`, which returns at once, so an
// API server that is slow, down or refusing changes nothing for the jobs; while the server is
// away, a probe notices its return and cuts the loops' backoff short.
import type { Config, JobConfig } from '../config/types.js';
import type { BridgeStatus } from '../contracts/components.js';
import type { EventBus, Subscription } from '../events/bus.js';
import { jobOfEvent, type SupervisorEvent } from '../events/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import type { Logger } from '../logging/logger.js';
import type { ReportingComponent } from '../supervisor/supervisor.js';
import { readiness } from '../supervisor/readiness.js';
import { KubeApi, KubeApiError } from './api.js';
import { ApiProblems } from './api-problems.js';
import { AutopilotObject } from './autopilot-object.js';
import { EventRecorder, type Regarding } from './event-recorder.js';
import { Informer, type InformerTiming } from './informer.js';
import { podEventFor } from './pod-events.js';
import { PodLabels } from './pod-labels.js';
import { READINESS_GATE, ReadinessGate } from './readiness-gate.js';
import { PLURAL, autopilotPath, type Condition } from './resource.js';
import type { BridgeSettings } from './settings.js';
import { ServerProbe, type ProbeTiming } from './server-probe.js';
import { buildStatus } from './status.js';
import { Steering, type Steerable, type SteeredAutopilot } from './steering.js';
import { TokenFile } from './token.js';
import { WriteLoop, type WriteLoopTiming, type WriteOutcome } from './write-loop.js';
import { withDeadline } from '../util/deadline.js';
import { readRegularFile, type UnreadableFileError } from '../util/regular-file.js';

/** What the bridge observes, and steers as the Autopilot's spec asks; the Supervisor provides it. */
export interface Observed extends Steerable {
  readonly bus: EventBus;
  readonly currentConfig: Config;
}

export interface BridgeTiming {
  status: WriteLoopTiming;
  events: WriteLoopTiming;
  /** The pod's labels copied onto the Autopilot; its resync is how soon a label changed on the pod follows. */
  labels: WriteLoopTiming;
  /** A repeated Event's series count is updated at most this often. */
  eventSeriesMs: number;
  requestTimeoutMs: number;
  /** How long 403s must last before they count as missing RBAC (a starting API server denies for a moment). */
  forbiddenGraceMs: number;
  /** How long the last write on shutdown may take. */
  finalWriteMs: number;
  /** While the API server is away: how often to ask whether it is back. */
  probe: ProbeTiming;
  /** Once it is back, the writes held in backoff run within a random part of this, not all at once across a fleet. */
  catchUpSpreadMs: number;
  /** The informer on the pod's Autopilot; probe, spread and RBAC grace are those above unless given here. */
  informer?: Partial<InformerTiming>;
}

const DEFAULT_TIMING: BridgeTiming = {
  // A quiet pod's change shows within a quarter second; a flapping one costs one write per 3 s,
  // which with the Events (folded into series) keeps a pod under one write per 2 s. The backoff's
  // cap bounds the staleness only if the probe cannot tell that the server is back.
  status: { debounceMs: 250, minIntervalMs: 3_000, resyncMs: 5 * 60_000, backoff: { initialMs: 500, maxMs: 30_000 }, patient: { initialMs: 30_000, maxMs: 5 * 60_000 } },
  // Events are history, not state: they can wait a little longer and fold more repeats.
  events: { debounceMs: 2_000, minIntervalMs: 2_000, resyncMs: 10 * 60_000, backoff: { initialMs: 1_000, maxMs: 30_000 }, patient: { initialMs: 30_000, maxMs: 5 * 60_000 } },
  // Like the downward API's files, which the kubelet refreshes about once a minute.
  labels: { debounceMs: 0, minIntervalMs: 1_000, resyncMs: 60_000, backoff: { initialMs: 1_000, maxMs: 30_000 }, patient: { initialMs: 30_000, maxMs: 5 * 60_000 } },
  eventSeriesMs: 30_000,
  requestTimeoutMs: 10_000,
  forbiddenGraceMs: 10_000,
  finalWriteMs: 3_000,
  // A probe every 1–3 s per pod costs an absent server a refused connection, a returning one a
  // /readyz (no etcd read); with the spread, status is back within about 2 s of the server.
  probe: { intervalMs: 2_000, timeoutMs: 2_000 },
  catchUpSpreadMs: 2_000,
};

export interface BridgeOptions {
  observed: Observed;
  settings: BridgeSettings;
  log: Logger;
  version: string;
  timing?: BridgeTiming;
}

export class KubernetesBridge implements ReportingComponent<'kubernetes'> {
  readonly name = 'kubernetes';
  private readonly object: AutopilotObject;
  private readonly recorder: EventRecorder | undefined;
  private readonly statusLoop: WriteLoop;
  private readonly eventLoop: WriteLoop | undefined;
  private readonly gate: ReadinessGate;
  private readonly gateLoop: WriteLoop;
  private readonly labels: PodLabels;
  private readonly labelsLoop: WriteLoop;
  private readonly probe: ServerProbe;
  /** Shared with the watches on Services (./attach.ts). */
  readonly problems: ApiProblems;
  private readonly steering: Steering;
  private readonly informer: Informer<SteeredAutopilot>;
  private readonly log: Logger;
  private readonly timing: BridgeTiming;
  private subscription: Subscription | undefined;
  private ensured = false;
  private conditions: Condition[] = [];
  private lastWritten: string | undefined;
  private statusWrites = 0;
  /** The cluster CA, read once (undefined: the system's CAs). */
  readonly ca: string | undefined;

  constructor(private readonly options: BridgeOptions) {
    const { settings } = options;
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.log = options.log.child({ component: 'kubernetes' });
    this.ca = readCa(settings.caFile, this.log);
    const api = new KubeApi({ server: settings.server, ca: this.ca, token: new TokenFile(settings.tokenFile), timeoutMs: this.timing.requestTimeoutMs, log: this.log });
    this.problems = new ApiProblems(this.log, settings.pod.namespace, this.timing.forbiddenGraceMs);
    this.object = new AutopilotObject(api, settings.pod);
    this.statusLoop = new WriteLoop((forced) => this.syncStatus(forced), this.timing.status);
    this.gate = new ReadinessGate(api, settings.pod, settings.readinessGate);
    // Paced like the status: it changes with the same events.
    this.gateLoop = new WriteLoop((forced) => this.syncGate(forced), this.timing.status);
    this.labels = new PodLabels(api, settings.pod, () => this.informer.items().get(settings.pod.name));
    this.labelsLoop = new WriteLoop(() => this.syncLabels(), this.timing.labels);
    this.probe = new ServerProbe(api, this.timing.probe, () => this.serverBack());
    this.steering = new Steering(options.observed, this.log, () => this.statusLoop.request());
    const { probe, catchUpSpreadMs, forbiddenGraceMs } = this.timing;
    this.informer = new Informer<SteeredAutopilot>({
      api,
      path: autopilotPath(settings.pod.namespace),
      resource: PLURAL,
      fieldSelector: `metadata.name=${settings.pod.name}`,
      log: this.log,
      timing: { probe, catchUpSpreadMs, forbiddenGraceMs, ...this.timing.informer },
      problems: this.problems,
    });
    this.problems.onRecovery(() => this.refusalMayBeLifted());
    this.informer.onChange((change) => {
      if (change.type === 'DELETED' && change.object?.metadata.uid === this.object.reference()?.uid) {
        // Not left for the next change or resync to find: created again at the next paced write.
        this.objectGone();
        this.statusLoop.request(true);
      }
      const autopilot = this.informer.items().get(settings.pod.name);
      if (!autopilot) return;
      this.object.watched(autopilot);
      this.steering.offer(autopilot);
    });
    if (settings.events) {
      const pod: Regarding = { apiVersion: 'v1', kind: 'Pod', name: settings.pod.name, ...(settings.pod.uid ? { uid: settings.pod.uid } : {}) };
      this.recorder = new EventRecorder(api, settings.pod, this.timing.eventSeriesMs, () => {
        const autopilot = this.object.reference();
        return autopilot ? [pod, autopilot] : [pod];
      });
      this.eventLoop = new WriteLoop((forced) => this.flushEvents(forced), this.timing.events);
    }
  }

  start(): void {
    const { pod, server } = this.options.settings;
    this.log.info(`reporting to ${server} as ${pod.namespace}/${pod.name}`);
    if (!pod.uid) this.log.warn('POD_UID is not set: the Autopilot object gets no owner and outlives the pod (set it from the downward API, metadata.uid)');
    this.subscription = this.options.observed.bus.subscribe('kubernetes', (event) => this.observe(event));
    this.statusLoop.request();
    this.gateLoop.request();
    this.informer.start();
  }

  /** Runs after the jobs have stopped: one last write says so, within `finalWriteMs` whatever the API server does. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.informer.stop();
    this.probe.stop();
    const lastWrites = (async () => {
      await Promise.all([this.statusLoop.stop(), this.eventLoop?.stop(), this.gateLoop.stop(), this.labelsLoop.stop()]);
      // One after the other, most telling first: a throttled server may take only one at a time.
      await this.syncStatus(true);
      await this.syncGate(true);
      await this.flushEvents(true);
    })();
    await withDeadline(lastWrites, this.timing.finalWriteMs, { unref: true });
  }

  status(): BridgeStatus {
    const { pod } = this.options.settings;
    return {
      object: `${pod.namespace}/${pod.name}`,
      synced: this.lastWritten !== undefined,
      statusWrites: this.statusWrites,
      eventWrites: this.recorder?.writes ?? 0,
    };
  }

  private observe(event: SupervisorEvent): void {
    this.statusLoop.request();
    if (this.gate.wanted !== false) this.gateLoop.request();
    // Health checks run every few seconds, and neither they nor discovery's or a watch's troubles become pod Events: skip the job lookup.
    if (!this.recorder || !this.eventLoop || event.kind === 'signal' || event.kind === 'checkResult' || event.kind === 'discoveryChanged' || event.kind === 'watchTrouble') return;
    const podEvent = podEventFor(event, this.jobOf(jobOfEvent(event)));
    if (!podEvent) return;
    this.recorder.record(podEvent);
    this.eventLoop.request();
  }

  private jobOf(name: string): { config: JobConfig; snapshot: JobSnapshot } | undefined {
    const config = this.options.observed.currentConfig.jobs.find((job) => job.name === name);
    const snapshot = config ? this.options.observed.job(name)?.snapshot() : undefined;
    return config && snapshot ? { config, snapshot } : undefined;
  }

  private async syncStatus(forced: boolean): Promise<WriteOutcome> {
    let writing = false;
    try {
      if (!this.ensured) {
        const result = await this.object.ensure();
        this.ensured = true;
        // Events held for the Autopilot until it existed (or existed again) can now be posted about it.
        this.eventLoop?.request();
        this.labelsLoop.request();
        if (result === 'tookOver') this.log.info('took over the Autopilot object an earlier pod of this name left');
      }
      const { observed, version } = this.options;
      const status = buildStatus(observed.snapshot(), {
        jobConfigs: new Map(observed.currentConfig.jobs.map((job) => [job.name, job])),
        version,
        generation: this.steering.observedGeneration,
        ...(this.steering.verdict ? { specApplied: this.steering.verdict } : {}),
        previousConditions: this.conditions,
        now: new Date(),
      });
      this.conditions = status.conditions;
      // A check's duration is no news on its own: it differs on every check, and counting it would
      // turn every health check of a quiet pod into a write. It goes out with the next real change.
      const serialized = JSON.stringify(status, (key, value: unknown) => (key === 'durationMs' ? undefined : value));
      if (!forced && serialized === this.lastWritten) return { kind: 'done' };
      this.lastWritten = undefined;
      writing = true;
      await this.object.writeStatus(status);
      this.lastWritten = serialized;
      this.statusWrites += 1;
      this.succeeded('status');
      return { kind: 'done' };
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404 && writing) {
        this.objectGone();
        return { kind: 'retry' };
      }
      return this.failed('status', error);
    }
  }

  /** Deleted under us (by hand, or collected with an earlier pod of this name): the next status write creates it again. */
  private objectGone(): void {
    if (!this.ensured) return;
    this.ensured = false;
    this.log.warn('the Autopilot object is gone: creating it again');
  }

  private async syncGate(forced: boolean): Promise<WriteOutcome> {
    const { observed } = this.options;
    const snapshot = observed.snapshot();
    const input = { verdict: readiness(snapshot, observed.currentConfig.jobs), maintenance: snapshot.maintenance, shuttingDown: snapshot.shuttingDown };
    try {
      const known = this.gate.wanted;
      const result = await this.gate.sync(input, forced);
      if (known === undefined && result === 'notGated') this.log.debug(`the pod has no readiness gate ${READINESS_GATE}: not writing that condition`);
      this.succeeded('readinessGate');
      return { kind: 'done' };
    } catch (error) {
      return this.failed('readinessGate', error);
    }
  }

  /** Only once the Autopilot exists: the status loop asks again when it has made sure of that. */
  private async syncLabels(): Promise<WriteOutcome> {
    if (!this.ensured) return { kind: 'done' };
    try {
      await this.labels.sync();
      this.succeeded('labels');
      return { kind: 'done' };
    } catch (error) {
      return this.failed('labels', error);
    }
  }

  private async flushEvents(forced: boolean): Promise<WriteOutcome> {
    if (!this.recorder) return { kind: 'done' };
    try {
      const outcome = await this.recorder.flush(forced);
      this.succeeded('events');
      return outcome;
    } catch (error) {
      return this.failed('events', error);
    }
  }

  private failed(loop: string, error: unknown): WriteOutcome {
    const outcome = this.problems.failed(loop, error);
    if (outcome.kind === 'retry' && outcome.serverAway) this.probe.start();
    return outcome;
  }

  /** A write went through, so the server is back for the loops still waiting out a backoff too. */
  private succeeded(loop: string): void {
    this.problems.succeeded(loop);
    this.serverBack();
  }

  private serverBack(): void {
    this.probe.cancel();
    for (const loop of this.writeLoops()) loop.wake(this.timing.catchUpSpreadMs);
  }

  /** One loop's request went through after failing: the others' refusals may be lifted too. */
  private refusalMayBeLifted(): void {
    for (const loop of this.writeLoops()) loop.refusalMayBeLifted(this.timing.catchUpSpreadMs);
    this.informer.refusalMayBeLifted();
  }

  private writeLoops(): WriteLoop[] {
    return [this.statusLoop, this.gateLoop, this.labelsLoop, ...(this.eventLoop ? [this.eventLoop] : [])];
  }
}

/** The cluster CA; without it the system's CAs are used (an API server with a public certificate). */
function readCa(path: string, log: Logger): string | undefined {
  try {
    return readRegularFile(path);
  } catch (error) {
    log.warn(`cannot read the API server's CA from ${path} (${(error as UnreadableFileError).reason}): trusting the system's CAs`);
    return undefined;
  }
}
