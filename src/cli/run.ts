import { loadConfig } from '../config/load.js';
import { attachOperatorEndpoints } from '../control/attach.js';
import { attachConsulDiscovery } from '../discovery/attach.js';
import { ownedPids } from '../jobs/process.js';
import { attachKubernetesBridge } from '../k8s/attach.js';
import { LogSink, createLogger } from '../logging/logger.js';
import { startReaper } from '../supervisor/reaper.js';
import { installSignalHandlers } from '../supervisor/signals.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { loadConfigOrExit } from './load.js';

export async function runCommand(configFlag: string | undefined): Promise<void> {
  const { config, path } = loadConfigOrExit(configFlag);
  const sink = new LogSink(config.logging);
  const log = createLogger(sink);
  const supervisor = new Supervisor({
    config,
    log,
    env: process.env,
    loadConfig: () => loadConfig(path, process.env),
    onLoggingChange: (next) => sink.configure(next.logging),
  });
  attachConsulDiscovery(supervisor, log, process.env);
  await attachOperatorEndpoints(supervisor, log, process.env);
  await attachKubernetesBridge(supervisor, log, process.env);
  installSignalHandlers(supervisor, sink, log);
  const reaper = await startReaper({
    isOwned: (pid) => ownedPids.has(pid),
    onReaped: (pid, code) => log.debug(`reaped orphan ${pid} (exit ${code})`),
  });
  if (reaper.mode === 'unavailable') log.warn(`cannot reap orphaned processes here (${reaper.reason ?? 'unknown reason'}): zombies of jobs may accumulate`);
  else log.debug(`reaping orphans as ${reaper.mode === 'pid1' ? 'PID 1' : 'a child subreaper'}`);
  await supervisor.start();
  const code = await supervisor.done;
  reaper.stop();
  process.exit(code);
}
