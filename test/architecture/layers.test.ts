// The layer rule of src/ (README, "Development"): a directory may import from its own files and
// from the layers below it, never from a layer above nor from a sibling in its own layer. Siblings
// share only through a lower module (src/contracts for shapes, src/watches for the watch board).
// Read from the TypeScript sources: static imports, `export … from` and dynamic `import()`.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from '../helpers/pilotfish.js';

/** Lowest first. config's types are read by logging, so logging and http sit just above it. */
const LAYERS: readonly (readonly string[])[] = [
  ['util', 'contracts'],
  ['config'],
  ['logging', 'http'],
  // Below health: exec checks spawn through the process table, as jobs do.
  ['process'],
  ['events', 'health'],
  ['jobs', 'watches'],
  ['supervisor'],
  ['discovery', 'telemetry', 'control', 'probes', 'k8s'],
  ['cli'],
];

interface Import {
  from: string;
  to: string;
}

/** Every import between files of src/, as paths relative to src/ (`cli/run.ts`). */
function importsOf(srcDir: string): Import[] {
  return sourceFiles(srcDir).flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({ from: relative(srcDir, file), to: relative(srcDir, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts') }));
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** What is wrong with each import, in words; nothing for one the rule allows. */
function violations(imports: readonly Import[]): string[] {
  const rank = new Map(LAYERS.flatMap((layer, index) => layer.map((name): [string, number] => [name, index])));
  const layerOf = (path: string) => path.split('/')[0] ?? path;
  return imports.flatMap(({ from, to }) => {
    const [source, target] = [layerOf(from), layerOf(to)];
    const [sourceRank, targetRank] = [rank.get(source), rank.get(target)];
    if (sourceRank === undefined || targetRank === undefined) return [`${from} imports ${to}: ${sourceRank === undefined ? source : target} is in no layer`];
    if (source === target || targetRank < sourceRank) return [];
    if (targetRank === sourceRank) return [`${from} imports ${to} (${source} and ${target} are siblings: share through a lower module)`];
    return [`${from} imports ${to} (${target} is above ${source})`];
  });
}

describe('the layers of src/', () => {
  it('has no import from a lower layer to a higher one, nor between siblings', () => {
    assert.deepEqual(violations(importsOf(join(REPO_ROOT, 'src'))), []);
  });

  it('names an upward import, an import between siblings and a directory in no layer', () => {
    const found = violations([
      { from: 'supervisor/supervisor.ts', to: 'discovery/watch-board.ts' },
      { from: 'telemetry/server.ts', to: 'control/metric-sink.ts' },
      { from: 'k8s/bridge.ts', to: 'k8s/api.ts' },
      { from: 'cli/run.ts', to: 'supervisor/supervisor.ts' },
      { from: 'gadgets/x.ts', to: 'util/records.ts' },
    ]);
    assert.deepEqual(found, [
      'supervisor/supervisor.ts imports discovery/watch-board.ts (discovery is above supervisor)',
      'telemetry/server.ts imports control/metric-sink.ts (telemetry and control are siblings: share through a lower module)',
      'gadgets/x.ts imports util/records.ts: gadgets is in no layer',
    ]);
  });

  it('reads static and dynamic imports', () => {
    const srcDir = join(REPO_ROOT, 'src');
    const imports = importsOf(srcDir);
    const has = (from: string, to: string) => imports.some((each) => each.from === from && each.to === to);
    // run.ts loads discovery only for a config with a `consul` block: a dynamic import.
    assert.ok(has('cli/run.ts', 'discovery/attach.ts'));
    assert.ok(has('cli/run.ts', 'supervisor/supervisor.ts'));
  });
});
