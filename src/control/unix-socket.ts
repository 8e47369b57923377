// The control socket file: created 0600 (only the supervisor's uid may drive it), only where no
// other user can replace it, a stale file from a crashed run replaced, and a live one (another
// supervisor) or another user's left alone.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { listen } from '../http/listen.js';
import { SUN_PATH_BYTES } from '../process/libc.js';
import { ensurePrivateDirectory, privateTmpDirectory, unsafeSocketDirectory, untrustedSocketFile } from './socket-path.js';

export async function listenOnUnixSocket(server: Server, path: string): Promise<void> {
  // The config's control.socket is checked when it is loaded; $PILOTFISH_SOCKET and the defaults
  // are not, and bind() would silently use a truncated name.
  const bytes = Buffer.byteLength(path);
  if (bytes >= SUN_PATH_BYTES) throw new Error(`${path} is ${bytes} bytes long, over the limit of a unix socket path (${SUN_PATH_BYTES - 1})`);
  if (dirname(path) === privateTmpDirectory()) ensurePrivateDirectory(dirname(path));
  const unsafe = unsafeSocketDirectory(path);
  if (unsafe) throw new Error(`refusing to create ${path}: ${unsafe}, so another user could replace the socket and read what clients send`);
  await removeStaleSocket(path);
  // The umask covers the moment between bind() and chmod(), when the file would otherwise be
  // open to every user for a moment.
  const previousUmask = process.umask(0o177);
  try {
    await listen(server, { path });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(path, 0o600);
}

/** Removes `path` if it is a socket nobody listens on; throws if it is live or not a socket. */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const untrusted = untrustedSocketFile(path);
  if (untrusted) throw new Error(`${untrusted}; refusing to use or replace another user's socket`);
  if (await someoneListens(path)) throw new Error(`another process is listening on ${path} (is another pilotfish running?)`);
  unlinkSync(path);
}

function someoneListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
