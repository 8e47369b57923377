import { readFileSync } from 'node:fs';

/** Read from package.json at run time, so a release needs no generated file. */
export function pilotfishVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
