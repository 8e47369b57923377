// Watches on Kubernetes Services: one informer per watch on the Service's EndpointSlices (label
// kubernetes.io/service-name), whose ready endpoints feed the same WatchedService a Consul watch
// feeds, so `watch.NAME` publishes the same `changed`/`healthy`/`unhealthy` and the same hooks
// fire. Everything runs on the informers' own loops: a slow or absent API server delays the
// watch's news, never a job. A reload starts and stops watches as the config says.
import type { Config, KubernetesWatchConfig, WatchConfig } from '../config/types.js';
import type { WatchBoard } from '../watches/board.js';
import type { WatchStatus } from '../contracts/components.js';
import { WatchedService } from '../watches/watched-service.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import type { ReportingComponent } from '../supervisor/supervisor.js';
import type { KubeApi } from './api.js';
import { readyEndpoints, SERVICE_NAME_LABEL, type EndpointSlice } from './endpoint-slices.js';
import type { ApiProblems } from './api-problems.js';
import { Informer, type InformerTiming } from './informer.js';

/** What the watches read from the supervisor. */
export interface EndpointWatchHost {
  readonly bus: EventBus;
  readonly currentConfig: Config;
  readonly watches: WatchBoard;
}

export interface EndpointWatchesOptions {
  api: KubeApi;
  host: EndpointWatchHost;
  /** Where a watch without `namespace` looks: the pod's own. */
  namespace: string;
  log: Logger;
  timing?: Partial<InformerTiming>;
  /**
   * The bridge's, so that an API server outage is said once for the bridge and every watch, and a
   * watch getting through after a refusal wakes the bridge's loops (and the other way round).
   */
  problems: ApiProblems;
}

interface RunningWatch {
  config: KubernetesWatchConfig;
  service: WatchedService;
  informer: Informer<EndpointSlice>;
  /** The port problem last logged, so that each is said once. */
  problem?: string;
}

export function isKubernetesWatch(config: WatchConfig): config is KubernetesWatchConfig {
  return config.source === 'kubernetes';
}

export class EndpointWatches implements ReportingComponent<'kubernetesWatches'> {
  readonly name = 'kubernetesWatches';
  private readonly running = new Map<string, RunningWatch>();

  constructor(private readonly options: EndpointWatchesOptions) {
    options.problems.onRecovery(() => {
      for (const watch of this.running.values()) watch.informer.refusalMayBeLifted();
    });
  }

  start(): void {
    this.update(this.options.host.currentConfig.watches);
  }

  async stop(): Promise<void> {
    this.update([]);
  }

  configChanged(next: Config): void {
    this.update(next.watches);
  }

  status(): WatchStatus[] {
    return [...this.running.values()].map((watch) => watch.service.status());
  }

  /** Starts the Kubernetes watches `configured` has and the running set lacks; stops the others. */
  private update(configured: readonly WatchConfig[]): void {
    const { host } = this.options;
    const wanted = new Map(configured.filter(isKubernetesWatch).map((config) => [JSON.stringify(config), config]));
    for (const [key, watch] of this.running) {
      if (wanted.has(key)) continue;
      watch.informer.stop();
      host.watches.remove(watch.service);
      this.running.delete(key);
    }
    for (const [key, config] of wanted) {
      if (this.running.has(key)) continue;
      const watch = this.watch(config);
      this.running.set(key, watch);
      host.watches.add(watch.service);
      watch.informer.start();
    }
  }

  private watch(config: KubernetesWatchConfig): RunningWatch {
    const { api, host, log, timing, problems } = this.options;
    const namespace = config.namespace ?? this.options.namespace;
    const informer = new Informer<EndpointSlice>({
      api,
      path: `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      resource: 'discovery.k8s.io/endpointslices',
      labelSelector: `${SERVICE_NAME_LABEL}=${config.name}`,
      log: log.child({ watch: config.name }),
      problems,
      ...(timing ? { timing } : {}),
    });
    const watch: RunningWatch = { config, service: new WatchedService(config, (event) => host.bus.publish(event)), informer };
    informer.onChange(() => this.refresh(watch));
    // A refused or failing list/watch is the watch's error (as a failing Consul query is) until the
    // server answers again; the endpoints last seen are kept meanwhile.
    // The informer says each change of trouble once, so each is published once.
    informer.onTrouble((problem) => {
      if (problem === undefined) this.refresh(watch);
      else watch.service.failed(new Error(problem));
      host.bus.publish({ kind: 'watchTrouble', source: `watch.${config.name}`, error: problem });
    });
    return watch;
  }

  /** The endpoints as the slices say now (which clears an earlier failure); WatchedService publishes only if they changed. */
  private refresh(watch: RunningWatch): void {
    if (!watch.informer.synced) return;
    const { instances, problem } = readyEndpoints(watch.informer.items().values(), watch.config.port);
    watch.service.update(instances);
    if (problem !== undefined) watch.service.failed(new Error(problem));
    if (problem !== undefined && problem !== watch.problem) this.options.log.warn(`watch ${watch.config.name}: ${problem}`);
    watch.problem = problem;
  }
}
