// Wires the Kubernetes bridge into a supervisor when it runs in a pod (or config forces it).
// Outside Kubernetes this costs one environment lookup: the bridge and axios load only when on.
// Bad settings leave the bridge off with one error line; the jobs run regardless.
import { pilotfishVersion } from '../util/version.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { BridgeSettingsError, bridgeEnabled, resolveSettings, type BridgeSettings } from './settings.js';
import { ServiceWatchesOff } from './watches-off.js';
import type { KubernetesBridge } from './bridge.js';

export async function attachKubernetesBridge(supervisor: Supervisor, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const config = supervisor.currentConfig.kubernetes;
  if (!bridgeEnabled(config, env)) return sayServiceWatchesOff(supervisor, log, 'pilotfish is not running in Kubernetes (KUBERNETES_SERVICE_HOST is not set; kubernetes.enabled: true forces the bridge on)');
  let settings;
  try {
    settings = resolveSettings(config, env);
  } catch (error) {
    if (!(error instanceof BridgeSettingsError)) throw error;
    log.error(`Kubernetes bridge is off: ${error.message}`);
    return sayServiceWatchesOff(supervisor, log, 'the Kubernetes bridge is off');
  }
  const { KubernetesBridge } = await import('./bridge.js');
  const bridge = new KubernetesBridge({ observed: supervisor, settings, log, version: pilotfishVersion() });
  supervisor.attach(bridge);
  // The CA as the bridge read it: a missing one is said once, not again by the watches; so are
  // the API server's outages and refusals.
  await attachServiceWatches(supervisor, settings, bridge, log);
}

/** Always with the bridge, so that a reload may add a watch on a Service; idle without one. */
async function attachServiceWatches(supervisor: Supervisor, settings: BridgeSettings, { ca, problems }: Pick<KubernetesBridge, 'ca' | 'problems'>, log: Logger): Promise<void> {
  const [{ EndpointWatches }, { KubeApi }, { TokenFile }] = await Promise.all([import('./endpoint-watches.js'), import('./api.js'), import('./token.js')]);
  const watchLog = log.child({ component: 'kubernetes' });
  const api = new KubeApi({ server: settings.server, ca, token: new TokenFile(settings.tokenFile), timeoutMs: WATCH_REQUEST_TIMEOUT_MS, log: watchLog });
  supervisor.attach(new EndpointWatches({ api, host: supervisor, namespace: settings.pod.namespace, log: watchLog, problems }));
}

/** A list of EndpointSlices is small and the server answers it from its cache. */
const WATCH_REQUEST_TIMEOUT_MS = 10_000;

/** Said at start, and again for each watch on a Service a reload adds. */
function sayServiceWatchesOff(supervisor: Supervisor, log: Logger, why: string): void {
  supervisor.attach(new ServiceWatchesOff(() => supervisor.currentConfig, log, why));
}
