// dist/pilotfish, the single executable (scripts/sea.mjs): it runs where no Node is installed and
// from anywhere, carries what `run` needs (koffi's native addon, loaded from a private temporary
// copy that is gone at once), and passes the tests that matter for an entrypoint (PID 1 reaping,
// signals, exit codes, the inspector kept closed, the example) as the npm package does: those test
// files run again here with $PILOTFISH_TEST_BIN naming the executable. `status` is asked below.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/pilotfish.js';
import { compilesStrict } from '../helpers/strict.js';
import { waitFor } from '../helpers/wait.js';

const EXECUTABLE = join(REPO_ROOT, 'dist', 'pilotfish');
const BUNDLE = join(REPO_ROOT, 'dist', 'bundle', 'cli', 'main.js');

// `npm run build` makes it; a build of the bundle alone (tsc + bundle.mjs) leaves it missing or
// older than the code, and then it is made here. A build that fails is this test failing.
before(() => {
  if (existsSync(EXECUTABLE) && statSync(EXECUTABLE).mtimeMs >= statSync(BUNDLE).mtimeMs) return;
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'sea.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `building dist/pilotfish failed:\n${build.stdout}${build.stderr}`);
});

test("its script is strict mode code, as the ES modules it is built from were (esbuild's CommonJS output does not say so)", () => {
  assert.equal(compilesStrict(readFileSync(join(REPO_ROOT, 'dist', 'sea', 'pilotfish.cjs'), 'utf8')), true);
});

const which = (command: string) => execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();

test('it needs no Node: only glibc libraries are linked, and it runs with an empty PATH', () => {
  const libraries = [...execFileSync('ldd', [EXECUTABLE], { encoding: 'utf8' }).matchAll(/^\s*(\S+)/gm)].map((match) => match[1]!);
  const glibcAndGcc = /^(linux-vdso\.so|\/lib64\/ld-linux|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libstdc\+\+\.so|libgcc_s\.so)/;
  assert.deepEqual(libraries.filter((library) => !glibcAndGcc.test(library)), [], `ldd ${EXECUTABLE}: ${libraries.join(' ')}`);
  const version = spawnSync(EXECUTABLE, ['version'], { cwd: mkdtempSync(join(tmpdir(), 'pilotfish-cwd-')), env: { PATH: '' }, encoding: 'utf8' });
  assert.deepEqual([version.status, version.stdout, version.stderr], [0, `pilotfish 0.1.0\n`, '']);
});

test('as PID 1 with no Node reachable, outside the repository, it loads koffi and leaves no copy of it behind', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pilotfish-cwd-'));
  const temporary = mkdtempSync(join(tmpdir(), 'pilotfish-tmpdir-'));
  writeFileSync(join(cwd, 'pilotfish.json5'), `{ jobs: [{ name: "app", exec: ["/bin/sh", "-c", "echo running; exec /bin/sleep 60"] }] }`);
  const socket = join(mkdtempSync(join(tmpdir(), 'pilotfish-socket-')), 'control.socket');
  const run = spawn(which('unshare'), ['--pid', '--fork', '--mount-proc', EXECUTABLE, 'run'], {
    cwd,
    env: { PATH: '', TMPDIR: temporary, PILOTFISH_SOCKET: socket },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [run.stdout, run.stderr]) stream.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => run.once('close', resolve));
  try {
    await waitFor(() => output.includes('[app] running'), "the job's output", 60_000).catch((error: Error) => assert.fail(`${error.message}:\n${output}`));
    // koffi is loaded before the first job starts (run.ts): its copy is already removed.
    assert.deepEqual(readdirSync(temporary), []);
    assert.doesNotMatch(output, /koffi|cannot reap/);
    // `status` of the executable, asking the executable.
    const status = spawnSync(EXECUTABLE, ['status'], { cwd, env: { PATH: '', PILOTFISH_SOCKET: socket }, encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^app\s+running\s/m);
  } finally {
    const inner = Number(execFileSync('cat', [`/proc/${run.pid}/task/${run.pid}/children`], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
    process.kill(inner, 'SIGTERM');
  }
  assert.equal(await exited, 143, output);
  assert.deepEqual(readdirSync(temporary), []);
});

test('where its koffi copy cannot be written or loaded, it runs on and says why and which TMPDIR to change', () => {
  const run = spawnSync(EXECUTABLE, ['--', '/bin/true'], {
    env: { PATH: '', TMPDIR: '/nonexistent/tmp', PILOTFISH_SOCKET: join(mkdtempSync(join(tmpdir(), 'pilotfish-socket-')), 'control.socket') },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /WARN +cannot reap orphaned processes here \(cannot call libc through koffi: koffi's native part could not be loaded from a private copy under \/nonexistent\/tmp \(ENOENT[^)]*\); point TMPDIR at a writable directory not mounted noexec\)/,
  );
});

// The entrypoint's tests, run against the executable, one file at a time (the machine is shared).
const ENTRYPOINT_TESTS = [
  'supervisor/pid1.test.js',
  'reliability/pid1-repeated-sigterm.test.js',
  'reliability/pid1-early-signals.test.js',
  'reliability/pid1-inspector.test.js',
  'cli/cli.test.js',
  'examples/hello.test.js',
];

for (const file of ENTRYPOINT_TESTS) {
  test(`the executable passes ${file}`, async (t) => {
    // NODE_TEST_CONTEXT would make the inner runner report to this one in its private format.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const inner = spawn(process.execPath, ['--test', '--test-reporter=tap', join(REPO_ROOT, 'dist', 'test', file)], {
      cwd: REPO_ROOT,
      env: { ...env, PILOTFISH_TEST_BIN: EXECUTABLE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [inner.stdout, inner.stderr]) stream.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => inner.once('close', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /^# pass [1-9]/m, output);
    for (const line of output.split('\n').filter((line) => /^\s*# (?!Subtest)/.test(line))) t.diagnostic(line.trim().slice(2));
  });
}
