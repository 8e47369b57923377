// Files the config or the environment names (a CA bundle, a token, a key) are read only when they
// are regular files of bounded size, and never by an open or a read that waits.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRegularFile, readRegularFileAsync } from '../../src/util/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pilotfish-regular-file-'));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const plain = join(dir, 'ca.pem');
writeFileSync(plain, 'CERTIFICATE\n');

describe('readRegularFile', () => {
  it('reads a regular file', async () => {
    assert.equal(readRegularFile(plain), 'CERTIFICATE\n');
    assert.equal(await readRegularFileAsync(plain), 'CERTIFICATE\n');
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    assert.throws(() => readRegularFile(fifo), { message: `cannot read ${fifo}: it is a FIFO, not a regular file`, reason: 'it is a FIFO, not a regular file' });
    await assert.rejects(readRegularFileAsync(fifo), { message: `cannot read ${fifo}: it is a FIFO, not a regular file` });
  });

  it('refuses devices and directories without reading them', async () => {
    assert.throws(() => readRegularFile('/dev/zero'), { reason: 'it is a character device, not a regular file' });
    await assert.rejects(readRegularFileAsync('/dev/zero'), { reason: 'it is a character device, not a regular file' });
    const sub = join(dir, 'certs');
    mkdirSync(sub);
    assert.throws(() => readRegularFile(sub), { reason: 'it is a directory, not a regular file' });
  });

  it('refuses a file over the limit', async () => {
    const large = join(dir, 'large');
    writeFileSync(large, 'x'.repeat(2048));
    assert.throws(() => readRegularFile(large, 1024), { reason: 'it is larger than the limit of 1024 bytes' });
    await assert.rejects(readRegularFileAsync(large, 1024), { reason: 'it is larger than the limit of 1024 bytes' });
    assert.equal(readRegularFile(large, 2048).length, 2048);
  });

  it('says why a missing file cannot be read', () => {
    assert.throws(() => readRegularFile(join(dir, 'missing')), { reason: /^ENOENT: no such file or directory/ });
  });

  it('leaves libuv\'s thread pool free however often a FIFO is asked for', async () => {
    // fs.promises.readFile of a FIFO holds a pool thread until a writer comes: four such reads
    // (the pool's size) left no thread for files or getaddrinfo.
    const reads = Array.from({ length: 8 }, () => readRegularFileAsync(fifo).catch(() => 'refused'));
    assert.deepEqual(await Promise.all(reads), Array(8).fill('refused'));
    const started = performance.now();
    assert.equal(await readFile(plain, 'utf8'), 'CERTIFICATE\n');
    assert.ok(performance.now() - started < 1000);
  });
});
