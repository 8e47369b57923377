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
  const byKoffi = builtinsKoffiLoads();
  // http2: what an ES module namespace of node:http pulls in from Node 24 on.
  // crypto: only the config's hash needs it, computed when status first asks (src/config/build.ts).
  for (const unused of ['NativeModule worker_threads', 'NativeModule https', 'NativeModule http2', 'NativeModule crypto']) {
    assert.ok(!builtins.includes(unused) || byKoffi.includes(unused), `${unused} was loaded, and not by koffi`);
  }
});

/** koffi (the reaper's FFI) is loaded by every `run`; on Node 24 its own node:util use loads worker_threads. */
function builtinsKoffiLoads(): string[] {
  return execFileSync(process.execPath, ['-e', "require('koffi'); process.stdout.write(process.moduleLoadList.join('\\n'))"], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
}

test('the bundle inlines zod/mini, not classic zod, whose methods on every schema cost run ~100 ms of start-up', () => {
  const zodModules = bundledModules().flatMap((path) => /node_modules\/zod\/(.+)$/.exec(path)?.[1] ?? []);
  assert.ok(zodModules.some((path) => path.startsWith('v4/mini/')), `zod/mini is not in the bundle: ${zodModules.join(', ')}`);
  assert.deepEqual(zodModules.filter((path) => path.startsWith('v4/classic/')), []);
});

test("run holds V8's optimizing compilers through start-up, with every built-in start-up needs loaded before, and puts V8's flags back once its jobs run", async () => {
  const { dir, file } = writeConfig('{ jobs: [{ name: "app", exec: "sleep 60" }] }');
  const recorder = recordV8Flags(dir);
  const run = runPilotfish({ command: [process.execPath, '-r', recorder.preload, BIN], args: ['run', '--config', file] });
  try {
    await run.waitForLine(/\[app\] started/, 20_000);
    // Settled: TurboFan back, and from V8 12 on the collection's gc() put away again.
    const settled = (flags: string[]) => flags.includes('--turbofan') && (V8_MAJOR < 12 || flags.includes('--no-expose-gc'));
    const { flags, loadedAfter, tagBefore, tagAfter } = await waitForRecord(recorder, settled, 10_000);
    assert.ok(flags.indexOf('--no-turbofan') < flags.indexOf('--turbofan') && flags.indexOf('--no-turbofan') !== -1, `flags set: ${flags.join(' ')}`);
    assert.equal(tagAfter, tagBefore, `V8's flags are back as they were: ${flags.join(' ')}`);
    // node:v8 and node:vm set the flags, and koffi loads once the first jobs run; any other public
    // built-in would have been compiled without Node's code cache.
    const expected = new Set(['NativeModule v8', 'NativeModule vm', ...builtinsKoffiLoads()]);
    const publicBuiltins = loadedAfter.filter((entry) => entry.startsWith('NativeModule ') && !entry.startsWith('NativeModule internal/'));
    assert.deepEqual(publicBuiltins.filter((entry) => !expected.has(entry)), []);
  } finally {
    run.signal('SIGTERM');
    await run.exited;
  }
});

test('only run holds the compilers: --help and version change no V8 flag', () => {
  const { dir } = writeConfig('{ jobs: [] }');
  const recorder = recordV8Flags(dir);
  for (const args of [['--help'], ['version']]) {
    execFileSync(process.execPath, ['-r', recorder.preload, BIN, ...args], { encoding: 'utf8' });
    assert.equal(recorder.read(), undefined, `pilotfish ${args.join(' ')} set ${recorder.read()?.flags.join(' ')}`);
  }
});

interface FlagRecord {
  flags: string[];
  loadedAfter: string[];
  tagBefore: number;
  tagAfter: number;
}

const V8_MAJOR = Number(process.versions.v8.split('.')[0]);

/**
 * A preload that records each V8 flag the process sets, the built-ins loaded from the first one
 * on, and V8's flag hash before any and after the last: written again after each flag.
 */
function recordV8Flags(dir: string): { preload: string; read: () => FlagRecord | undefined } {
  const record = join(dir, 'v8-flags.json');
  const preload = join(dir, 'record-flags.cjs');
  writeFileSync(
    preload,
    `const v8 = require('node:v8');
const set = v8.setFlagsFromString;
const tagBefore = v8.cachedDataVersionTag();
const flags = [];
let loadedAtHold;
v8.setFlagsFromString = (flag) => {
  loadedAtHold ??= process.moduleLoadList.length;
  flags.push(flag);
  set(flag);
  const loadedAfter = process.moduleLoadList.slice(loadedAtHold);
  require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ flags, loadedAfter, tagBefore, tagAfter: v8.cachedDataVersionTag() }));
};`,
  );
  const read = (): FlagRecord | undefined => {
    try {
      return JSON.parse(readFileSync(record, 'utf8')) as FlagRecord;
    } catch {
      return undefined; // not written yet, or being written
    }
  };
  return { preload, read };
}

async function waitForRecord(recorder: { read: () => FlagRecord | undefined }, done: (flags: string[]) => boolean, timeoutMs: number): Promise<FlagRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = recorder.read();
    if (record && done(record.flags)) return record;
    if (Date.now() > deadline) throw new Error(`flags recorded by then: ${record?.flags.join(' ') ?? 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
