// How an error reads in a log line or a status: shared by every layer, so it depends on none.

/** An error's message, led by its code (ENOENT, ECONNREFUSED…) when the message does not say it. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/**
 * The name of an errno (EAGAIN for 11), as node:util's getSystemErrorName. Through
 * process.getBuiltinModule: an ESM import of node:util makes Node 24 evaluate every export of it,
 * which loads node:worker_threads, assert's diff and more into every pilotfish (~MiB, ms).
 */
export function systemErrorName(errno: number): string {
  return process.getBuiltinModule('node:util').getSystemErrorName(errno);
}
