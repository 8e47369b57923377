// The last line of defence of a supervisor that is PID 1. An exception nobody caught, or a
// promise rejected with nobody to catch it, makes Node exit, and when PID 1 exits the kernel kills
// every process in the container: one missed error in a bridge, a hook or a timer (EMFILE from a
// descriptor flood, say) would take the app down with it. So such an error is logged, loudly and
// with its stack, as the bug it is, counted (pilotfish_internal_errors_total), and the supervisor
// stays up; the jobs, signals and shutdown go on as before.
import type { Logger } from '../logging/logger.js';

let internalErrors = 0;

/** How many errors the guard has caught since the process started. */
export function internalErrorCount(): number {
  return internalErrors;
}

/** Installs the guard for the life of the process; returns a function that removes it. */
export function installCrashGuard(log: Logger): () => void {
  const report = (what: string) => (error: unknown) => {
    internalErrors += 1;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log.error(`internal error (${what}), pilotfish carries on; this is a bug, please report it: ${detail}`);
  };
  const onRejection = report('an unhandled promise rejection');
  const onException = report('an uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
