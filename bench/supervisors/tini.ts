// tini runs one child. Several jobs run as background shells under one /bin/sh, with `-g` so
// SIGTERM reaches the whole group: the usual way to put several processes behind tini.
import { debianPackage, firstLineOf } from './installed.js';
import { shellQuote } from './shell.js';
import type { Supervisor } from './types.js';

export const tini: Supervisor = {
  name: 'tini',
  capabilities: new Set(['jobs']),
  note: 'one child: several jobs run under a /bin/sh (counted as the supervisor), no restarts, no checks',
  locate() {
    const installed = debianPackage('tini', 'tini');
    return installed.available ? { available: true, version: firstLineOf('tini', ['--version']) ?? installed.version } : installed;
  },
  prepare(workload) {
    const [only] = workload.jobs;
    const script =
      workload.jobs.length === 1 && only ? only.script : `${workload.jobs.map((job) => `/bin/sh -c ${shellQuote(job.script)} &`).join(' ')} wait`;
    // -s: act as a subreaper, since the harness, not tini, is the parent of everything here.
    return { command: 'tini', args: ['-s', '-g', '--', '/bin/sh', '-c', script] };
  },
};
