// Reading the config file without ever blocking or reading without end: a FIFO or a device
// given as the config (`--config /dev/zero`) would hang PID 1 or fill its memory.
import { MAX_REGULAR_FILE_BYTES, UnreadableFileError, readRegularFile } from '../util/regular-file.js';
import { ConfigError } from './errors.js';

/** Larger than any config a person writes (the largest ContainerPilot example is ~10 KiB). */
export const MAX_CONFIG_BYTES = MAX_REGULAR_FILE_BYTES;

/** The file's text; throws ConfigError when it is not a regular file, is larger than MAX_CONFIG_BYTES or cannot be read. */
export function readConfigFile(file: string): string {
  try {
    return readRegularFile(file, MAX_CONFIG_BYTES);
  } catch (error) {
    const reason = error instanceof UnreadableFileError ? error.reason : (error as Error).message;
    throw new ConfigError([{ file, path: '', message: `cannot read the config file: ${reason}` }]);
  }
}
