// Why a program could not start, in words. execve's ENOENT alone cannot tell a missing program
// from a missing working directory, a missing #! interpreter (or one whose name ends in the
// carriage return of Windows line endings) or a missing dynamic loader (a glibc binary on Alpine).
// Runs only once a spawn has failed: a few stats and small reads of regular files, each opened
// non-blocking and checked on its descriptor, so a path swapped for a FIFO cannot hang PID 1.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** What is read of a program to find its #! line or its ELF headers. */
const HEAD_BYTES = 4096;
const PT_INTERP = 3;
/** The search path execvp (and libuv) use when the environment has no PATH. */
const DEFAULT_PATH = '/usr/bin:/bin';

export function explainSpawnError(error: NodeJS.ErrnoException, file: string, options: { cwd?: string; env?: NodeJS.ProcessEnv }): string {
  if (error.code !== 'ENOENT') return error.message;
  const cwd = options.cwd ?? process.cwd();
  if (!isDirectory(cwd)) return `${error.message}: the working directory ${cwd} does not exist`;
  const searchPath = options.env?.PATH ?? DEFAULT_PATH;
  const path = file.includes('/') ? resolve(cwd, file) : findInPath(file, searchPath, cwd);
  if (path === undefined) return `${error.message}: no ${file} in PATH (${searchPath})`;
  const program = inspectProgram(path);
  if (program !== undefined) return `${error.message}: ${path} exists, but ${whatIsMissing(program, 1)}`;
  return isAbsolute(file) ? `${error.message}: no ${file}` : `${error.message}: no ${path} (${file} is relative to the working directory, ${cwd})`;
}

/** As execvp searches: each entry of PATH in turn, an empty one meaning the working directory. */
function findInPath(file: string, searchPath: string, cwd: string): string | undefined {
  return searchPath
    .split(':')
    .map((dir) => resolve(cwd, dir, file))
    .find(isRegularFile);
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** What the kernel reads of a program to start it: the #! line of a script, or the loader an ELF binary names. */
interface Program {
  shebang?: string;
  loader?: string;
}

/** A regular file's #! line or ELF loader; undefined for a missing path or anything but a regular file. */
function inspectProgram(path: string): Program | undefined {
  // Checked before the open (opening a device can act on it) and again on the descriptor (the path may change in between).
  if (!isRegularFile(path)) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    // Exists but unreadable (execution needs no read permission): nothing more to say.
    return (error as NodeJS.ErrnoException).code === 'EACCES' ? {} : undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const descriptor = fd;
    const read = (offset: number, length: number) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, HEAD_BYTES)));
      return buffer.subarray(0, readSync(descriptor, buffer, 0, buffer.length, offset));
    };
    const head = read(0, HEAD_BYTES);
    if (head.subarray(0, 2).toString('latin1') === '#!') return { shebang: head.subarray(2).toString('utf8').split('\n')[0] ?? '' };
    return { loader: elfInterpreter(head, read) };
  } catch {
    return {};
  } finally {
    closeSync(fd);
  }
}

/** The end of "PATH exists, but …": what the kernel looked for and did not find, following a #! interpreter that exists into its own. */
function whatIsMissing(program: Program, depth: number): string {
  if (program.shebang !== undefined) {
    // The kernel splits the line at spaces and tabs only: a carriage return is part of the name.
    const interpreter = program.shebang.replace(/^[ \t]+/, '').split(/[ \t]+/)[0] ?? '';
    const inner = inspectProgram(interpreter);
    if (interpreter.endsWith('\r') && inner === undefined && inspectProgram(interpreter.slice(0, -1)) !== undefined) {
      return "its #! line ends in a carriage return (Windows line endings), which the kernel takes as part of the interpreter's name: convert the file to Unix line endings";
    }
    if (inner === undefined || depth >= MAX_DEPTH) return `the interpreter on its #! line, ${printable(interpreter)}, does not`;
    return `the interpreter on its #! line, ${printable(interpreter)}, cannot start: it exists, but ${whatIsMissing(inner, depth + 1)}`;
  }
  if (program.loader) {
    return `the dynamic loader it was built for, ${printable(program.loader)}, does not (a binary built for glibc on a musl image such as Alpine, or the reverse, or for another architecture)`;
  }
  return 'the interpreter or dynamic loader it names does not';
}

/** How deep #! interpreters are followed (the kernel itself follows a few). */
const MAX_DEPTH = 3;

function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The PT_INTERP path of an ELF executable (its dynamic loader), or undefined if it has none or is not ELF. */
function elfInterpreter(head: Buffer, read: (offset: number, length: number) => Buffer): string | undefined {
  if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = head[4] === 2;
  const little = head[5] === 1;
  const u16 = (at: number) => (little ? head.readUInt16LE(at) : head.readUInt16BE(at));
  const u32 = (at: number) => (little ? head.readUInt32LE(at) : head.readUInt32BE(at));
  const word = (at: number) => (is64 ? Number(little ? head.readBigUInt64LE(at) : head.readBigUInt64BE(at)) : u32(at));
  const tableAt = word(is64 ? 0x20 : 0x1c);
  const entrySize = u16(is64 ? 0x36 : 0x2a);
  const entries = u16(is64 ? 0x38 : 0x2c);
  for (let index = 0; index < entries; index += 1) {
    const at = tableAt + index * entrySize;
    // The program headers follow the ELF header in every linker's output; past the head, give up.
    if (at + (is64 ? 0x28 : 0x18) > head.length) return undefined;
    if (u32(at) !== PT_INTERP) continue;
    const name = read(word(at + (is64 ? 0x08 : 0x04)), word(at + (is64 ? 0x20 : 0x10)));
    return name.toString('latin1').replace(/\0[^]*$/, '');
  }
  return undefined;
}
