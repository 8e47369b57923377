// Reading the config: special files are refused instead of hanging (a FIFO with no writer) or
// reading without end (/dev/zero), and the size is capped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { MAX_CONFIG_BYTES, readConfigFile } from '../../src/config/read.js';

// A hang detector only: reading a config takes milliseconds.
const HANG = { timeout: 10_000 };

function readError(file: string): string {
  try {
    readConfigFile(file);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  return assert.fail(`${file} was read`);
}

describe('reading the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-read-'));

  it('refuses a FIFO without waiting for a writer', HANG, () => {
    const fifo = join(dir, 'fifo.json5');
    execFileSync('mkfifo', [fifo]);
    assert.equal(readError(fifo), `${fifo}: cannot read the config file: it is a FIFO, not a regular file`);
  });

  it('refuses devices and directories', HANG, () => {
    assert.equal(readError('/dev/zero'), '/dev/zero: cannot read the config file: it is a character device, not a regular file');
    assert.equal(readError(dir), `${dir}: cannot read the config file: it is a directory, not a regular file`);
  });

  it('refuses a file over 1 MiB and reads one of exactly 1 MiB', HANG, () => {
    const large = join(dir, 'large.json5');
    writeFileSync(large, ' '.repeat(MAX_CONFIG_BYTES + 1));
    assert.equal(readError(large), `${large}: cannot read the config file: it is larger than the limit of 1048576 bytes (1 MiB)`);
    writeFileSync(large, ' '.repeat(MAX_CONFIG_BYTES));
    assert.equal(readConfigFile(large).length, MAX_CONFIG_BYTES);
  });

  it('names a missing file', () => {
    assert.match(readError(join(dir, 'missing.json5')), /missing\.json5: cannot read the config file: ENOENT/);
  });

  it('is what loadConfig reads with', HANG, () => {
    assert.throws(() => loadConfig('/dev/zero', {}), /^ConfigError: \/dev\/zero: cannot read the config file: it is a character device/);
  });
});
