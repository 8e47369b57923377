// Builds dist/pilotfish: pilotfish as one self-contained executable (a Node single-executable
// application), for images without Node: `COPY pilotfish /usr/local/bin/` is the whole install.
// It is the official Node 24 binary (fetched once from the npm registry as the package
// node-<platform>-<arch>@24 into ~/.cache/pilotfish-node) with one CommonJS bundle of the CLI, its
// V8 code cache, and koffi's native addon injected into it (postject).
//
// Node applies an executable's own flags (SEA `execArgv`) as it parses its options, before the
// inspector could start: the launcher's --inspect-port at an IPv6 multicast address (see
// scripts/bundle.mjs) makes every inspector start that SIGUSR1 triggers fail, from the first
// instruction on. Node 24's --disable-sigusr1 would also do, but it silences SIGUSR1 for good: no
// JavaScript listener ever hears it, and pilotfish reopens its log output on SIGUSR1.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import postject from 'postject';

const NODE_MAJOR = 24;
const EXEC_ARGV = ['--inspect-port=[ff02::1]:9229'];
// The sentinel Node's binary carries for `postject` (documented with single-executable applications).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'dist', 'sea');
const executable = join(root, 'dist', 'pilotfish');
const platform = `${process.platform}-${process.arch}`;

/** The Node binary the executable is made of, from the cache, fetched into it when absent. */
function nodeBase() {
  const cache = process.env.PILOTFISH_NODE_CACHE || join(homedir(), '.cache', 'pilotfish-node');
  const pkg = `node-${platform}`;
  const binary = join(cache, 'node_modules', pkg, 'bin', 'node');
  if (nodeVersion(binary)?.startsWith(`v${NODE_MAJOR}.`)) return binary;
  console.log(`sea: fetching Node ${NODE_MAJOR} (the npm package ${pkg}@${NODE_MAJOR}, a few tens of MB) into ${cache}, once`);
  mkdirSync(cache, { recursive: true });
  execFileSync('npm', ['install', '--prefix', cache, '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${NODE_MAJOR}`], { stdio: 'inherit' });
  const version = nodeVersion(binary);
  if (!version?.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`sea: ${binary} is ${version ?? 'missing'} after installing ${pkg}@${NODE_MAJOR}`);
  return binary;
}

function nodeVersion(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Files a module reads beside itself at run time (`readFileSync(new URL('../../../package.json',
 * import.meta.url), 'utf8')`) become string literals: the executable has no files beside it. The
 * URL is resolved from where tsc puts the module (dist/src/…), the depth the bundles keep too.
 */
const filesReadBesideModule = {
  name: 'files-read-beside-module',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/, namespace: 'file' }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const runtimeDir = dirname(join(root, 'dist', relative(root, args.path)));
      const contents = source.replace(/readFileSync\(new URL\('([^']+)', import\.meta\.url\), 'utf8'\)/g, (_, path) =>
        JSON.stringify(readFileSync(join(runtimeDir, path), 'utf8')),
      );
      return { contents, loader: 'ts' };
    });
  },
};

// `requireModule('yaml')`, `createRequire(import.meta.url)('koffi')`: what a module loads lazily by require.
const REQUIRED_ID = /(?:\brequire\w*|createRequire\([^()]*\))\(\s*'([^']+)'\s*\)/g;

/**
 * Modules that pilotfish loads lazily through `createRequire` (yaml, re2js, koffi) are bundled
 * too: each importer of node:module gets a `createRequire` whose require knows exactly the ids that
 * importer's source requires, each still evaluated on first use only.
 */
const bundledCreateRequire = {
  name: 'bundled-create-require',
  setup(build) {
    build.onResolve({ filter: /^node:module$/ }, (args) =>
      args.importer.startsWith(join(root, 'src')) ? { path: args.importer, namespace: 'bundled-create-require' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'bundled-create-require' }, (args) => {
      const ids = new Set([...readFileSync(args.path, 'utf8').matchAll(REQUIRED_ID)].map((match) => match[1]).filter((id) => !id.startsWith('node:')));
      const loaders = [...ids].map((id) => `${JSON.stringify(id)}: () => require(${JSON.stringify(id)}),`).join('\n');
      return {
        resolveDir: dirname(args.path),
        loader: 'js',
        contents: `const loaders = {\n${loaders}\n};
export function createRequire() {
  return (id) => {
    if (!Object.hasOwn(loaders, id)) throw new Error(\`\${id} is not bundled into the pilotfish executable\`);
    return loaders[id]();
  };
}\n`,
      };
    });
  },
};

