// Signals as a container entrypoint receives them. As PID 1 the kernel applies no default
// action to a signal without a handler, so every one we act on must be handled explicitly.
import type { LogSink, Logger } from '../logging/logger.js';
import { takeHeldSignals, type HeldSignal } from './early-signals.js';
import type { Supervisor } from './supervisor.js';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
const HOOKABLE_SIGNALS = ['SIGHUP', 'SIGUSR2'] as const;
type HookableSignal = (typeof HOOKABLE_SIGNALS)[number];

/**
 * A second stop signal means "kill everything now" only this long after the first. `timeout`, a
 * shell's process group or a runtime that signals the group as well as the child deliver the
 * same signal twice within milliseconds, and that is still one request for a graceful stop.
 */
const DELIBERATE_REPEAT_MS = 1000;

/** What tini forwards and a command-line-only pilotfish has no use of its own for (no hooks, no config to reload, a log on stdout). */
const FORWARDED_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

export interface SignalOptions {
  /** The job that SIGHUP, SIGUSR1 and SIGUSR2 go to, as tini forwards them to its child (`pilotfish -- CMD` without a config). */
  forwardTo?: string;
}

export interface SignalHandling {
  /** Hook signals that came before the jobs existed are acted on now. */
  supervisorStarted(): void;
}

/** Installs the handlers and acts on the signals held since start-up (early-signals.ts). */
export function installSignalHandlers(supervisor: Supervisor, sink: LogSink, log: Logger, { forwardTo }: SignalOptions = {}): SignalHandling {
  let firstStopAt: number | undefined;
  let started = false;
  const deferredHooks = new Set<HookableSignal>();

  const onStop = (signal: NodeJS.Signals, at: number) => {
    if (firstStopAt === undefined) {
      firstStopAt = at;
      void supervisor.shutdown({ kind: 'signal', signal });
    } else if (at - firstStopAt >= DELIBERATE_REPEAT_MS) {
      // A deliberate second request means "now": s6 and tini users expect the same.
      supervisor.killAll();
    } else {
      log.info(`${signal} again within ${DELIBERATE_REPEAT_MS} ms of the first stop signal: the same request, still stopping gracefully`);
    }
  };
  const onHook = (signal: HookableSignal) => {
    if (started) supervisor.onHookableSignal(signal);
    else deferredHooks.add(signal);
  };
  const onReopen = () => {
    // A failed reopen has logged its own error line.
    if (sink.reopen()) log.info('log output reopened (SIGUSR1)');
  };
  const onForward = (signal: NodeJS.Signals, job: string) => {
    // Before the job has started there is nothing to reload or to tell: it starts afresh.
    if (!supervisor.signalJob(job, signal)) log.info(`${signal} not forwarded: ${job} has no process`);
  };
  const dispatch = (signal: HeldSignal, at: number) => {
    if (forwardTo !== undefined && (FORWARDED_SIGNALS as readonly string[]).includes(signal)) onForward(signal, forwardTo);
    else if (signal === 'SIGUSR1') onReopen();
    else if (signal === 'SIGHUP' || signal === 'SIGUSR2') onHook(signal);
    else onStop(signal, at);
  };

  for (const signal of [...SHUTDOWN_SIGNALS, ...HOOKABLE_SIGNALS, 'SIGUSR1' as const]) process.on(signal, () => dispatch(signal, performance.now()));
  // A reader of our stdout going away must not kill the supervisor.
  process.on('SIGPIPE', () => undefined);
  for (const { signal, at } of takeHeldSignals()) {
    log.info(`${signal} arrived while pilotfish was starting: acting on it now`);
    dispatch(signal, at);
  }
  return {
    supervisorStarted() {
      started = true;
      for (const signal of deferredHooks) supervisor.onHookableSignal(signal);
      deferredHooks.clear();
    },
  };
}
