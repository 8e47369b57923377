// The libc calls Node does not offer, through koffi: waiting on orphans (the reaper), unix datagram
// sockets (NOTIFY_SOCKET, both ours and the one a service manager gives us) and a socket's peer
// credentials. koffi is loaded on first use only, once for all of them: commands that run no jobs
// never pay for the FFI. `koffi.load(null)` opens the symbols already linked into node, libc
// among them, whichever libc it is (glibc, musl): no file name needed.
//
// Linux only: the constants below are Linux's generic ABI (x86-64 and arm64 alike).
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi').default;
type PollHandle = ReturnType<Koffi['node']['poll']>;

export const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const PR_SET_CHILD_SUBREAPER = 36;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
/** sockaddr_un.sun_path's size, the terminating NUL included. */
export const SUN_PATH_BYTES = 108;

export interface Libc {
  /** The errno the last call through koffi left (positive, as in C). */
  errno(): number;
  /** errno values by name (EAGAIN, EINTR…). */
  readonly errnoCodes: Readonly<Record<string, number>>;
  /** Watches a descriptor on Node's own event loop (a uv_poll handle). */
  poll(fd: number, events: { readable: boolean }, onEvent: () => void): PollHandle;
  waitpid(pid: number, status: [number], options: number): number;
  waitid(idtype: number, id: number, info: Buffer, options: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER): 0, or -1 with errno set. */
  setChildSubreaper(on: boolean): number;
  /** A non-blocking, close-on-exec unix datagram socket: its descriptor, or -1 with errno set. */
  datagramSocket(): number;
  /** bind() to a filesystem path of at most SUN_PATH_BYTES - 1 bytes. */
  bindPath(fd: number, path: string): number;
  recv(fd: number, buffer: Buffer, length: number, flags: number): number;
  /** sendto() an address already encoded as a sockaddr_un. */
  sendto(fd: number, data: Buffer, length: number, flags: number, address: Buffer): number;
  close(fd: number): number;
  /** The uid of the process at the other end of a connected unix socket, or undefined. */
  peerUid(fd: number): number | undefined;
}

let loading: Promise<Libc> | undefined;

/** libc's functions; rejects where koffi cannot be loaded (its native part missing or not loadable). */
export function loadLibc(): Promise<Libc> {
  // Required, not import()ed: an ES module importing a CommonJS one routes that module's own
  // require()s of Node's built-ins through ES module facades, which from Node 24 on read every
  // export (node:util's lazy ones load worker_threads and more: ~MiB in every pilotfish).
  loading ??= Promise.resolve().then(() => bind(createRequire(import.meta.url)('koffi') as Koffi));
  return loading;
}

function bind(koffi: Koffi): Libc {
  const linked = koffi.load(null);
  const waitpid = linked.func('int waitpid(int pid, _Out_ int *status, int options)');
  const waitid = linked.func('int waitid(int idtype, int id, _Out_ void *info, int options)');
  const prctl = linked.func('int prctl(int option, ...)');
  const socket = linked.func('int socket(int domain, int type, int protocol)');
  // Anonymous struct: a named koffi type is global and could clash with another module's.
  const sockaddrUn = koffi.struct({ sun_family: 'uint16', sun_path: koffi.array('char', SUN_PATH_BYTES, 'String') });
  const sockaddrLength = koffi.sizeof(sockaddrUn);
  const bindUnix = linked.func('bind', 'int', ['int', koffi.pointer(sockaddrUn), 'uint32']);
  const recv = linked.func('intptr_t recv(int fd, void *buf, size_t len, int flags)');
  const sendto = linked.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)');
  const close = linked.func('int close(int fd)');
  const getsockopt = linked.func('int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *length)');
  const ulong = 'unsigned long';
  return {
    errno: () => koffi.errno(),
    errnoCodes: koffi.os.errno,
    poll: (fd, events, onEvent) => koffi.node.poll(fd, events, () => onEvent()),
    waitpid: (pid, status, options) => waitpid(pid, status, options) as number,
    waitid: (idtype, id, info, options) => waitid(idtype, id, info, options) as number,
    setChildSubreaper: (on) => prctl(PR_SET_CHILD_SUBREAPER, ulong, on ? 1 : 0, ulong, 0, ulong, 0, ulong, 0) as number,
    datagramSocket: () => socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number,
    bindPath: (fd, path) => bindUnix(fd, { sun_family: AF_UNIX, sun_path: path }, sockaddrLength) as number,
    // ssize_t comes back as a bigint on some platforms.
    recv: (fd, buffer, length, flags) => Number(recv(fd, buffer, length, flags)),
    sendto: (fd, data, length, flags, address) => Number(sendto(fd, data, length, flags, address, address.length)),
    close: (fd) => close(fd) as number,
    peerUid(fd) {
      // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
      const credentials = Buffer.alloc(12);
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, credentials, [credentials.length]) !== 0) return undefined;
      return credentials.readUInt32LE(4);
    },
  };
}
