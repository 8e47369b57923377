// What execve(2) accepts, checked before a job is ever spawned: an environment entry or argument
// the kernel refuses makes every start of the job fail (spawn reports E2BIG, or exit 127 after a
// NUL byte), long after the config or `env set` was accepted.
import { Buffer } from 'node:buffer';

/** Linux's MAX_ARG_STRLEN: the longest single argument or `NAME=value` entry, with its NUL. */
export const MAX_ARG_STRLEN = 131_072;
/** Linux's ARG_MAX with the usual 8 MiB stack: all arguments and environment entries together. */
export const MAX_ARG_TOTAL = 2 * 1024 * 1024;

/**
 * All the variables `env set` (ContainerPilot's putenv) may add together: half of ARG_MAX, the
 * other half left to pilotfish's own environment, the job's `env` and its command line. Without a
 * bound, 40 variables of 60 KB made every later spawn fail with E2BIG, and thousands made PID 1
 * copy a 120 MB environment into each.
 */
export const MAX_ENV_SET_BYTES = MAX_ARG_TOTAL / 2;

/** Why `name` cannot be an environment variable name, or undefined when it can. */
export function environmentNameProblem(name: string): string | undefined {
  if (name === '') return 'a variable name must not be empty';
  if (name.includes('\0')) return 'a variable name must not contain a NUL byte';
  if (name.includes('=')) return 'a variable name must not contain "="';
  return undefined;
}

/** Why `NAME=value` cannot be passed to a process; the value itself is never quoted (it may be a secret). */
export function environmentValueProblem(name: string, value: string): string | undefined {
  if (value.includes('\0')) return `the value of ${name} must not contain a NUL byte`;
  const bytes = entryBytes(`${name}=${value}`);
  if (bytes > MAX_ARG_STRLEN) return `${name}=… is ${bytes} bytes, over the kernel's limit of ${MAX_ARG_STRLEN} per variable`;
  return undefined;
}

/** Why `argument` cannot be part of a command line, or undefined when it can. */
export function argumentProblem(argument: string): string | undefined {
  if (argument.includes('\0')) return 'an argument must not contain a NUL byte';
  const bytes = entryBytes(argument);
  if (bytes > MAX_ARG_STRLEN) return `an argument is ${bytes} bytes, over the kernel's limit of ${MAX_ARG_STRLEN} per argument`;
  return undefined;
}

/** The bytes an execve string takes: UTF-8 and its terminating NUL. */
export function entryBytes(text: string): number {
  return Buffer.byteLength(text) + 1;
}

/** An execve string and the pointer to it, as the kernel counts them against ARG_MAX. */
export function execveBytes(text: string): number {
  return entryBytes(text) + 8;
}

/** What `NAME=value` entries take of ARG_MAX together. */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  return Object.entries(variables).reduce((total, [name, value]) => total + execveBytes(`${name}=${value}`), 0);
}
