import type { Logger } from '../../src/logging/logger.js';

/** A logger that keeps its lines ("LEVEL message") for assertions. */
export function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = {
    debug: (message) => lines.push(`DEBUG ${message}`),
    info: (message) => lines.push(`INFO ${message}`),
    warn: (message) => lines.push(`WARN ${message}`),
    error: (message) => lines.push(`ERROR ${message}`),
    child: () => log,
  };
  return { log, lines };
}
