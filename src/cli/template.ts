import { writeFileSync } from 'node:fs';
import { resolveConfigPath } from '../config/find.js';
import { renderConfigFile } from '../config/load.js';
import { exitInvalid } from './load.js';

export function templateCommand(configFlag: string | undefined, out: string | undefined): void {
  const path = resolveConfigPath(configFlag, process.env);
  let rendered: string;
  try {
    rendered = renderConfigFile(path, process.env);
  } catch (error) {
    exitInvalid(error);
  }
  if (out) writeFileSync(out, rendered);
  else process.stdout.write(rendered);
}
