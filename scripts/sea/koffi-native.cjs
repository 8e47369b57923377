// koffi's native half inside the single executable (dist/pilotfish), standing in for the
// @koromix/koffi-<platform>-<arch> package koffi requires. The addon travels as a SEA asset; Node
// can only dlopen a file, so it is written into a fresh private directory (mkdtemp: mode 0700, and
// the file is created exclusively), loaded, and removed at once: the mapping outlives the file, so
// nothing is left behind however pilotfish later ends. A TMPDIR mounted noexec makes the dlopen
// fail; koffi then reports it, and the reaper says it is unavailable (TMPDIR=… picks another).
const { getRawAsset } = require('node:sea');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const dir = mkdtempSync(join(tmpdir(), 'pilotfish-koffi-'));
try {
  const file = join(dir, 'koffi.node');
  writeFileSync(file, new Uint8Array(getRawAsset('koffi.node')), { mode: 0o500, flag: 'wx' });
  process.dlopen(module, file);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
