// Where the control socket is, and whether it can be trusted. `$PILOTFISH_SOCKET` overrides the
// config's `control.socket` for the supervisor and the CLI alike, so an image can set it once
// (ENV) and `pilotfish status` finds the socket without reading the config.
//
// The socket carries secrets (`env set`) and commands, so in a directory other users can write,
// one of them could bind the path first, or replace the socket later, and receive what the CLI
// sends. So the supervisor binds only where no other user can replace its socket, and the CLI
// talks only to a socket owned, and served, by root or by the user running it.
//
// ContainerPilot's default path is in /var/run, which a non-root user (an image's `USER`) cannot
// write. Such a user's default is then a per-user runtime path, found by the supervisor and the
// CLI alike: `$XDG_RUNTIME_DIR/pilotfish.socket` when that directory is the user's own, else
// `/tmp/pilotfish-<uid>/pilotfish.socket` in a 0700 directory the supervisor creates.
import { accessSync, constants, lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_CONTROL_SOCKET } from '../config/build.js';
import { loadLibc } from '../process/libc.js';

const SOCKET_ENV = 'PILOTFISH_SOCKET';
const STICKY = 0o1000;
const WRITABLE_BY_OTHERS = 0o022;

/** `$PILOTFISH_SOCKET`, or undefined when it is unset or empty. */
export function socketOverride(env: Record<string, string | undefined>): string | undefined {
  const override = env[SOCKET_ENV];
  return override === undefined || override === '' ? undefined : override;
}

/**
 * The socket the supervisor binds and the CLI calls: `$PILOTFISH_SOCKET`, else the configured
 * path, except that ContainerPilot's default (configured or left implicit: the config cannot tell
 * them apart) becomes the per-user one where this user cannot create it.
 */
export function controlSocketPath(configured: string, env: Record<string, string | undefined>): string {
  return socketOverride(env) ?? (configured === DEFAULT_CONTROL_SOCKET ? defaultControlSocket(env) : configured);
}

function defaultControlSocket(env: Record<string, string | undefined>): string {
  if (canCreateIn(dirname(DEFAULT_CONTROL_SOCKET))) return DEFAULT_CONTROL_SOCKET;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && isAbsolute(runtime) && isOwnDirectory(runtime)) return join(runtime, 'pilotfish.socket');
  return join(privateTmpDirectory(), 'pilotfish.socket');
}

function canCreateIn(directory: string): boolean {
  try {
    accessSync(directory, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isOwnDirectory(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isDirectory() && stat.uid === process.geteuid?.();
  } catch {
    return false;
  }
}

/** The per-user fallback directory under /tmp (fixed, not $TMPDIR: the CLI must find it too). */
export function privateTmpDirectory(): string {
  return `/tmp/pilotfish-${process.geteuid?.() ?? 'user'}`;
}

/**
 * Creates `directory` 0700, or accepts it when it already is a directory of ours: in /tmp, another
 * user may have created it first to serve our clients, and we must not bind inside theirs.
 */
export function ensurePrivateDirectory(directory: string): void {
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(directory);
  if (!stat.isDirectory()) throw new Error(`refusing to use ${directory}: it exists and is not a directory`);
  if (stat.uid !== process.geteuid?.()) throw new Error(`refusing to use ${directory}: it belongs to uid ${stat.uid}, not to uid ${process.geteuid?.()}, so another user could serve our clients there`);
}

/** Root, or the user this process runs as: the only owners a control socket may have. */
export function isTrustedUid(uid: number): boolean {
  return uid === 0 || uid === process.geteuid?.();
}

/**
 * Why another user could replace a socket at `path`, or undefined when none can: every directory
 * from its parent up must belong to root or to us and, if others may write it, be sticky (/tmp),
 * where nobody can remove or rename another's file.
 */
export function unsafeSocketDirectory(path: string): string | undefined {
  let directory = realpathSync(dirname(resolve(path)));
  for (;;) {
    const { uid, mode } = statSync(directory);
    if (!isTrustedUid(uid)) return `${directory} belongs to uid ${uid}`;
    if ((mode & WRITABLE_BY_OTHERS) !== 0 && (mode & STICKY) === 0) return `${directory} is writable by other users and not sticky`;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/** Why the file at `path` is not a socket we may use, or undefined when it is one (root's or ours). */
export function untrustedSocketFile(path: string): string | undefined {
  const stat = lstatSync(path);
  if (!stat.isSocket()) return `${path} is not a socket`;
  return isTrustedUid(stat.uid) ? undefined : `${path} belongs to uid ${stat.uid}, not to root or to uid ${process.geteuid?.()}`;
}

/**
 * The uid of the process serving a connected unix socket (SO_PEERCRED), or undefined where it
 * cannot be asked (no koffi, not Linux): it closes the gap between checking the file and connecting.
 */
export async function peerUid(socket: Socket): Promise<number | undefined> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0 || process.platform !== 'linux') return undefined;
  try {
    return (await loadLibc()).peerUid(fd);
  } catch {
    return undefined;
  }
}
