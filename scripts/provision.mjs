// The set-up that makes `npm run example` and `npm test` one command each on a fresh clone:
//   node scripts/provision.mjs dependencies   node_modules as package-lock.json has it (npm ci if not)
//   node scripts/provision.mjs tests          that, the Debian packages and the real peers the tests run
// Every check is cheap (PATH look-ups, file reads), so a provisioned machine goes on at once and
// without network. What it cannot install itself (not root, not Debian, no Go) it names, with how
// to get it, and exits 1 before installing or running anything.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The commands the tests run, by the Debian package that has them. */
const DEBIAN_PACKAGES = {
  // unshare runs pilotfish as a real PID 1, setpriv as another user, prlimit with lower limits,
  // nsenter reaches into a test's network namespace; test/peers/build.sh serialises builds with flock.
  'util-linux': ['unshare', 'setpriv', 'prlimit', 'flock', 'nsenter'],
  // ip gives a test's network namespace a container's address (the example app on 0.0.0.0).
  iproute2: ['ip'],
  // script gives `pilotfish status -w` a real terminal.
  bsdutils: ['script'],
  // Both send sd_notify datagrams in the NOTIFY_SOCKET tests.
  python3: ['python3'],
  systemd: ['systemd-notify'],
  // The benchmark's packaged peers (its quick mode runs in the tests).
  supervisor: ['supervisord'],
  s6: ['s6-svscan'],
  tini: ['tini'],
  // The TLS tests' certificates.
  openssl: ['openssl'],
};

/**
 * The real peers the tests run, built by test/peers/build.sh in this order (kubectl reuses the
 * module graph kube-apiserver downloads), with their cold build times measured on 2 cores.
 */
const TEST_PEERS = [
  { name: 'consul', seconds: 480 },
  { name: 'etcd', seconds: 154 },
  { name: 'kube-apiserver', seconds: 1268 },
  { name: 'kubectl', seconds: 154 },
];

/** Why node_modules does not match package-lock.json, or undefined when it does. */
export function dependencyDrift(root = ROOT) {
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.link) continue;
    const installed = installedVersion(join(root, path));
    // Optional packages for other platforms (esbuild's, koffi's binaries) are rightly absent.
    if (installed === undefined && (entry.optional || entry.devOptional)) continue;
    if (installed === undefined) return `${path} is missing`;
    if (installed !== entry.version) return `${path} is ${installed}, package-lock.json has ${entry.version}`;
  }
  return undefined;
}

function installedVersion(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT, env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`provision: \`${[command, ...args].join(' ')}\` failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
    process.exit(1);
  }
}

function ensureDependencies(drift = dependencyDrift()) {
  if (drift === undefined) return;
  console.log(`provision: ${drift}: installing the dependencies (npm ci)`);
  // No lifecycle scripts: our `prepare` would build, and the build follows anyway; koffi and
  // esbuild load their binaries from their prebuilt platform packages without their own.
  const ci = ['ci', '--ignore-scripts', '--no-audit', '--no-fund'];
  // Under `npm run`, the npm that runs us; its CLI runs on this same Node.
  const npm = process.env.npm_execpath;
  if (npm) run(process.execPath, [npm, ...ci]);
  else run('npm', ci);
}

function peersCache() {
  return process.env.PILOTFISH_PEERS_CACHE ?? join(homedir(), '.cache/pilotfish-peers');
}

/** A peer as test/peers/build.sh builds it: version, cached binary, and the Go its module needs. */
function describePeer({ name, seconds }) {
  const env = readFileSync(join(ROOT, 'test/peers', name, 'peer.env'), 'utf8');
  const value = (key) => new RegExp(`^${key}=(.+)$`, 'm').exec(env)?.[1];
  const version = value('VERSION');
  const goMod = readFileSync(join(ROOT, 'test/peers', value('MODULE') ?? name, 'go.mod'), 'utf8');
  return { name, seconds, version, binary: join(peersCache(), 'bin', `${name}-${version}`), go: /^go (\S+)$/m.exec(goMod)?.[1] ?? '1' };
}

function versionAtLeast(have, want) {
  const [a, b] = [have, want].map((version) => version.split('.').map(Number));
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

function goVersion() {
  if (!onPath('go')) return undefined;
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
  return /^go(\d+(?:\.\d+)*)/.exec(result.stdout ?? '')?.[1];
}

const minutes = (seconds) => Math.max(1, Math.round(seconds / 60));

function buildPeers(peers) {
  const cache = peersCache();
  mkdirSync(cache, { recursive: true });
  const total = peers.reduce((sum, peer) => sum + peer.seconds, 0);
  console.log(`provision: building ${peers.length} test peer(s) from the Go module proxy into ${cache}, once (about ${minutes(total)} min on 2 cores; later runs reuse them)`);
  peers.forEach((peer, index) => {
    process.stdout.write(`  [${index + 1}/${peers.length}] ${peer.name} ${peer.version}: about ${minutes(peer.seconds)} min on 2 cores … `);
    const log = join(cache, `build-${peer.name}.log`);
    const started = Date.now();
    const result = spawnSync('bash', [join(ROOT, 'test/peers/build.sh'), peer.name], { cwd: ROOT, stdio: ['ignore', 'ignore', openSync(log, 'w')] });
    if (result.status !== 0) {
      console.log('failed');
      console.error(readFileSync(log, 'utf8').split('\n').slice(-25).join('\n'));
      console.error(`provision: building ${peer.name} failed; its whole log: ${log}`);
      process.exit(1);
    }
    console.log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  });
}

function aptInstall(packages) {
  console.log(`provision: installing Debian packages the tests need: ${packages.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  // Packages such as supervisor would start their daemon on install; nothing here needs it.
  const policy = '/usr/sbin/policy-rc.d';
  const guard = !existsSync(policy);
  if (guard) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    run('apt-get', ['install', '-y', '-qq', ...packages], { DEBIAN_FRONTEND: 'noninteractive' });
  } finally {
    if (guard) rmSync(policy, { force: true });
  }
}

