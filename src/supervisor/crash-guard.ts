// The last line of defence of a supervisor that is PID 1. A promise rejected with nobody to catch
// it makes Node 20 exit, and when PID 1 exits the kernel kills every process in the container:
// one missed error in a bridge or a hook would take the app down with it. So such an error is
// logged, loudly, and the supervisor stays up; the jobs, signals and shutdown go on as before.
import type { Logger } from '../logging/logger.js';

/** Installs the guard for the life of the process; returns a function that removes it. */
export function installCrashGuard(log: Logger): () => void {
  const onRejection = (reason: unknown) => {
    const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    log.error(`internal error (an unhandled promise rejection), pilotfish carries on: ${detail}`);
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
