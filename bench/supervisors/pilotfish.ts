// pilotfish itself, started the way the package's `bin` does, so a bundled build is measured
// as soon as `bin` points at it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Workload } from '../workload.js';
import { REPO_ROOT } from './installed.js';
import type { Supervisor } from './types.js';

function manifest(): { version: string; bin: Record<string, string> } {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
}

/** PILOTFISH_BENCH_CLI measures another build (e.g. a bundle) against the same peers. */
function cli(): string {
  return process.env.PILOTFISH_BENCH_CLI ?? join(REPO_ROOT, manifest().bin.pilotfish ?? 'dist/src/cli/main.js');
}

/** A JavaScript build runs with the harness's Node; the single executable on its own (which scripts/sea.mjs records). */
function isJavaScript(): boolean {
  return /\.[cm]?js$/.test(cli());
}

/**
 * The npm bundle's `bin` is a shell line that execs Node with pilotfish's own flags: it runs as
 * installed, on the harness's Node (first on PATH), so those flags are measured too.
 */
function startsItsOwnNode(): boolean {
  return readFileSync(cli(), 'utf8').startsWith('#!/bin/sh\n');
}

/** What is measured, for the report: each row says which Node ran it. */
function build(): string {
  if (isJavaScript()) return `${cli().includes('/bundle/') ? 'the npm bundle' : 'tsc output'}, Node ${process.version}`;
  const recorded = join(REPO_ROOT, 'dist', 'sea', 'node-version');
  return `the single executable, Node ${existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : 'unknown'}`;
}

/** The config, in ContainerPilot v3's format where it has one (ContainerPilot reuses it). */
export function pilotfishConfig(workload: Workload, withHttpChecks: boolean): object {
  return {
    jobs: workload.jobs.map((job) => ({
      name: job.name,
      exec: ['/bin/sh', '-c', job.script],
      restarts: job.restart ? 'unlimited' : 'never',
      ...(withHttpChecks && job.checkUrl ? { health: { http: job.checkUrl, interval: '1s', timeout: '1s' } } : {}),
    })),
  };
}

export const pilotfish: Supervisor = {
  name: 'pilotfish',
  capabilities: new Set(['jobs', 'restart', 'http-checks', 'consul-watches', 'kubernetes-bridge', 'log-backpressure']),
  note: 'backoff.resetAfter 1s (default 10s), so a job up for 1.2 s counts as stable, like supervisord\'s startsecs and s6\'s 1 s',
  locate() {
    if (!existsSync(cli())) return { available: false, reason: `${cli()} not built (npm run build)` };
    return { available: true, version: `${manifest().version} (${build()})` };
  },
  prepare(workload, dir) {
    const config = pilotfishConfig(workload, true) as { jobs: Array<Record<string, unknown>> };
    for (const job of config.jobs) if (job.restarts === 'unlimited') job.backoff = { resetAfter: '1s' };
    return this.prepareConfig!(config, dir);
  },
  prepareConfig(config, dir) {
    const file = join(dir, 'pilotfish.json');
    writeFileSync(file, JSON.stringify(config, null, 2));
    const args = ['run', '--config', file];
    if (!isJavaScript()) return { command: cli(), args };
    if (startsItsOwnNode()) return { command: cli(), args, env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` } };
    return { command: process.execPath, args: [cli(), ...args] };
  },
};
