import { loadConfigOrExit } from './load.js';

/** Valid is exit 0 even with warnings: they name what `run` will warn of, as `run` would at start. */
export function validateCommand(configFlag: string | undefined): void {
  const { config, path } = loadConfigOrExit(configFlag);
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`${path}: valid (${config.jobs.length} job(s), ${config.watches.length} watch(es))\n`);
}
