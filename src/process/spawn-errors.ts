// Why a program could not start, in words. execve's ENOENT alone cannot tell a missing program
// from a missing working directory, a missing #! interpreter (or one whose name ends in the
// carriage return of Windows line endings) or a missing dynamic loader (a glibc binary on Alpine).
// Runs only once a spawn has failed: a few stats and at most two small reads.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** What is read of a program to find its #! line or its ELF headers. */
const HEAD_BYTES = 4096;
const PT_INTERP = 3;

export function explainSpawnError(error: NodeJS.ErrnoException, file: string, options: { cwd?: string; env?: NodeJS.ProcessEnv }): string {
  if (error.code !== 'ENOENT') return error.message;
  const cwd = options.cwd ?? process.cwd();
  if (!isFile(cwd, 'directory')) return `${error.message}: the working directory ${cwd} does not exist`;
  const searchPath = options.env?.PATH ?? '';
  const path = file.includes('/') ? resolve(cwd, file) : findInPath(file, searchPath, cwd);
  if (path === undefined) return `${error.message}: no ${file} in PATH (${searchPath})`;
  if (isFile(path, 'file')) return `${error.message}: ${path} exists, but ${whatIsMissing(path)}`;
  return isAbsolute(file) ? `${error.message}: no ${file}` : `${error.message}: no ${path} (${file} is relative to the working directory, ${cwd})`;
}

/** As execvp searches: each entry of PATH in turn, an empty one meaning the working directory. */
function findInPath(file: string, searchPath: string, cwd: string): string | undefined {
  return searchPath
    .split(':')
    .map((dir) => resolve(cwd, dir, file))
    .find((candidate) => isFile(candidate, 'file'));
}

function isFile(path: string, kind: 'file' | 'directory'): boolean {
  try {
    const stats = statSync(path);
    return kind === 'file' ? stats.isFile() : stats.isDirectory();
  } catch {
    return false;
  }
}

/** The end of "PATH exists, but …": what the kernel looked for and did not find. */
function whatIsMissing(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(HEAD_BYTES);
    const length = readSync(fd, head, 0, HEAD_BYTES, 0);
    if (head.subarray(0, 2).toString('latin1') === '#!') return shebangProblem(head.subarray(2, length).toString('utf8').split('\n')[0] ?? '');
    const loader = elfInterpreter(fd, head.subarray(0, length));
    if (loader !== undefined) {
      return `the dynamic loader it was built for, ${loader}, does not (a binary built for glibc on a musl image such as Alpine, or the reverse, or for another architecture)`;
    }
  } catch {
    // Unreadable (no read permission needed to execute): say what can be said.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return 'the interpreter or dynamic loader it names does not';
}

function shebangProblem(line: string): string {
  if (line.endsWith('\r')) return 'its #! line ends in a carriage return (Windows line endings), which the kernel takes as part of the interpreter\'s name: convert the file to Unix line endings';
  const interpreter = line.trim().split(/[ \t]+/)[0] ?? '';
  return `the interpreter on its #! line, ${interpreter}, does not`;
}

/** The PT_INTERP path of an ELF executable (its dynamic loader), or undefined if it has none or is not ELF. */
function elfInterpreter(fd: number, head: Buffer): string | undefined {
  if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = head[4] === 2;
  const little = head[5] === 1;
  const u16 = (buffer: Buffer, at: number) => (little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at));
  const word = (buffer: Buffer, at: number) =>
    is64 ? Number(little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at)) : little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
  const tableAt = word(head, is64 ? 0x20 : 0x1c);
  const entrySize = u16(head, is64 ? 0x36 : 0x2a);
  const entries = u16(head, is64 ? 0x38 : 0x2c);
  for (let index = 0; index < entries; index += 1) {
    const at = tableAt + index * entrySize;
    if (at + entrySize > head.length) return undefined;
    if ((little ? head.readUInt32LE(at) : head.readUInt32BE(at)) !== PT_INTERP) continue;
    const offset = word(head, at + (is64 ? 0x08 : 0x04));
    const size = Math.min(word(head, at + (is64 ? 0x20 : 0x10)), HEAD_BYTES);
    const name = Buffer.alloc(size);
    readSync(fd, name, 0, size, offset);
    return name.toString('latin1').replace(/\0.*$/s, '');
  }
  return undefined;
}
