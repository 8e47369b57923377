#!/usr/bin/env node
// Runs each config under pilotfish and under a real ContainerPilot 3.8.0, one after the other,
// each with a fresh real Consul agent and the same environment, on stub commands
// (scripts/side-by-side/stub.py records every start's argv, environment and time), then diffs
// what each started (order, argv, environment), what each registered in Consul, what its
// telemetry /status said, and how it exited. Not part of `npm test`: it needs ContainerPilot
// (its kit's build.sh, or $PILOTFISH_CONTAINERPILOT) and a built Consul (test/peers/build.sh consul).
//
//   npm run build && node scripts/side-by-side.mjs [--verbose] CONFIG...
//   node scripts/side-by-side.mjs scripts/side-by-side/configs/*.json5 examples/*/*.json5
//
// A config may have a sidecar CONFIG.sbs.json: {behaviour: {name: "run" | "exit:N[:MS]" |
// "slowstop:MS"}, env: {…}, runForMs, stop: ["SIGTERM", …] with stopGapMs between them, status:
// true to read the telemetry endpoint's /status (port from the config's telemetry.port)}. Commands
// are found on PATH, where every name in `behaviour` (and node, echo) is the stub; a stub whose
// name has no behaviour exits 0 at once.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => join(root, 'dist', path);
if (!existsSync(dist('bench/supervisors/containerpilot.js'))) {
  console.error('side-by-side: build first (npm run build)');
  process.exit(2);
}
const { locateContainerPilot } = await import(dist('bench/supervisors/containerpilot.js'));
const { ConsulAgent } = await import(dist('test/helpers/consul.js'));

const { values: options, positionals: configs } = parseArgs({ allowPositionals: true, options: { verbose: { type: 'boolean', default: false } } });
if (configs.length === 0) {
  console.error('usage: node scripts/side-by-side.mjs [--verbose] CONFIG...');
  process.exit(2);
}
const containerpilot = locateContainerPilot();
if (!containerpilot.binary) {
  console.error(`side-by-side: ContainerPilot ${containerpilot.availability.reason}`);
  process.exit(2);
}
const pilotfishCli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.pilotfish);
const STUB = join(root, 'scripts/side-by-side/stub.py');
const DEFAULT_STUBS = ['node', 'echo'];
const WAVE_NS = 300e6;

const SUPERVISORS = {
  pilotfish: (file) => [process.execPath, [pilotfishCli, 'run', '--config', file]],
  containerpilot: (file) => [containerpilot.binary, ['-config', file]],
};

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** One supervisor on one config: what it started, registered, answered and how it ended. */
async function runOne(name, configFile, sidecar) {
  const dir = mkdtempSync(join(tmpdir(), `sbs-${name}-`));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const behaviour = sidecar.behaviour ?? {};
  for (const command of new Set([...DEFAULT_STUBS, ...Object.keys(behaviour)])) symlinkSync(STUB, join(bin, command));
  writeFileSync(join(dir, 'behaviour.json'), JSON.stringify(behaviour));
  const consul = await ConsulAgent.start();
  const env = {
    PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    HOME: process.env.HOME ?? '/root',
    CONSUL: consul.address,
    // pilotfish's control socket, away from ContainerPilot's default; ContainerPilot passes it on unchanged.
    PILOTFISH_SOCKET: join(dir, 'control.socket'),
    SBS_RECORD: join(dir, 'record.jsonl'),
    SBS_BEHAVIOUR: join(dir, 'behaviour.json'),
    ...sidecar.env,
  };
  const [command, args] = SUPERVISORS[name](resolve(configFile));
  const child = spawn(command, args, { cwd: dirname(resolve(configFile)), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((done) => child.once('close', (code, signal) => done({ code, signal })));
  const early = await Promise.race([exited, sleep(sidecar.runForMs ?? 4000).then(() => undefined)]);
  const running = early
    ? { services: {}, checks: {} }
    : { services: await consulJson(consul, '/v1/agent/services'), checks: await consulJson(consul, '/v1/agent/checks') };
  const status = !early && sidecar.status ? await telemetryStatus(configFile, env) : undefined;
  let stopSentNs;
  if (!early) {
    stopSentNs = Date.now() * 1e6;
    for (const [index, signal] of (sidecar.stop ?? ['SIGTERM']).entries()) {
      if (index > 0) await sleep(sidecar.stopGapMs ?? 0);
      child.kill(signal);
    }
  }
  const timeout = sleep(30_000).then(() => {
    child.kill('SIGKILL');
    return { code: null, signal: 'SIGKILL (side-by-side gave up after 30 s)' };
  });
  const exit = early ?? (await Promise.race([exited, timeout]));
  const left = await consulJson(consul, '/v1/agent/services');
  await consul.stop();
  const records = existsSync(env.SBS_RECORD)
    ? readFileSync(env.SBS_RECORD, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
    : [];
  return { name, exit, output, records, running, left, status, dir, stopSentNs: stopSentNs ?? Infinity };
}

async function consulJson(consul, path) {
  try {
    return JSON.parse(await consul.get(path));
  } catch (error) {
    return { error: error.message };
  }
}

async function telemetryStatus(configFile, env) {
  const port = /port:\s*(\d+)/.exec(/telemetry:\s*\{[^}]*\}/s.exec(readFileSync(configFile, 'utf8'))?.[0] ?? '')?.[1] ?? '9090';
  try {
    const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(3000) });
    return await response.json();
  } catch (error) {
    return { error: error.message };
  }
}

