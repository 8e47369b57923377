// Joyent's ContainerPilot 3.8.0, built by test/peers/build.sh, on the same config as pilotfish
// (pilotfish runs ContainerPilot v3 configs unchanged). Its health checks are exec-only, so it
// takes no part in the HTTP-check scenarios.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goPeer } from './installed.js';
import { pilotfishConfig } from './pilotfish.js';
import type { Supervisor } from './types.js';

const peer = goPeer('containerpilot');

export const containerpilot: Supervisor = {
  name: 'containerpilot',
  capabilities: new Set(['jobs', 'restart', 'consul-watches']),
  locate: () => peer.availability,
  prepare(workload, dir) {
    // ContainerPilot 3 wants a Consul address even when no job registers with it.
    return this.prepareConfig!({ consul: '127.0.0.1:8500', ...pilotfishConfig(workload, false) }, dir);
  },
  prepareConfig(config, dir) {
    const file = join(dir, 'containerpilot.json5');
    writeFileSync(file, JSON.stringify(config));
    return { command: peer.binary, args: ['-config', file] };
  },
};
