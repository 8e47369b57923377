// Config loading as every CLI verb needs it: find the file, load it, and on failure print the
// errors and exit 2 before anything has been started.
import { ConfigError } from '../config/errors.js';
import { resolveConfigPath } from '../config/find.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';

const EXIT_CONFIG_INVALID = 2;

export function loadConfigOrExit(flag: string | undefined): { config: Config; path: string } {
  const path = resolveConfigPath(flag, process.env);
  try {
    return { config: loadConfig(path, process.env), path };
  } catch (error) {
    return exitInvalid(error);
  }
}

/** Prints why the config cannot be used (never a stack trace) and exits 2. */
export function exitInvalid(error: unknown): never {
  process.stderr.write(`${describeLoadError(error)}\n`);
  process.exit(EXIT_CONFIG_INVALID);
}

function describeLoadError(error: unknown): string {
  if (error instanceof ConfigError) return `invalid config:\n${error.message}`;
  return `cannot load config: ${(error as Error).message}`;
}