/** Values that differ between any two runs: pids, temp dirs, the Consul port. */
function normalise(value, run) {
  return String(value)
    .replaceAll(run.dir, '<run-dir>')
    .replace(/127\.0\.0\.1:\d{4,5}/g, '127.0.0.1:<port>')
    .replace(/^\d+$/, '<number>');
}

/**
 * Each distinct command (name and argv) in the order of its first start, with how often it
 * started and how often during shutdown: periodic checks make raw counts differ by timing alone.
 */
function startsOf(run) {
  const byKey = new Map();
  for (const r of run.records.filter((record) => record.event === 'start').sort((a, b) => a.ns - b.ns)) {
    const key = `${r.name} ${JSON.stringify(r.argv)}`;
    const entry = byKey.get(key) ?? { ...r, key, count: 0, duringStop: 0 };
    entry.count++;
    if (r.ns >= run.stopSentNs) entry.duringStop++;
    byKey.set(key, entry);
  }
  // Starts within WAVE_NS of a wave's first one were caused by the same event (ContainerPilot
  // starts such jobs in goroutines, in no fixed order): within a wave, order by name.
  const waves = [];
  for (const entry of byKey.values()) {
    const wave = waves.at(-1);
    if (wave && entry.ns - wave[0].ns < WAVE_NS) wave.push(entry);
    else waves.push([entry]);
  }
  return waves.flatMap((wave) => wave.sort((a, b) => a.key.localeCompare(b.key)));
}

/** Longest common subsequence of two key lists: which starts pair up, in order. */
function pairUp(a, b) {
  const table = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) table[i][j] = a[i].key === b[j].key ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i].key === b[j].key) out.push([a[i++], b[j++]]);
    else if (j >= b.length || (i < a.length && table[i + 1][j] >= table[i][j + 1])) out.push([a[i++], undefined]);
    else out.push([undefined, b[j++]]);
  }
  return out;
}

function envDiff(p, c) {
  const lines = [];
  const names = [...new Set([...Object.keys(p.env), ...Object.keys(c.env)])].sort();
  for (const key of names) {
    const pv = key in p.env ? normalise(p.env[key], runs.pilotfish) : undefined;
    const cv = key in c.env ? normalise(c.env[key], runs.containerpilot) : undefined;
    if (pv === cv) continue;
    // pilotfish's own names for ContainerPilot's variables are extras by design.
    if (key.startsWith('PILOTFISH_') && cv === undefined && key !== 'PILOTFISH_SOCKET') continue;
    lines.push(`${key}: pilotfish ${pv === undefined ? '(unset)' : JSON.stringify(pv)}, containerpilot ${cv === undefined ? '(unset)' : JSON.stringify(cv)}`);
  }
  return lines;
}

function servicesSummary(services) {
  if (services.error) return [`error: ${services.error}`];
  return Object.values(services)
    .map((s) => `${s.ID} ${s.Service} ${s.Address}:${s.Port} tags=${JSON.stringify(s.Tags)}${Object.keys(s.Meta ?? {}).length ? ` meta=${JSON.stringify(s.Meta)}` : ''}${s.EnableTagOverride ? ' tagOverride' : ''}`)
    .sort();
}

function checksSummary(checks) {
  if (checks.error) return [`error: ${checks.error}`];
  return Object.values(checks).map((c) => `${c.CheckID} ${c.Status}`).sort();
}

function compareLists(label, p, c, out) {
  const pOnly = p.filter((x) => !c.includes(x));
  const cOnly = c.filter((x) => !p.includes(x));
  if (pOnly.length === 0 && cOnly.length === 0) {
    out.push(`  ${label}: same${p.length ? ` (${p.length})` : ' (none)'}`);
    return false;
  }
  out.push(`  ${label}: DIFFER`);
  for (const x of pOnly) out.push(`    pilotfish only:      ${x}`);
  for (const x of cOnly) out.push(`    containerpilot only: ${x}`);
  return true;
}

