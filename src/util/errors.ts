// How an error reads in a log line or a status: shared by every layer, so it depends on none.

/** An error's message, led by its code (ENOENT, ECONNREFUSED…) when the message does not say it. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
