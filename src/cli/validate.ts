import { loadConfigOrExit } from './load.js';

export function validateCommand(configFlag: string | undefined): void {
  const { config, path } = loadConfigOrExit(configFlag);
  process.stdout.write(`${path}: valid (${config.jobs.length} job(s), ${config.watches.length} watch(es))\n`);
}