function exitText(exit) {
  return exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`;
}

let runs;
let differing = 0;
for (const configFile of configs) {
  const sidecarFile = `${configFile.replace(/\.(json5?|ya?ml)$/, '')}.sbs.json`;
  const sidecar = existsSync(sidecarFile) ? JSON.parse(readFileSync(sidecarFile, 'utf8')) : {};
  runs = {};
  for (const name of Object.keys(SUPERVISORS)) runs[name] = await runOne(name, configFile, sidecar);
  const { pilotfish: p, containerpilot: c } = runs;
  const out = [`== ${configFile}${sidecar.about ? ` — ${sidecar.about}` : ''}`];
  let differs = false;
  const failed = (run) => run.records.length === 0 && run.exit.code !== null && run.exit.code !== 0 && run.exit.code !== 143;
  for (const run of [p, c]) {
    if (failed(run) || options.verbose) {
      const tail = run.output.trim().split('\n').slice(-3).map((line) => `      ${line.slice(0, 240)}`);
      out.push(`  ${run.name} ${exitText(run.exit)}, said:`, ...tail);
    }
  }
  const ps = startsOf(p);
  const cs = startsOf(c);
  out.push(`  exit: pilotfish ${exitText(p.exit)}, containerpilot ${exitText(c.exit)}${exitText(p.exit) === exitText(c.exit) ? '' : '  (differ)'}`);
  const pairs = pairUp(ps, cs);
  const unpaired = pairs.filter(([a, b]) => !a || !b);
  if (unpaired.length === 0) out.push(`  starts (order, argv): same (${ps.length}: ${ps.map((s) => s.name).join(' → ') || 'none'})`);
  else {
    differs = true;
    out.push(`  starts (order, argv): DIFFER (pilotfish ${ps.length}, containerpilot ${cs.length})`);
    for (const [a, b] of pairs) out.push(`    ${a && b ? '  both' : a ? 'pf only' : 'cp only'}  ${(a ?? b).name} ${JSON.stringify((a ?? b).argv)}`);
  }
  const envLines = new Map();
  for (const [a, b] of pairs) if (a && b) for (const line of envDiff(a, b)) envLines.set(line, [...(envLines.get(line) ?? []), a.name]);
  if (envLines.size === 0) out.push('  env of paired starts: same (besides PILOTFISH_* twins)');
  else {
    differs = true;
    out.push('  env of paired starts: DIFFER');
    for (const [line, who] of envLines) out.push(`    ${line}  [${[...new Set(who)].join(', ')}]`);
  }
  const counts = pairs.filter(([a, b]) => a && b && (a.count !== b.count || a.duringStop !== b.duringStop));
  for (const [a, b] of counts) {
    const during = (x) => (x.duringStop ? `, ${x.duringStop} after the stop signal` : '');
    out.push(`    ${a.name} ${JSON.stringify(a.argv)} started: pilotfish ×${a.count}${during(a)}, containerpilot ×${b.count}${during(b)}`);
    if (a.duringStop !== b.duringStop) differs = true;
  }
  const stubEvents = (run) => run.records.filter((r) => r.event !== 'start').map((r) => (r.event === 'signal' ? `${r.name} got ${r.signal}` : `${r.name} finished its graceful stop`));
  differs = compareLists('signals to stubs', stubEvents(p), stubEvents(c), out) || differs;
  differs = compareLists('consul services while running', servicesSummary(p.running.services), servicesSummary(c.running.services), out) || differs;
  differs = compareLists('consul checks while running', checksSummary(p.running.checks), checksSummary(c.running.checks), out) || differs;
  differs = compareLists('consul services left after exit', servicesSummary(p.left), servicesSummary(c.left), out) || differs;
  if (sidecar.status) {
    const text = (status) => JSON.stringify(status, (key, value) => (key === 'Version' ? '<version>' : value));
    if (text(p.status) === text(c.status)) out.push(`  telemetry /status: same ${text(p.status)}`);
    else {
      differs = true;
      out.push('  telemetry /status: DIFFER', `    pilotfish:      ${text(p.status)}`, `    containerpilot: ${text(c.status)}`);
    }
  }
  if (differs) differing++;
  console.log(out.join('\n'));
}
console.log(`\n${configs.length} config(s), ${differing} with differences (hostname ${hostname()})`);
