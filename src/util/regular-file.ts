// Reading a small file that the config or the environment names (the config itself, a CA bundle,
// a client key, a token file, the service account's namespace) without ever blocking PID 1 or
// reading without end. readFileSync on a FIFO waits for a writer, on `/dev/zero` it reads until
// memory runs out (a Consul `tls.cafile` of `/dev/zero` grew pilotfish to 4.4 GB in 12 s), and
// fs.promises.readFile on a FIFO holds one of libuv's four threadpool threads for good.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Larger than any config, CA bundle (the Mozilla bundle is ~220 KiB) or token. */
export const MAX_REGULAR_FILE_BYTES = 1024 * 1024;

// O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer (the type is checked first,
// but the path may change between the check and the open).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** A file refused or unreadable; `reason` says why without the path (`it is a FIFO, not a regular file`). */
export class UnreadableFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`);
  }
}

/** The text of `path`, a regular file of at most `limit` bytes; throws UnreadableFileError otherwise. */
export function readRegularFile(path: string, limit = MAX_REGULAR_FILE_BYTES): string {
  let fd: number;
  try {
    // Checked before the open too: opening a device can act on it (a watchdog, a tape).
    refuseUnlessRegular(path, statSync(path), limit);
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    refuseUnlessRegular(path, fstatSync(fd), limit);
    // One byte more than allowed, in case the file grew since fstat.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > limit) throw tooLarge(path, limit);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/** readRegularFile, for a file read again while PID 1 runs (a rotated token): off the event loop. */
export async function readRegularFileAsync(path: string, limit = MAX_REGULAR_FILE_BYTES): Promise<string> {
  // Loaded on first use: `run` reads its files at start-up synchronously, and a built-in loaded
  // then would be compiled from source (src/supervisor/start-up-footprint.ts).
  const { open, stat } = process.getBuiltinModule('node:fs/promises');
  let handle: FileHandle;
  try {
    refuseUnlessRegular(path, await stat(path), limit);
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    refuseUnlessRegular(path, await handle.stat(), limit);
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      ({ bytesRead: read } = await handle.read(buffer, length, buffer.length - length, null));
    }
    if (length > limit) throw tooLarge(path, limit);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    await handle.close();
  }
}

function refuseUnlessRegular(path: string, stats: Stats, limit: number): void {
  if (!stats.isFile()) throw new UnreadableFileError(path, `it is ${kindOf(stats)}, not a regular file`);
  if (stats.size > limit) throw tooLarge(path, limit);
}

function unreadable(path: string, error: unknown): UnreadableFileError {
  return error instanceof UnreadableFileError ? error : new UnreadableFileError(path, (error as Error).message);
}

function tooLarge(path: string, limit: number): UnreadableFileError {
  const mebibytes = limit / (1024 * 1024);
  return new UnreadableFileError(path, `it is larger than the limit of ${limit} bytes${Number.isInteger(mebibytes) ? ` (${mebibytes} MiB)` : ''}`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}
