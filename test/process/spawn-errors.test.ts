// Why a program could not start, as the job's log line says it: every case execve reports as
// ENOENT, told apart on real files, including the ones that must not hang or crash PID 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainSpawnError } from '../../src/process/spawn-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pilotfish-spawn-errors-'));
const enoent = (file: string) => Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' });
const explain = (file: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => explainSpawnError(enoent(file), file, { cwd: dir, env: { PATH: '/usr/bin:/bin' }, ...options });
const script = (name: string, text: string) => writeFileSync(join(dir, name), text, { mode: 0o755 });

/** /bin/true with its PT_INTERP naming another loader, as a binary built for musl looks on glibc. */
function muslBinary(name: string): string {
  const elf = readFileSync('/bin/true');
  const at = elf.indexOf('/lib64/ld-linux-x86-64.so.2\0');
  assert.ok(at > 0);
  elf.write('/lib/ld-musl-x86_64.so.1\0', at, 'latin1');
  writeFileSync(join(dir, name), elf, { mode: 0o755 });
  return join(dir, name);
}

/** A minimal 32-bit big-endian ELF header with one PT_INTERP program header. */
function elf32BigEndian(loader: string): Buffer {
  const buffer = Buffer.alloc(0x34 + 0x20 + loader.length + 1);
  buffer.writeUInt32BE(0x7f454c46, 0);
  buffer[4] = 1; // ELFCLASS32
  buffer[5] = 2; // ELFDATA2MSB
  buffer.writeUInt32BE(0x34, 0x1c); // e_phoff
  buffer.writeUInt16BE(0x20, 0x2a); // e_phentsize
  buffer.writeUInt16BE(1, 0x2c); // e_phnum
  buffer.writeUInt32BE(3, 0x34); // p_type PT_INTERP
  buffer.writeUInt32BE(0x54, 0x38); // p_offset
  buffer.writeUInt32BE(loader.length + 1, 0x44); // p_filesz
  buffer.write(loader, 0x54, 'latin1');
  return buffer;
}

test('a missing working directory, a program in no PATH directory, a relative path that is not there', () => {
  assert.equal(explain('true', { cwd: join(dir, 'gone') }), `spawn true ENOENT: the working directory ${dir}/gone does not exist`);
  assert.equal(explain('no-such-program', { env: { PATH: '/no/bin:/usr/bin' } }), 'spawn no-such-program ENOENT: no no-such-program in PATH (/no/bin:/usr/bin)');
  assert.equal(explain('no-such-program', { env: {} }), 'spawn no-such-program ENOENT: no no-such-program in PATH (/usr/bin:/bin)', "execvp's default path without PATH");
  assert.equal(explain('./nope.sh'), `spawn ./nope.sh ENOENT: no ${dir}/nope.sh (./nope.sh is relative to the working directory, ${dir})`);
});

test('a script whose #! interpreter is missing, or named with a Windows carriage return, found by path or in PATH', () => {
  script('missing.sh', '#!/no/such/shell -e\necho hi\n');
  script('crlf.sh', '#!/bin/sh\r\necho hi\r\n');
  script('crlf-missing.sh', '#!/no/such/shell\r\n');
  assert.equal(explain('./missing.sh'), `spawn ./missing.sh ENOENT: ${dir}/missing.sh exists, but the interpreter on its #! line, /no/such/shell, does not`);
  assert.equal(explain('missing.sh', { env: { PATH: `/no/bin:${dir}` } }), `spawn missing.sh ENOENT: ${dir}/missing.sh exists, but the interpreter on its #! line, /no/such/shell, does not`);
  assert.match(explain('./crlf.sh'), /exists, but its #! line ends in a carriage return \(Windows line endings\)/);
  assert.equal(explain('./crlf-missing.sh'), `spawn ./crlf-missing.sh ENOENT: ${dir}/crlf-missing.sh exists, but the interpreter on its #! line, /no/such/shell\\r, does not`);
});

test("an ELF binary's missing dynamic loader, directly or as a script's interpreter, in either byte order and word size", () => {
  const binary = muslBinary('musl-app');
  const loaderWords = 'the dynamic loader it was built for, /lib/ld-musl-x86_64.so.1, does not (a binary built for glibc on a musl image';
  assert.ok(explain('./musl-app').startsWith(`spawn ./musl-app ENOENT: ${binary} exists, but ${loaderWords}`));
  script('uses-musl.sh', `#!${binary}\n`);
  assert.ok(explain('./uses-musl.sh').startsWith(`spawn ./uses-musl.sh ENOENT: ${dir}/uses-musl.sh exists, but the interpreter on its #! line, ${binary}, cannot start: it exists, but ${loaderWords}`));
  writeFileSync(join(dir, 'mips-app'), elf32BigEndian('/lib/ld.so.1'), { mode: 0o755 });
  assert.match(explain('./mips-app'), /the dynamic loader it was built for, \/lib\/ld\.so\.1, does not/);
});

test('files that cannot be what they claim neither hang nor throw: a FIFO, a malformed ELF, a #! loop', () => {
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.equal(explain('./fifo'), `spawn ./fifo ENOENT: no ${dir}/fifo (./fifo is relative to the working directory, ${dir})`);
  const malformed = elf32BigEndian('/lib/ld.so.1');
  malformed.writeUInt16BE(0xffff, 0x2c); // e_phnum
  malformed.writeUInt32BE(0xfffffff0, 0x38); // p_offset past any file
  writeFileSync(join(dir, 'malformed'), malformed, { mode: 0o755 });
  assert.match(explain('./malformed'), /exists, but the interpreter or dynamic loader it names does not$/);
  script('loop.sh', `#!${dir}/loop.sh\n`);
  assert.match(explain('./loop.sh'), /cannot start: it exists, but the interpreter on its #! line, .*loop\.sh, cannot start: it exists, but the interpreter on its #! line, .*loop\.sh, does not$/);
});
