import { readFileSync, writeFileSync } from 'node:fs';
import { renderTemplate } from '../config/template.js';
import { EXIT_USAGE } from './exit-codes.js';
import { EXIT_CONFIG_INVALID, configPathOrExit, describeLoadError } from './load.js';

export function templateCommand(configFlag: string | undefined, out: string | undefined): void {
  const path = configPathOrExit(configFlag);
  let rendered: string;
  try {
    rendered = renderTemplate(readFileSync(path, 'utf8'), process.env);
  } catch (error) {
    process.stderr.write(`${path}: ${describeLoadError(error)}\n`);
    process.exit(EXIT_CONFIG_INVALID);
  }
  if (!out) {
    process.stdout.write(rendered);
    return;
  }
  try {
    writeFileSync(out, rendered);
  } catch (error) {
    // A bad --out is the command line's mistake, reported as one.
    process.stderr.write(`pilotfish template: cannot write --out ${out}: ${(error as Error).message}\n`);
    process.exit(EXIT_USAGE);
  }
}
