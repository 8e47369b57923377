// esbuild plugins of the npm bundle (scripts/bundle.mjs); the executable (scripts/sea.mjs) has its own.
import { builtinModules } from 'node:module';

/**
 * ESM imports of Node's built-ins (`import { createServer } from 'node:http'`) → the CommonJS
 * module, through process.getBuiltinModule. From Node 24 on, building an ES module namespace for a
 * built-in reads every export, lazy getters included: node:http's WebSocket and friends then load
 * undici, and with it tls, http2, zlib, assert, perf_hooks and worker_threads (+76 modules and
 * ~13 MiB of RSS for pilotfish, which uses none of them). esbuild's interop reads exports only when
 * they are used. Output in CommonJS (the executable) already requires them.
 */
export const builtinsWithoutNamespace = {
  name: 'builtins-without-namespace',
  setup(build) {
    const builtins = new Set(builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])));
    build.onResolve({ filter: /^[a-z0-9_:/]+$/ }, (args) =>
      builtins.has(args.path) && (args.kind === 'import-statement' || args.kind === 'dynamic-import') ? { path: args.path, namespace: 'node-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
