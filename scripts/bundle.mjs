// Bundles the CLI into dist/bundle/ (what `bin` runs): one file per lazily imported part instead
// of ~180 ES modules, with only the parts of zod/mini that the config schema uses (tree shaking
// also drops the locales that zod's entry points re-export). koffi (native), yaml and re2js
// (loaded with createRequire) stay external.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

// Chunk names carry content hashes: start empty so that no stale chunk ships.
rmSync(new URL('../dist/bundle', import.meta.url), { recursive: true, force: true });

// esbuild splits code only in ES module output, so it bundles into ES module chunks in memory and
// then converts each chunk to CommonJS: Node's ES module loader took ~45 ms more to bring `run` to
// its first job than the same code as CommonJS (242 against 198 ms, a bare Node spawn 126 ms; Node
// 20), most of it compiling the modules. Cross-chunk imports become require()s of the chunks,
// import() a require() in a promise, and import.meta.url the chunk's own URL.
const { outputFiles, metafile } = await build({
  absWorkingDir: root,
  // yaml-tree is `require`d by path (src/config/parse.ts), so it is an entry point of its own.
  entryPoints: { main: 'src/cli/main.ts', 'yaml-tree': 'src/config/yaml-tree.ts' },
  // Same depth as dist/src/cli/, so `new URL('../../../package.json', import.meta.url)` still finds the manifest.
  outdir: 'dist/bundle/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi', 'yaml', 're2js'],
  metafile: true,
  write: false,
  logLevel: 'warning',
});
for (const file of outputFiles) {
  const commonJs = await transform(file.text, {
    format: 'cjs',
    loader: 'js',
    target: 'node20',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__pilotfishModuleUrl' },
    // ES modules are strict; a CommonJS file only with the directive, which the conversion drops
    // (sloppy, a write to a read-only property or an undeclared name fails silently). It must come
    // first, before the module URL: a directive after a statement is only a string.
    banner: ['"use strict";', ...(file.text.includes('import.meta.url') ? ["var __pilotfishModuleUrl = require('node:url').pathToFileURL(__filename).href;"] : [])].join('\n'),
    logLevel: 'warning',
  });
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, commonJs.code);
}
writeFileSync(new URL('../dist/bundle/package.json', import.meta.url), '{ "type": "commonjs" }\n');
// What went into which chunk, for tests of the bundle's footprint (beside the bundle: not shipped).
writeFileSync(new URL('../dist/bundle.meta.json', import.meta.url), JSON.stringify(metafile));

// The launcher, `bin`: a shell script and a CommonJS module at once. sh runs the first two lines
// and execs Node on the same file; Node skips the hashbang, and the second line is a string
// followed by a comment. It exists for Node's flags: SIGUSR1 makes Node open its inspector (code
// execution as root, for anyone who can reach 127.0.0.1:9229) from its first instruction until
// a JavaScript handler replaces Node's own, and only a command-line flag can close that window.
// --inspect-port at an IPv6 multicast address makes every inspector start fail (the kernel
// refuses to bind a TCP socket there: EINVAL), on every Node version; --disable-sigusr1 exists
// only from Node 22.14, and a version check would cost a second Node start. `env -S` would do
// without sh, but busybox's env lacks it.
const LAUNCHER_HEADER = `#!/bin/sh
":" //; exec node --inspect-port='[ff02::1]:9229' "$0" "$@"
`;
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/launcher.ts'],
  outfile: 'dist/bundle/cli/pilotfish.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The CLI's first chunk, required once signals are held.
  external: ['./main.js'],
  supported: { 'dynamic-import': false },
  banner: { js: LAUNCHER_HEADER },
  logLevel: 'warning',
});
chmodSync(new URL('../dist/bundle/cli/pilotfish.cjs', import.meta.url), 0o755);
