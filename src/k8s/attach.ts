// Wires the Kubernetes bridge into a supervisor when it runs in a pod (or config forces it).
// Outside Kubernetes this costs one environment lookup: the bridge and axios load only when on.
// Bad settings leave the bridge off with one error line; the jobs run regardless.
import { pilotfishVersion } from '../cli/version.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { BridgeSettingsError, bridgeEnabled, resolveSettings } from './settings.js';

export async function attachKubernetesBridge(supervisor: Supervisor, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const config = supervisor.currentConfig.kubernetes;
  if (!bridgeEnabled(config, env)) return;
  let settings;
  try {
    settings = resolveSettings(config, env);
  } catch (error) {
    if (!(error instanceof BridgeSettingsError)) throw error;
    log.error(`Kubernetes bridge is off: ${error.message}`);
    return;
  }
  const { KubernetesBridge } = await import('./bridge.js');
  supervisor.attach(new KubernetesBridge({ observed: supervisor, settings, log, version: pilotfishVersion() }));
}
