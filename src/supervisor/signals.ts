// Signals as a container entrypoint receives them. As PID 1 the kernel applies no default
// action to a signal without a handler, so every one we act on must be handled explicitly.
import type { LogSink, Logger } from '../logging/logger.js';
import type { Supervisor } from './supervisor.js';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
const HOOKABLE_SIGNALS = ['SIGHUP', 'SIGUSR2'] as const;

export function installSignalHandlers(supervisor: Supervisor, sink: LogSink, log: Logger): void {
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      // A second stop request means "now": s6 and tini users expect the same.
      if (supervisor.isShuttingDown) supervisor.killAll();
      else void supervisor.shutdown({ kind: 'signal', signal });
    });
  }
  for (const signal of HOOKABLE_SIGNALS) process.on(signal, () => supervisor.onHookableSignal(signal));
  process.on('SIGUSR1', () => {
    // A failed reopen has logged its own error line.
    if (sink.reopen()) log.info('log output reopened (SIGUSR1)');
  });
  // A reader of our stdout going away must not kill the supervisor.
  process.on('SIGPIPE', () => undefined);
}
