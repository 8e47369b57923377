// scripts/provision.mjs, the set-up `npm test` and `npm run example` start with: it finds what is
// missing with cheap checks, and where it cannot install something itself (here: not root, no
// Go), it names everything missing and exits 1 having installed and started nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from '../helpers/pilotfish.js';

const NOBODY = 65534;
const SCRIPT = join(REPO_ROOT, 'scripts/provision.mjs');

interface Provision {
  dependencyDrift(root: string): string | undefined;
}

/** A directory other users can read, for a copy of the script and what it reads. */
function openDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A copy of the script with the peer recipes it reads and the given package-lock.json. */
function copyOfScript(lock: string): string {
  const copy = openDirectory('pilotfish-provision-copy-');
  cpSync(SCRIPT, join(copy, 'scripts/provision.mjs'));
  cpSync(join(REPO_ROOT, 'test/peers'), join(copy, 'test/peers'), { recursive: true });
  writeFileSync(join(copy, 'package-lock.json'), lock);
  return copy;
}

function project(lock: Record<string, object>, installed: Record<string, string>): string {
  const root = openDirectory('pilotfish-provision-');
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' }, ...lock } }));
  for (const [path, version] of Object.entries(installed)) {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'package.json'), JSON.stringify({ version }));
  }
  return root;
}

test('node_modules drifts from package-lock.json when a package is missing or of another version, not for an absent optional one', async () => {
  const { dependencyDrift } = (await import(SCRIPT)) as Provision;
  const lock = {
    'node_modules/a': { version: '1.0.0' },
    'node_modules/@scope/b': { version: '2.0.0', dev: true },
    'node_modules/esbuild-other-platform': { version: '0.1.0', optional: true },
  };
  assert.equal(dependencyDrift(project(lock, { 'node_modules/a': '1.0.0', 'node_modules/@scope/b': '2.0.0' })), undefined);
  assert.equal(dependencyDrift(project(lock, { 'node_modules/a': '1.0.0' })), 'node_modules/@scope/b is missing');
  assert.equal(
    dependencyDrift(project(lock, { 'node_modules/a': '1.0.1', 'node_modules/@scope/b': '2.0.0' })),
    'node_modules/a is 1.0.1, package-lock.json has 1.0.0',
  );
  const fresh = project(lock, {});
  rmSync(join(fresh, 'node_modules'), { recursive: true, force: true });
  assert.equal(dependencyDrift(fresh), 'node_modules is missing');
});

test('not root, no packages, no Go, no peers, no node_modules: it lists each with how to get it, and installs nothing', () => {
  // No node_modules beside the lock.
  const copy = copyOfScript(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
  // PATH holds node and nothing else; the peers' cache is empty and nobody's to write.
  const bin = openDirectory('pilotfish-provision-bin-');
  symlinkSync(process.execPath, join(bin, 'node'));
  const cache = openDirectory('pilotfish-provision-cache-');
  chmodSync(cache, 0o777);

  const environment = [`PATH=${bin}`, 'HOME=/nonexistent', `PILOTFISH_PEERS_CACHE=${cache}`];
  const script = join(copy, 'scripts/provision.mjs');
  const result = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', '-i', ...environment, process.execPath, script, 'tests'], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 1, result.stderr);
  const report = result.stderr;
  assert.match(report, /root: .*run `sudo npm test`/);
  assert.match(report, /commands not on PATH: unshare \(util-linux\), .*python3 \(python3\), systemd-notify \(systemd\), supervisord \(supervisor\), s6-svscan \(s6\), tini \(tini\), openssl \(openssl\)/);
  assert.match(report, /`apt-get install util-linux iproute2 bsdutils python3 systemd supervisor s6 tini openssl`/);
  assert.match(report, /test peers not built: consul \S+, etcd \S+, kube-apiserver \S+, kubectl \S+ .*needs Go >= 1\.\d+.* \(no `go` found/);
  assert.match(report, /node_modules is missing: npm test runs npm ci/);
  assert.match(report, /Nothing was installed and no test ran\./);
  assert.equal(result.stdout, '');
  assert.equal(existsSync(join(copy, 'node_modules')), false, 'npm ci ran');
  assert.deepEqual(readdirSync(cache), [], 'a peer build started');
});

// A stand-in for `go` (`go build -o FILE` writes FILE), so that the real test/peers/build.sh runs
// in moments; FAIL_BUILD makes the build fail as a real one would.
const FAKE_GO = `#!/bin/sh
case "$1" in
  env) echo go1.99.0 ;;
  mod) echo "go: finding module for package" >&2 ;;
  build)
    [ -n "$FAIL_BUILD" ] && { echo "go: the build failed, for the test" >&2; exit 1; }
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
    printf '#!/bin/sh\\n' >"$out" && chmod +x "$out" ;;
esac
`;

function provisionWithFakeGo(failBuild: boolean): { result: SpawnSyncReturns<string>; cache: string } {
  // As root, with every package present and nothing for npm ci to do (an empty lock, node_modules
  // there): only kubectl is missing from the peers' cache.
  const copy = copyOfScript(JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' } } }));
  mkdirSync(join(copy, 'node_modules'));
  const cache = openDirectory('pilotfish-provision-cache-');
  mkdirSync(join(cache, 'bin'));
  for (const name of ['consul', 'etcd', 'kube-apiserver']) {
    const version = /^VERSION=(.+)$/m.exec(readFileSync(join(copy, 'test/peers', name, 'peer.env'), 'utf8'))![1];
    writeFileSync(join(cache, 'bin', `${name}-${version}`), '', { mode: 0o755 });
  }
  const bin = openDirectory('pilotfish-provision-bin-');
  writeFileSync(join(bin, 'go'), FAKE_GO, { mode: 0o755 });
  const result = spawnSync(process.execPath, [join(copy, 'scripts/provision.mjs'), 'tests'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, PILOTFISH_PEERS_CACHE: cache, FAIL_BUILD: failBuild ? '1' : '' },
  });
  return { result, cache };
}

test('a peer missing from the cache is built with test/peers/build.sh, on one progress line with an estimate', () => {
  const { result, cache } = provisionWithFakeGo(false);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^provision: building 1 test peer\(s\) from the Go module proxy into \S+, once \(about \d+ min on 2 cores; later runs reuse them\)$/m);
  assert.match(result.stdout, /^ {2}\[1\/1\] kubectl \S+: about \d+ min on 2 cores … built in \d+ s$/m);
  assert.ok(readdirSync(join(cache, 'bin')).some((name) => name.startsWith('kubectl-')), 'kubectl was not built');
});

test('a failed peer build shows the end of its log and where the whole log is, and exits 1', () => {
  const { result, cache } = provisionWithFakeGo(true);
  assert.equal(result.status, 1, result.stdout);
  assert.match(result.stdout, /\[1\/1\] kubectl \S+: about \d+ min on 2 cores … failed$/m);
  assert.match(result.stderr, /go: the build failed, for the test/);
  assert.ok(result.stderr.includes(`building kubectl failed; its whole log: ${join(cache, 'build-kubectl.log')}`), result.stderr);
});

test('on this set-up machine it finds nothing to do and says nothing', () => {
  const result = spawnSync(process.execPath, [SCRIPT, 'tests'], { encoding: 'utf8', cwd: REPO_ROOT });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout + result.stderr, '');
});

test('an unknown set-up is a usage error', () => {
  const result = spawnSync(process.execPath, [SCRIPT, 'everything'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /usage: node scripts\/provision\.mjs dependencies\|tests/);
});
