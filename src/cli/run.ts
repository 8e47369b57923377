// `pilotfish run`: what a container runs on every start, so it loads only what the config uses.
// Consul discovery, telemetry, the probe endpoints and the Kubernetes bridge are imported only
// when configured (their attach modules say how); a config that uses none of them pays for none.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/types.js';
import { attachKubernetesBridge } from '../k8s/attach.js';
import { LogSink, createLogger, type Logger } from '../logging/logger.js';
import { replaceStandardStreams } from '../logging/standard-streams.js';
import { ProcessTable } from '../process/process-table.js';
import { startReaper, type Reaper } from '../process/reaper.js';
import { findStragglers } from '../process/stragglers.js';
import { installCrashGuard } from '../supervisor/crash-guard.js';
import { installSignalHandlers } from '../supervisor/signals.js';
import { settleAfterStartUp } from '../supervisor/start-up-footprint.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { exitInvalid, loadConfigOrExit } from './load.js';
import { attachOperatorEndpoints } from './operator-endpoints.js';

const SETTLE_AFTER_START_MS = 1000;

/** Supervises the config's jobs; `commandLine`, the command after `pilotfish --`, is the main job. */
export async function runCommand(configFlag: string | undefined, commandLine?: readonly [string, ...string[]]): Promise<void> {
  // Start-up's last promises (sockets bound, first checks) settle within the second; and a
  // start-up that failed halfway (the crash guard carries on) must not keep the compilers held.
  const { supervisor, reaper } = await startSupervising(configFlag, commandLine).finally(() => setTimeout(settleAfterStartUp, SETTLE_AFTER_START_MS).unref());
  const code = await supervisor.done;
  reaper.stop();
  process.exit(code);
}

async function startSupervising(configFlag: string | undefined, commandLine?: readonly [string, ...string[]]): Promise<{ supervisor: Supervisor; reaper: Reaper }> {
  const { config, path, load, commandOnly } = loadConfigOrExit(configFlag, commandLine);
  const sink = openLogSinkOrExit(config, path);
  replaceStandardStreams();
  const log = createLogger(sink);
  installCrashGuard(log);
  if (config.mainExecReplaced) log.info(`job ${config.main} runs the command after \`pilotfish --\`, not the exec ${path} gives it`);
  const processes = new ProcessTable();
  // Once the reaper knows that /proc is our PID namespace's (below).
  let procIsOurs = false;
  const supervisor = new Supervisor({
    config,
    log,
    env: process.env,
    processes,
    loadConfig: load,
    onLoggingChange: (next) => sink.configure(next.logging),
    findStragglers: () => (procIsOurs ? findStragglers() : []),
  });
  if (config.consul) (await import('../discovery/attach.js')).attachConsulDiscovery(supervisor, log, process.env);
  await attachOperatorEndpoints(supervisor, log, process.env);
  await attachKubernetesBridge(supervisor, log, process.env);
  // Started by systemd as `Type=notify` (or anything that sets NOTIFY_SOCKET for pilotfish itself).
  const notifySocket = process.env.NOTIFY_SOCKET;
  if (notifySocket) supervisor.attach(new (await import('../supervisor/service-manager-notify.js')).ServiceManagerNotifier({ supervisor, log, socket: notifySocket }));
  const signals = installSignalHandlers(supervisor, sink, log, { forwardTo: commandOnly ? config.main : undefined });
  // Signals are dispatched on a turn of the event loop, and loading may not have taken one (Node
  // 24 loads modules synchronously): a stop signal that came meanwhile must act before any job starts.
  await nextTurn();
  await supervisor.start();
  signals.supervisorStarted();
  // The reaper's native part (koffi's addon) takes ~20 ms to load: it loads once the first jobs
  // are spawned (they are, a turn of the loop after start), not before. An orphan that comes
  // meanwhile waits as a zombie for the reaper's first sweep, as it would for SIGCHLD's; as a
  // subreaper, one orphaned in those milliseconds goes to the real init instead, as it would
  // without pilotfish.
  await nextTurn();
  const reaper = await startReaper({
    isOwned: processes.owns,
    onReaped: (pid, code) => log.debug(`reaped orphan ${pid} (exit ${code})`),
    onDegraded: (reason) =>
      reason === undefined ? log.info('reaping through /proc again') : log.warn(`cannot read /proc (${reason}): reaping orphans through waitid until it can`),
  });
  logReaperMode(reaper, log);
  procIsOurs = reaper.mode !== 'unavailable';
  return { supervisor, reaper };
}

/** `validate` checked the output; should it have changed since, this is still a config error, not a crash. */
function openLogSinkOrExit(config: Config, path: string): LogSink {
  try {
    return new LogSink(config.logging);
  } catch (error) {
    const issue = { file: path, path: 'logging.output', message: `cannot open ${config.logging.output}: ${(error as Error).message}` };
    return exitInvalid(new ConfigError([issue]));
  }
}

function logReaperMode(reaper: Reaper, log: Logger): void {
  if (reaper.mode === 'unavailable') log.warn(`cannot reap orphaned processes here (${reaper.reason ?? 'unknown reason'}): zombies of jobs may accumulate`);
  else log.debug(`reaping orphans as ${reaper.mode === 'pid1' ? 'PID 1' : 'a child subreaper'}`);
}
