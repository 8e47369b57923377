// Watches on Kubernetes Services while the bridge is off (not in Kubernetes, or its settings are
// bad): nothing runs them, so each is said once — at start, and when a reload adds one — rather
// than left to look merely quiet. Kept free of the bridge's dependencies: it is what loads instead.
import type { Config } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import type { SilentComponent } from '../supervisor/supervisor.js';

export class ServiceWatchesOff implements SilentComponent {
  readonly name = 'kubernetesWatchesOff';

  /** `why`: why the bridge is off, as the log should say it. */
  constructor(
    private readonly config: () => Config,
    private readonly log: Logger,
    private readonly why: string,
  ) {}

  start(): void {
    this.say(serviceWatchNames(this.config()), this.why);
  }

  async stop(): Promise<void> {}

  configChanged(next: Config, previous: Config): void {
    const before = new Set(serviceWatchNames(previous));
    const added = serviceWatchNames(next).filter((name) => !before.has(name));
    const forcedOnNow = next.kubernetes.enabled === true && previous.kubernetes.enabled !== true;
    this.say(added, forcedOnNow ? `${this.why}; a reload does not start the bridge, restart pilotfish for that` : this.why);
  }

  private say(names: readonly string[], why: string): void {
    if (names.length > 0) this.log.error(`the watches on Kubernetes Services (${names.join(', ')}) never fire: ${why}`);
  }
}

function serviceWatchNames(config: Config): string[] {
  return config.watches.filter((watch) => watch.source === 'kubernetes').map((watch) => watch.name);
}
