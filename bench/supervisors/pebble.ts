// Canonical's Pebble, built by test/peers/build.sh: `pebble run` on a layer with one service
// (and optionally one HTTP check) per job.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstLineOf, goPeer } from './installed.js';
import { shellQuote } from './shell.js';
import type { Supervisor } from './types.js';

const peer = goPeer('pebble');

export const pebble: Supervisor = {
  name: 'pebble',
  capabilities: new Set(['jobs', 'restart', 'http-checks']),
  note: 'defaults: backoff 500 ms × 2 up to 30 s, even for a job that had been running fine',
  locate() {
    if (!peer.availability.available) return peer.availability;
    return { available: true, version: firstLineOf(peer.binary, ['version', '--client']) ?? peer.availability.version };
  },
  prepare(workload, dir) {
    const home = join(dir, 'pebble');
    mkdirSync(join(home, 'layers'), { recursive: true });
    const services = Object.fromEntries(
      workload.jobs.map((job) => [
        job.name,
        {
          override: 'replace',
          startup: 'enabled',
          command: `/bin/sh -c ${shellQuote(job.script)}`,
          ...(job.restart ? {} : { 'on-success': 'ignore', 'on-failure': 'ignore' }),
        },
      ]),
    );
    const checks = Object.fromEntries(
      workload.jobs
        .filter((job) => job.checkUrl)
        .map((job) => [job.name, { override: 'replace', level: 'alive', period: '1s', timeout: '1s', http: { url: job.checkUrl } }]),
    );
    // JSON is YAML: no YAML writer needed.
    writeFileSync(join(home, 'layers', '001-bench.yaml'), JSON.stringify({ summary: 'bench', services, checks }));
    return { command: peer.binary, args: ['run', '--create-dirs'], env: { PEBBLE: home } };
  },
};
