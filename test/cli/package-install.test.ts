// What `npm install pilotfish` gets: the packed tarball (as `npm pack` makes it) holds the
// launcher and the bundle; its runtime dependencies are only the packages the bundle leaves
// external (an inlined one would only weigh on every install); and with just those installed,
// the package's `bin` runs the hello example as PID 1 (koffi: the reaper), a YAML config (yaml)
// and a regexReplaceAll template (re2js). No registry: the tarball is unpacked and its runtime
// dependencies are copied from this checkout's node_modules, as `npm install --omit=dev` would
// place them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { freePorts } from '../helpers/peers.js';
import { REPO_ROOT, bundledModules, runPilotfish } from '../helpers/pilotfish.js';

interface Manifest {
  bin: { pilotfish: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The unpacked tarball (npm's `package/`), its `bin`, and the paths `npm pack` put in it. */
let installed: string;
let bin: string;
let packedFiles: string[];
/** The launcher execs `node` from PATH: let it be the Node running these tests. */
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH}`;

/** Copies `names` and what they depend on from the checkout's node_modules into `into`'s. */
function installRuntimeDependencies(into: string, names: string[]): void {
  const queue = [...names];
  const copied = new Set<string>();
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (copied.has(name)) continue;
    copied.add(name);
    const source = join(REPO_ROOT, 'node_modules', name);
    cpSync(source, join(into, 'node_modules', name), { recursive: true, dereference: true });
    const manifest = readManifest(source);
    queue.push(...Object.keys(manifest.dependencies ?? {}));
    // Optional ones for other platforms are absent here, as npm would leave them.
    queue.push(...Object.keys(manifest.optionalDependencies ?? {}).filter((optional) => existsSync(join(REPO_ROOT, 'node_modules', optional))));
  }
}

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-pack-'));
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed!.files.map((file) => file.path);
  const untar = spawnSync('tar', ['-xzf', join(dir, packed!.filename), '-C', dir], { encoding: 'utf8' });
  assert.equal(untar.status, 0, untar.stderr);
  installed = join(dir, 'package');
  mkdirSync(join(installed, 'node_modules'));
  installRuntimeDependencies(installed, Object.keys(readManifest(installed).dependencies ?? {}));
  bin = join(installed, readManifest(installed).bin.pilotfish);
});

test('the tarball holds the launcher and the bundle, and none of the sources, tests or tsc output', () => {
  assert.ok(packedFiles.includes(readManifest(REPO_ROOT).bin.pilotfish.replace(/^\.\//, '')), packedFiles.join('\n'));
  const strays = packedFiles.filter((path) => !path.startsWith('dist/bundle/') && !['package.json', 'README.md', 'LICENSE'].includes(path));
  assert.deepEqual(strays, []);
});

test('no runtime dependency is a package that the bundle inlines', () => {
  const inlined = new Set(bundledModules().flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []));
  assert.ok(inlined.has('zod'), `zod is not among the bundle's inputs (inlined: ${[...inlined].join(', ')})`);
  const dependencies = Object.keys(readManifest(installed).dependencies ?? {});
  assert.deepEqual(
    dependencies.filter((name) => inlined.has(name)),
    [],
    'inlined packages belong in devDependencies',
  );
});

test('with only its runtime dependencies, the installed pilotfish runs the hello example as PID 1, its reaper loaded (koffi)', async () => {
  const [port] = await freePorts(1);
  const run = runPilotfish({
    command: [bin],
    args: ['run', '--config', 'examples/hello/pilotfish.json5'],
    asPid1: true,
    // Its own greeting file: other test files running the example rewrite examples/hello/greeting.txt.
    env: { HELLO_PORT: String(port), HELLO_GREETING_FILE: join(mkdtempSync(join(tmpdir(), 'pilotfish-hello-')), 'greeting.txt'), PATH },
  });
  await run.waitForLine(/\[main\] is healthy/, 20_000);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.match(await response.text(), /hello from pilotfish/);
  run.signal('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 0, run.output());
  // A reaper without koffi is a warning, not a failure: only the log shows it.
  assert.deepEqual(
    run.lines.filter((line) => /cannot reap|Cannot find (package|module)/.test(line)),
    [],
  );
});

test('with only its runtime dependencies, the installed pilotfish reads YAML and renders regexReplaceAll', () => {
  const config = join(mkdtempSync(join(tmpdir(), 'pilotfish-pack-config-')), 'pilotfish.yaml');
  writeFileSync(config, `jobs:\n  - name: '{{ .APP | regexReplaceAll "[^a-z]+" "-" }}'\n    exec: "true"\n`);
  const pilotfish = (verb: string) =>
    spawnSync(bin, [verb, '--config', config], { encoding: 'utf8', env: { ...process.env, APP: 'My_App9x', PATH } });
  const rendered = pilotfish('template');
  assert.equal(rendered.status, 0, rendered.stderr);
  assert.match(rendered.stdout, /name: '-y-pp-x'/);
  const validated = pilotfish('validate');
  assert.equal(validated.status, 0, validated.stderr);
  assert.match(validated.stdout, /valid \(1 job/);
});
