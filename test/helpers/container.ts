// Running pilotfish and its CLI as a container runs them: as the unprivileged user `nobody` (an
// image's `USER`), with a container's environment rather than this machine's (no
// $PILOTFISH_SOCKET, no $XDG_RUNTIME_DIR unless a test sets it), optionally with a /tmp of the
// test's own, and in a network namespace whose only address besides loopback is the container's.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NOBODY = 65534;

/** Runs `command` as nobody; with `tmp`, in a mount namespace where `tmp` is /tmp. */
export function asNobody(command: string[], tmp?: string): string[] {
  const setpriv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...command];
  // The mount is root's to make, so it comes before setpriv; "$0" is `tmp`, "$@" the command.
  return tmp === undefined ? setpriv : ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /tmp && exec "$@"', tmp, ...setpriv];
}

/** A directory to stand in for /tmp (sticky and open to all, as /tmp is), holding `files` in `app/`. */
export function privateTmp(files: Record<string, string> = {}): { tmp: string; app: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'pilotfish-tmp-'));
  chmodSync(tmp, 0o1777);
  const app = join(tmp, 'app');
  mkdirSync(app, { mode: 0o755 });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text, { mode: 0o644 });
  return { tmp, app };
}

/**
 * A container's environment: PATH (to find `node`) and `extra`, every other variable of this
 * machine's unset (runPilotfish starts from this process's environment; spawn skips undefined).
 */
export function containerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const unset = Object.fromEntries(Object.keys(process.env).map((name) => [name, undefined]));
  // runPilotfish also gives each run a socket of its own, which these runs must find themselves.
  return { ...unset, PILOTFISH_SOCKET: undefined, PATH: process.env.PATH, HOME: '/nonexistent', ...extra };
}

/** The container's address in the network namespace of `inNetworkNamespace`. */
export const CONTAINER_ADDRESS = '10.200.0.1';

/** Runs `command` in a new network namespace with loopback up and `CONTAINER_ADDRESS` on eth0. */
export function inNetworkNamespace(command: string[]): string[] {
  // A veth pair, both ends inside: the dummy interface type needs a kernel module not every host has.
  const setup = `ip link set lo up && ip link add eth0 type veth peer name eth1 && ip addr add ${CONTAINER_ADDRESS}/24 dev eth0 && ip link set eth1 up && ip link set eth0 up`;
  return ['unshare', '--net', 'sh', '-c', `${setup} && exec "$@"`, 'sh', ...command];
}

/** GETs `url` from inside the network namespace of process `pid`; the body, or the error's words. */
export function fetchInNamespaceOf(pid: number, url: string): string {
  const script = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => process.stdout.write(String(e.cause?.code ?? e)))`;
  return execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
}
