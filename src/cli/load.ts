// Config loading as every CLI verb needs it: find the file, load it, and on failure print the
// errors and exit 2 before anything has been started.
import { existsSync } from 'node:fs';
import { commandLineOnlyConfig } from '../config/build.js';
import { parseCommand } from '../config/command.js';
import { ConfigError } from '../config/errors.js';
import { DEFAULT_CONFIG_PATH, namedConfigPath } from '../config/find.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';

const EXIT_CONFIG_INVALID = 2;

/** The config file named by the flag or the environment, else ./pilotfish.json5 if there is one. */
function findConfigPath(flag: string | undefined): string | undefined {
  return namedConfigPath(flag, process.env) ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
}

/**
 * The config file to use. When nothing names one and there is no ./pilotfish.json5 either, that is
 * what to say (rather than a read error about a file the user never mentioned): exit 2.
 */
export function configPathOrExit(flag: string | undefined): string {
  const path = findConfigPath(flag);
  if (path === undefined) {
    process.stderr.write(
      `no config found: neither --config, $PILOTFISH_CONFIG nor $CONTAINERPILOT names one, and there is no ${DEFAULT_CONFIG_PATH} in ${process.cwd()}\n` +
        `Name one with --config FILE or PILOTFISH_CONFIG=FILE, or write ${DEFAULT_CONFIG_PATH} there (\`pilotfish schema\` describes the format).\n`,
    );
    process.exit(EXIT_CONFIG_INVALID);
  }
  return path;
}

export interface LoadedConfig {
  config: Config;
  /** The file, as named (Config.file is absolute). */
  path: string;
  /** Loads it again, rendered from `env`, as a reload does; throws when it has become invalid. */
  load: (env: Readonly<Record<string, string | undefined>>) => Config;
  /** No config file: the command after `--` is all there is (pilotfish as tini). */
  commandOnly: boolean;
}

/**
 * The config, with `commandLine` (the command after `pilotfish --`) as its main job. With a
 * command line and no config file at all, the command alone is the config: pilotfish as tini.
 */
export function loadConfigOrExit(flag: string | undefined, commandLineArgv?: readonly [string, ...string[]]): LoadedConfig {
  // An argv array is taken as it is: no shell, no splitting, no template.
  const commandLine = commandLineArgv && parseCommand(commandLineArgv);
  if (commandLine && findConfigPath(flag) === undefined) {
    const config = commandLineOnlyConfig(commandLine);
    return { config, path: config.file, load: () => config, commandOnly: true };
  }
  const path = configPathOrExit(flag);
  const load = (env: Readonly<Record<string, string | undefined>>) => loadConfig(path, env, commandLine);
  try {
    return { config: load(process.env), path, load, commandOnly: false };
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
