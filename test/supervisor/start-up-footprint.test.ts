// Holding V8's optimizing compilers during start-up and settling afterwards change process-wide
// V8 flags, so each case runs in a Node process of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const FOOTPRINT = new URL('../../src/supervisor/start-up-footprint.js', import.meta.url).href;

/** Runs `script` (an ES module that has `footprint` and `v8`) and returns what it prints as JSON. */
function inProcess(script: string, nodeFlags: string[] = []): Record<string, unknown> {
  const result = spawnSync(
    process.execPath,
    [...nodeFlags, '--input-type=module', '-e', `const footprint = await import(${JSON.stringify(FOOTPRINT)}); const v8 = await import('node:v8');\n${script}`],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

test('holding the compilers changes V8 flags, and settling puts every flag back as it was', () => {
  const tags = inProcess(`
    const before = v8.cachedDataVersionTag();
    footprint.holdOptimizingCompilers();
    const held = v8.cachedDataVersionTag();
    footprint.settleAfterStartUp();
    console.log(JSON.stringify({ before, held, after: v8.cachedDataVersionTag() }));
  `);
  assert.notEqual(tags.held, tags.before, 'TurboFan, on by default, is off while held');
  assert.equal(tags.after, tags.before);
});

test("a compiler the user turned off stays off: settling does not turn on what holding did not turn off", () => {
  const tags = inProcess(
    `
    const before = v8.cachedDataVersionTag();
    footprint.holdOptimizingCompilers();
    footprint.settleAfterStartUp();
    const after = v8.cachedDataVersionTag();
    v8.setFlagsFromString('--turbofan');
    console.log(JSON.stringify({ before, after, withTurbofan: v8.cachedDataVersionTag() }));
  `,
    ['--no-turbofan', '--no-maglev'],
  );
  assert.equal(tags.after, tags.before);
  assert.notEqual(tags.withTurbofan, tags.before, 'TurboFan was still off after settling');
});

test('settling leaves no gc() behind in the contexts made afterwards', () => {
  const seen = inProcess(`
    footprint.settleAfterStartUp();
    const vm = await import('node:vm');
    console.log(JSON.stringify({ gc: vm.runInNewContext('typeof gc') }));
  `);
  assert.equal(seen.gc, 'undefined');
});

test("the user's own --expose-gc is kept: gc() stays, in this context and in new ones", () => {
  const seen = inProcess(
    `
    footprint.settleAfterStartUp();
    const vm = await import('node:vm');
    console.log(JSON.stringify({ here: typeof gc, inNew: vm.runInNewContext('typeof gc') }));
  `,
    ['--expose-gc'],
  );
  assert.deepEqual(seen, { here: 'function', inNew: 'function' });
});

test('with V8 flags frozen after start-up (changing one would abort the process), nothing is touched', () => {
  const tags = inProcess(
    `
    const before = v8.cachedDataVersionTag();
    footprint.holdOptimizingCompilers();
    const held = v8.cachedDataVersionTag();
    footprint.settleAfterStartUp();
    console.log(JSON.stringify({ before, held, after: v8.cachedDataVersionTag() }));
  `,
    ['--freeze-flags-after-init'],
  );
  assert.equal(tags.held, tags.before);
  assert.equal(tags.after, tags.before);
});

const [v8Major] = process.versions.v8.split('.').map(Number);

test(
  'settling gives the pages of a grown young generation back (V8 12 and later; older ones shrink it in their own time)',
  { skip: v8Major! < 12 && `V8 ${process.versions.v8} (this Node) runs no "last resort" collection on request` },
  () => {
    const sizes = inProcess(`
      // Start-up's way: many short-lived objects, some surviving, which makes V8 grow its young generation.
      const kept = [];
      for (let i = 0; i < 400_000; i++) { const o = { i, s: 'x' + i }; if (i % 10 === 0) kept.push(o); }
      const young = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
      const grown = young();
      footprint.settleAfterStartUp();
      console.log(JSON.stringify({ grown, settled: young(), kept: kept.length }));
    `);
    assert.ok((sizes.settled as number) < (sizes.grown as number), `young generation ${sizes.grown} bytes before settling, ${sizes.settled} after`);
  },
);
