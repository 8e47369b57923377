// koffi's native half inside the single executable (dist/pilotfish), standing in for the
// @koromix/koffi-<platform>-<arch> package koffi requires. The addon travels as a SEA asset; Node
// can only dlopen a file, so it is written into a fresh private directory (mkdtemp: mode 0700, and
// the file is created exclusively), loaded, and removed at once: the mapping outlives the file, so
// nothing is left behind however pilotfish later ends.
//
// Where that fails (TMPDIR unwritable, or mounted noexec), koffi would swallow the error and say
// only "Cannot find the native Koffi module; did you bundle it correctly?". So the failure is
// exported instead: the first thing koffi reads of its native module is `version`, which throws
// the real reason and what to do about it, and the reaper reports that.
const { getRawAsset } = require('node:sea');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

try {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-koffi-'));
  try {
    const file = join(dir, 'koffi.node');
    writeFileSync(file, new Uint8Array(getRawAsset('koffi.node')), { mode: 0o500, flag: 'wx' });
    process.dlopen(module, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} catch (error) {
  const reason = `koffi's native part could not be loaded from a private copy under ${tmpdir()} (${error.message}); point TMPDIR at a writable directory not mounted noexec`;
  module.exports = {
    get version() {
      throw new Error(reason);
    },
  };
}
