import { readFileSync } from 'node:fs';

let version: string | undefined;

/** Read from package.json at run time, once, so a release needs no generated file. */
export function pilotfishVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