function provisionTests() {
  const root = process.getuid?.() === 0;
  const debian = existsSync('/etc/debian_version') && onPath('apt-get');
  const missingCommands = Object.entries(DEBIAN_PACKAGES).flatMap(([pkg, commands]) => commands.filter((command) => !onPath(command)).map((command) => ({ pkg, command })));
  const packages = [...new Set(missingCommands.map(({ pkg }) => pkg))];
  const peers = TEST_PEERS.map(describePeer).filter((peer) => !existsSync(peer.binary));
  const goNeeded = peers.reduce((need, peer) => (versionAtLeast(need, peer.go) ? need : peer.go), '1');
  const go = peers.length > 0 ? goVersion() : undefined;

  const drift = dependencyDrift();
  const goUsable = go !== undefined && versionAtLeast(go, goNeeded);
  // What is missing, and whether npm test could set it up itself here.
  const missing = [];
  if (!root) {
    missing.push({ blocks: true, text: 'root: the tests run pilotfish as PID 1 of a new PID namespace (unshare) and as other users (setpriv): run `sudo npm test`.' });
  }
  if (packages.length > 0) {
    const commands = missingCommands.map(({ command, pkg }) => `${command} (${pkg})`).join(', ');
    missing.push({
      blocks: !(root && debian),
      text: `commands not on PATH: ${commands}. On Debian or Ubuntu, as root: \`apt-get install ${packages.join(' ')}\` (npm test does it when run as root there); elsewhere, your distribution's packages of the same names.`,
    });
  }
  if (peers.length > 0) {
    const built = `about ${minutes(peers.reduce((sum, peer) => sum + peer.seconds, 0))} min on 2 cores, once`;
    missing.push({
      blocks: !goUsable,
      text:
        `test peers not built: ${peers.map((peer) => `${peer.name} ${peer.version}`).join(', ')} (into ${peersCache()}). ` +
        (goUsable
          ? `npm test builds them with test/peers/build.sh (${built}).`
          : `Building them needs Go >= ${goNeeded} on PATH (${go === undefined ? 'no `go` found' : `found go${go}`}; Debian's golang package is older): install a Go release (e.g. into /usr/local/go, with /usr/local/go/bin on PATH), then npm test builds them (${built}).`),
    });
  }
  if (drift !== undefined) missing.push({ blocks: false, text: `${drift}: npm test runs npm ci.` });
  if (missing.some((item) => item.blocks)) {
    console.error(`npm test cannot set up what the tests need on this machine:\n${missing.map((item) => `  - ${item.text}`).join('\n')}\nNothing was installed and no test ran.`);
    process.exit(1);
  }
  ensureDependencies(drift);
  if (packages.length > 0) aptInstall(packages);
  if (peers.length > 0) buildPeers(peers);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv[2];
  if (what === 'dependencies') ensureDependencies();
  else if (what === 'tests') provisionTests();
  else {
    console.error('usage: node scripts/provision.mjs dependencies|tests');
    process.exit(2);
  }
}
