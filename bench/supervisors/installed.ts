// Finding peers: Debian packages on the PATH, Go builds in the cache of test/peers/build.sh.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Availability } from './types.js';

/** The repository root (this file runs from dist/bench/supervisors/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The first line a command prints, or undefined when it cannot run. */
export function firstLineOf(command: string, args: string[]): string | undefined {
  try {
    const output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return output.trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

export function debianPackage(command: string, packageName: string): Availability {
  if (firstLineOf('sh', ['-c', `command -v ${command}`]) === undefined) {
    return { available: false, reason: `\`${command}\` not installed (Debian package \`${packageName}\`)` };
  }
  const version = firstLineOf('dpkg-query', ['-W', '-f=${Version}', packageName]);
  return { available: true, version: version ?? 'unknown' };
}

/** A peer built by `test/peers/build.sh NAME`: its path, or why it is missing. */
export function goPeer(name: string): { binary: string; availability: Availability } {
  const env = readFileSync(join(REPO_ROOT, 'test/peers', name, 'peer.env'), 'utf8');
  const version = /^VERSION=(.+)$/m.exec(env)?.[1] ?? 'unknown';
  const cache = process.env.PILOTFISH_PEERS_CACHE ?? join(homedir(), '.cache/pilotfish-peers');
  const binary = join(cache, 'bin', `${name}-${version}`);
  // A peer the module proxy refuses says why in its peer.env, so the report names the real cause.
  const buildFailure = /^BUILD_FAILURE="(.+)"$/m.exec(env)?.[1];
  const availability: Availability = existsSync(binary)
    ? { available: true, version }
    : { available: false, reason: buildFailure ?? `not built (\`test/peers/build.sh ${name}\` has not produced ${binary})` };
  return { binary, availability };
}
