// Scenarios that need a real Consul or Kubernetes API server (built by test/peers/build.sh, as the
// tests use them) declare it; without the binary the report says which is missing and the run goes on.
import { goPeer } from '../supervisors/installed.js';
import type { Requirement } from './types.js';

export function peerRequirement(name: string): Requirement {
  return {
    name,
    missing() {
      const peer = goPeer(name).availability;
      return peer.available ? undefined : `${name}: ${peer.reason}`;
    },
  };
}