const koffiRequire = createRequire(join(root, 'node_modules', 'koffi', 'package.json'));

/** koffi's per-platform native package → the loader of the addon carried as an asset. */
const koffiNative = {
  name: 'koffi-native',
  setup(build) {
    // One koffi, the CommonJS build, whether it is imported or required.
    build.onResolve({ filter: /^koffi$/ }, () => ({ path: koffiRequire.resolve('koffi') }));
    build.onResolve({ filter: /^@koromix\/koffi-/ }, (args) =>
      args.path === `@koromix/koffi-${platform}` ? { path: join(root, 'scripts', 'sea', 'koffi-native.cjs') } : { path: args.path, namespace: 'other-platform' },
    );
    build.onLoad({ filter: /.*/, namespace: 'other-platform' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in this executable (built for ${platform})`)});`,
      loader: 'js',
    }));
  },
};

/**
 * koffi's `node:util` → only what koffi uses of it (`deprecate`). koffi's CommonJS interop copies
 * every export of the module it requires, and from Node 24 on that loads util's lazy parts
 * (parseArgs, diff, setTraceSigInt and with it worker_threads): +2.5 MiB of RSS for one function.
 */
const koffiUtil = {
  name: 'koffi-util',
  setup(build) {
    build.onResolve({ filter: /^node:util$/ }, (args) =>
      /[\\/]node_modules[\\/]koffi[\\/]/.test(args.importer) ? { path: 'util-deprecate', namespace: 'koffi-util' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'koffi-util' }, () => ({
      contents: "module.exports = { deprecate: require('node:util').deprecate };",
      loader: 'js',
    }));
  },
};

/** koffi's addon for glibc (Node's official Linux binaries are glibc programs). */
function koffiAddon() {
  const packageDir = dirname(koffiRequire.resolve(`@koromix/koffi-${platform}/package.json`));
  return join(packageDir, `${process.platform}_${process.arch}`, 'koffi.node');
}

const started = performance.now();
const base = nodeBase();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const main = join(work, 'pilotfish.cjs');
await build({
  absWorkingDir: root,
  // The launcher: it holds signals first, then loads main (bundled in, evaluated on demand).
  entryPoints: ['src/cli/launcher.ts'],
  outfile: main,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: `node${NODE_MAJOR}`,
  // import() → require(): an executable with a code cache cannot import() (Node 24), and
  // everything but Node's built-ins is in the bundle anyway.
  supported: { 'dynamic-import': false },
  // Dependencies' own `createRequire(import.meta.url)` (yargs) get the executable's location.
  define: { 'import.meta.url': '__pilotfishExecutableUrl' },
  // Strict, as the ES modules it is built from: esbuild's CommonJS output does not say so, and the
  // directive must come first (after a statement it is only a string).
  banner: { js: "\"use strict\";\nvar __pilotfishExecutableUrl = require('node:url').pathToFileURL(process.execPath).href;" },
  minify: true,
  keepNames: true,
  plugins: [filesReadBesideModule, bundledCreateRequire, koffiNative, koffiUtil],
  logLevel: 'warning',
});
const config = join(work, 'sea-config.json');
const blob = join(work, 'pilotfish.blob');
writeFileSync(
  config,
  JSON.stringify({
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    execArgv: EXEC_ARGV,
    assets: { 'koffi.node': koffiAddon() },
  }),
);
// The blob's code cache must come from the very Node that runs it.
execFileSync(base, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
const partial = `${executable}.partial`;
copyFileSync(base, partial);
chmodSync(partial, 0o755);
// Node's official binary carries its symbols (18 MB); the executable needs none. Without
// binutils' strip, it keeps them and works the same.
try {
  execFileSync('strip', ['--strip-all', partial], { stdio: 'pipe' });
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
  console.log('sea: no `strip` here (binutils): the executable keeps Node\'s symbols');
}
// postject's ELF library warns "Can't find string offset for section name '.note…'" on Node's
// binary; the notes it means are Node's own, and the result runs (test/sea/executable.test.ts).
await postject.inject(partial, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
renameSync(partial, executable);
// For the benchmark's report: which Node the executable is made of.
writeFileSync(join(work, 'node-version'), `${nodeVersion(base)}\n`);
console.log(`sea: dist/pilotfish (Node ${nodeVersion(base)}) built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
