// Receiving on a unix SOCK_DGRAM socket, which Node cannot do by itself: node:dgram is UDP only,
// and libuv refuses to wrap a unix datagram socket as a stream.
//
// koffi (already a dependency, for PID 1 reaping) makes the socket calls, and its `node.poll`
// watches the descriptor with a uv_poll handle on Node's own event loop. So nothing blocks the
// loop or holds a threadpool thread, and nothing polls on a timer: the loop wakes when a
// datagram arrives, and non-blocking recv() drains the queue. The rejected alternative,
// node-unix-socket, does the same natively but creates its socket without SOCK_CLOEXEC, so
// every job and probe spawned afterwards inherits it (checked in /proc/<pid>/fd), and it adds a
// 640 KB prebuilt binary where koffi is already present.
//
// Linux only: the constants below are Linux's generic ABI (x86-64 and arm64 alike).
import { lstatSync, unlinkSync, type Stats } from 'node:fs';
import { SUN_PATH_BYTES, loadLibc } from '../process/libc.js';
import { systemErrorName } from '../util/errors.js';

const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
/** The last byte of sockaddr_un.sun_path is for the terminating NUL. */
const MAX_PATH_BYTES = SUN_PATH_BYTES - 1;
/** systemd's NOTIFY_BUFFER_MAX; a longer datagram is dropped, as systemd drops it. */
const MAX_DATAGRAM_BYTES = 4096;

export interface UnixDatagramReceiver {
  /** Stops receiving, closes the socket and removes its file. Idempotent. */
  close(): void;
}

/**
 * Binds a datagram socket at `path` (removing a stale socket file left there) and calls
 * `onDatagram` with a copy of each datagram. `onDatagram` must not throw.
 */
export async function receiveUnixDatagrams(path: string, onDatagram: (datagram: Buffer) => void): Promise<UnixDatagramReceiver> {
  if (process.platform !== 'linux') throw new Error('unix datagram sockets are supported on Linux only');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw new Error(`socket path is longer than ${MAX_PATH_BYTES} bytes: ${path}`);
  const c = await loadLibc();
  removeStaleSocket(path);

  const fd = c.datagramSocket();
  if (fd < 0) throw systemError('socket', path, c.errno());
  if (c.bindPath(fd, path) < 0) {
    const errno = c.errno();
    c.close(fd);
    throw systemError('bind', path, errno);
  }
  const bound = lstatSync(path);

  let closed = false;
  const buffer = Buffer.alloc(MAX_DATAGRAM_BYTES);
  const drain = (): void => {
    // uv_poll is level-triggered: read until the queue is empty (EAGAIN).
    while (!closed) {
      // MSG_TRUNC makes recv return the datagram's real length, so an oversized one is recognised.
      const length = c.recv(fd, buffer, buffer.length, MSG_DONTWAIT | MSG_TRUNC);
      if (length < 0) {
        const errno = c.errno();
        // Anything but "nothing more to read" would fire again at once: stop watching rather than spin.
        if (errno !== c.errnoCodes.EAGAIN && errno !== c.errnoCodes.EINTR) poll.stop();
        return;
      }
      if (length <= buffer.length) onDatagram(Buffer.from(buffer.subarray(0, length)));
    }
  };
  // Which events woke it is not needed: recv() tells the same.
  const poll = c.poll(fd, { readable: true }, drain);
  // Like the health timers, a notify socket alone must not keep pilotfish alive.
  poll.unref();

  return {
    close() {
      if (closed) return;
      closed = true;
      // The poll handle must let go of the descriptor before it is closed (libuv's rule).
      poll.close();
      c.close(fd);
      removeOwnSocket(path, bound);
    },
  };
}

function removeStaleSocket(path: string): void {
  const existing = lstatSync(path, { throwIfNoEntry: false });
  if (!existing) return;
  if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket; not replacing it`);
  unlinkSync(path);
}

/** Removes the socket file only if it is still ours: a new socket may have been bound there since. */
function removeOwnSocket(path: string, bound: Stats): void {
  const current = lstatSync(path, { throwIfNoEntry: false });
  if (current?.ino !== bound.ino || current.dev !== bound.dev) return;
  try {
    unlinkSync(path);
  } catch {
    // Removed by someone else in the meantime: nothing left to clean.
  }
}

function systemError(call: string, path: string, errno: number): NodeJS.ErrnoException {
  const code = systemErrorName(-errno);
  return Object.assign(new Error(`${call} ${path}: ${code}`), { code, errno: -errno, syscall: call, path });
}
