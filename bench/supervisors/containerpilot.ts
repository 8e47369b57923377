// Joyent's ContainerPilot 3.8.0 on the same config as pilotfish (pilotfish runs ContainerPilot v3
// configs unchanged). Its health checks are exec-only, so it takes no part in the HTTP-check
// scenarios. The Go module proxy refuses its module path, so test/peers/build.sh cannot build it;
// it is found, in this order, at $PILOTFISH_CONTAINERPILOT (a binary), through its build kit
// ($PILOTFISH_CONTAINERPILOT_KIT, default ../shared/peers/containerpilot beside the repository:
// its build.sh builds once, then prints the cached binary's path), or in the peers' cache.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstLineOf, goPeer, REPO_ROOT } from './installed.js';
import { pilotfishConfig } from './pilotfish.js';
import type { Availability, Supervisor } from './types.js';

/** A Go build takes minutes on 2 cores; a kit that takes longer is reported as failing. */
const KIT_BUILD_TIMEOUT_MS = 20 * 60_000;

let located: { binary?: string; availability: Availability } | undefined;

export function locateContainerPilot(env: NodeJS.ProcessEnv = process.env): { binary?: string; availability: Availability } {
  const fromEnv = env.PILOTFISH_CONTAINERPILOT;
  if (fromEnv) return existsSync(fromEnv) ? runnable(fromEnv) : { availability: { available: false, reason: `PILOTFISH_CONTAINERPILOT=${fromEnv} does not exist` } };
  const kit = env.PILOTFISH_CONTAINERPILOT_KIT ?? join(REPO_ROOT, '../shared/peers/containerpilot');
  const buildScript = join(kit, 'build.sh');
  if (existsSync(buildScript)) {
    try {
      const output = execFileSync('bash', [buildScript], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: KIT_BUILD_TIMEOUT_MS });
      return runnable(output.trim().split('\n').at(-1) ?? '');
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').at(-1);
      return { availability: { available: false, reason: `${buildScript} failed: ${stderr || (error as Error).message}` } };
    }
  }
  const cached = goPeer('containerpilot');
  if (cached.availability.available) return runnable(cached.binary);
  return {
    availability: {
      available: false,
      reason:
        'not found: the Go module proxy refuses its module path, so test/peers/build.sh cannot build it; set PILOTFISH_CONTAINERPILOT to a ContainerPilot 3.8.0 binary, or PILOTFISH_CONTAINERPILOT_KIT to the directory of its build kit',
    },
  };
}

/** `containerpilot -version` prints `Version: 3.8.0` then the commit. */
function runnable(binary: string): { binary?: string; availability: Availability } {
  const version = firstLineOf(binary, ['-version'])?.replace(/^Version:\s*/, '');
  return version ? { binary, availability: { available: true, version } } : { availability: { available: false, reason: `${binary} -version does not run` } };
}

function containerPilot(): { binary?: string; availability: Availability } {
  located ??= locateContainerPilot();
  return located;
}

export const containerpilot: Supervisor = {
  name: 'containerpilot',
  capabilities: new Set(['jobs', 'restart', 'consul-watches']),
  note: 'defaults: restarts at once, no backoff; needs a `consul` address even when nothing registers (an unused 127.0.0.1:8500)',
  locate: () => containerPilot().availability,
  prepare(workload, dir) {
    // ContainerPilot 3 wants a Consul address even when no job registers with it.
    return this.prepareConfig!({ consul: '127.0.0.1:8500', ...pilotfishConfig(workload, false) }, dir);
  },
  prepareConfig(config, dir) {
    const { binary } = containerPilot();
    // The harness prepares only supervisors whose locate() said available.
    if (!binary) throw new Error('containerpilot is not available');
    const file = join(dir, 'containerpilot.json5');
    writeFileSync(file, JSON.stringify(config));
    return { command: binary, args: ['-config', file] };
  },
};
