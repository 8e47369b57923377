// `pilotfish run` loads only what the config uses: Node's built-in modules included, each of which
// costs start-up time and resident memory in every container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, bundledModules, runPilotfish, writeConfig } from '../helpers/pilotfish.js';

/** The package's `bin`, run by this Node with a preload (TEST_BIN may be an executable, which takes none). */
const BIN = join(REPO_ROOT, (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: { pilotfish: string } }).bin.pilotfish);

test('run, with its output a pipe and no check, loads neither node:worker_threads (unless koffi does) nor node:https, node:http2 or node:crypto', async () => {
  const { dir, file } = writeConfig('{ jobs: [{ name: "app", exec: "sleep 60" }] }');
  const loaded = join(dir, 'loaded-builtins');
  // Node's own list of the built-in modules it has loaded, written as the process exits.
  const preload = join(dir, 'record-builtins.cjs');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));`);
  const run = runPilotfish({ command: [process.execPath, '-r', preload, BIN], args: ['run', '--config', file] });
  await run.waitForLine(/\[app\] started/, 20_000);
  run.signal('SIGTERM');
  await run.exited;
  const builtins = readFileSync(loaded, 'utf8').split('\n');
  assert.ok(builtins.includes('NativeModule child_process'), `the list is Node's: ${builtins.slice(0, 5).join(', ')}…`);
  // koffi (the reaper's FFI) is loaded by every `run`; on Node 24 its own node:util use loads worker_threads.
  const byKoffi = execFileSync(process.execPath, ['-e', "require('koffi'); process.stdout.write(process.moduleLoadList.join('\\n'))"], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
  // http2: what an ES module namespace of node:http pulls in from Node 24 on.
  // crypto: only the config's hash needs it, computed when status first asks (src/config/build.ts).
  for (const unused of ['NativeModule worker_threads', 'NativeModule https', 'NativeModule http2', 'NativeModule crypto']) {
    assert.ok(!builtins.includes(unused) || byKoffi.includes(unused), `${unused} was loaded, and not by koffi`);
  }
});

test('the bundle inlines zod/mini, not classic zod, whose methods on every schema cost run ~100 ms of start-up', () => {
  const zodModules = bundledModules().flatMap((path) => /node_modules\/zod\/(.+)$/.exec(path)?.[1] ?? []);
  assert.ok(zodModules.some((path) => path.startsWith('v4/mini/')), `zod/mini is not in the bundle: ${zodModules.join(', ')}`);
  assert.deepEqual(zodModules.filter((path) => path.startsWith('v4/classic/')), []);
});
