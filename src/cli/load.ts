// Config loading as every CLI verb needs it: find the file, load it, and on failure print the
// errors and exit 2 before anything has been started.
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { DEFAULT_CONFIG_PATH, namedConfigPath } from '../config/find.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';

const EXIT_CONFIG_INVALID = 2;

/**
 * The config file to use. When nothing names one and there is no ./pilotfish.json5 either, that is
 * what to say (rather than a read error about a file the user never mentioned): exit 2.
 */
export function configPathOrExit(flag: string | undefined): string {
  const named = namedConfigPath(flag, process.env);
  if (named === undefined && !existsSync(DEFAULT_CONFIG_PATH)) {
    process.stderr.write(
      `no config found: neither --config, $PILOTFISH_CONFIG nor $CONTAINERPILOT names one, and there is no ${DEFAULT_CONFIG_PATH} in ${process.cwd()}\n` +
        `Name one with --config FILE or PILOTFISH_CONFIG=FILE, or write ${DEFAULT_CONFIG_PATH} there (\`pilotfish schema\` describes the format).\n`,
    );
    process.exit(EXIT_CONFIG_INVALID);
  }
  return named ?? DEFAULT_CONFIG_PATH;
}

export function loadConfigOrExit(flag: string | undefined): { config: Config; path: string } {
  const path = configPathOrExit(flag);
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
