// Reading the config file without ever blocking or reading without end: a FIFO or a device
// given as the config (`--config /dev/zero`) would hang PID 1 or fill its memory.
import { Buffer } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { ConfigError } from './errors.js';

/** Larger than any config a person writes (the largest ContainerPilot example is ~10 KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** The file's text; throws ConfigError when it is not a regular file, is larger than MAX_CONFIG_BYTES or cannot be read. */
export function readConfigFile(file: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw unreadable(file, (error as Error).message);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw unreadable(file, `it is ${kindOf(stats)}, not a regular file`);
    if (stats.size > MAX_CONFIG_BYTES) throw tooLarge(file);
    // Read one byte more than allowed, in case the file grew since fstat.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > MAX_CONFIG_BYTES) throw tooLarge(file);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw unreadable(file, (error as Error).message);
  } finally {
    closeSync(fd);
  }
}

function unreadable(file: string, reason: string): ConfigError {
  return new ConfigError([{ file, path: '', message: `cannot read the config file: ${reason}` }]);
}

function tooLarge(file: string): ConfigError {
  return unreadable(file, `it is larger than the limit of ${MAX_CONFIG_BYTES} bytes (1 MiB)`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}
