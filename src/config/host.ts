// Checks of the config against the machine it is validated on, so that `validate` refuses what
// `run` could not do: today only the log output, which is opened before anything starts.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DocumentIssue } from './errors.js';
import type { Config } from './types.js';

export function hostIssues(config: Config): DocumentIssue[] {
  const problem = logOutputProblem(config.logging.output);
  return problem === undefined ? [] : [{ path: ['logging', 'output'], message: problem }];
}

/** Why the log output could not be opened for appending, checked without creating anything. */
function logOutputProblem(output: string): string | undefined {
  if (output === 'stdout' || output === 'stderr' || output === '') return undefined;
  const path = resolve(output);
  try {
    if (statSync(path).isDirectory()) return `${output} is a directory; expected a file to append the log to`;
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write to ${output}: ${(error as Error).message}`;
  }
  const directory = dirname(path);
  try {
    if (!statSync(directory).isDirectory()) return `cannot create ${output}: ${directory} is not a directory`;
    accessSync(directory, constants.W_OK);
    return undefined;
  } catch (error) {
    return `cannot create ${output}: ${(error as Error).message}`;
  }
}
