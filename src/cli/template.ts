import { writeFileSync } from 'node:fs';
import { renderConfigFile } from '../config/load.js';
import { EXIT_USAGE } from './exit-codes.js';
import { configPathOrExit, exitInvalid } from './load.js';

export function templateCommand(configFlag: string | undefined, out: string | undefined): void {
  const path = configPathOrExit(configFlag);
  let rendered: string;
  try {
    rendered = renderConfigFile(path, process.env);
  } catch (error) {
    exitInvalid(error);
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
