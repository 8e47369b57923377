import { pilotfishVersion } from '../util/version.js';

export function versionCommand(): void {
  process.stdout.write(`pilotfish ${pilotfishVersion()}\n`);
}
