import { readFileSync, writeFileSync } from 'node:fs';
import { renderTemplate } from '../config/template.js';
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
  if (out) writeFileSync(out, rendered);
  else process.stdout.write(rendered);
}
