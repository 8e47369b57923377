// supervisord (Python), in the foreground, one [program] per job, everything else at defaults.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianPackage, firstLineOf } from './installed.js';
import { shellQuote } from './shell.js';
import type { Supervisor } from './types.js';

export const supervisord: Supervisor = {
  name: 'supervisord',
  capabilities: new Set(['jobs', 'restart']),
  note: 'defaults: startsecs 1, startretries 3 (a crash loop ends in FATAL), linear backoff',
  locate() {
    const installed = debianPackage('supervisord', 'supervisor');
    return installed.available ? { available: true, version: firstLineOf('supervisord', ['--version']) ?? installed.version } : installed;
  },
  prepare(workload, dir) {
    const programs = workload.jobs.map((job) =>
      [
        `[program:${job.name}]`,
        // supervisord expands %(...)s in commands: escape the percent signs a script may hold.
        `command=/bin/sh -c ${shellQuote(job.script).replaceAll('%', '%%')}`,
        `autorestart=${job.restart}`,
        'stdout_logfile=NONE',
        'stderr_logfile=NONE',
      ].join('\n'),
    );
    const config = [
      '[supervisord]',
      'nodaemon=true',
      'user=root',
      `logfile=${join(dir, 'supervisord.log')}`,
      `pidfile=${join(dir, 'supervisord.pid')}`,
      ...programs,
    ].join('\n');
    const file = join(dir, 'supervisord.conf');
    writeFileSync(file, `${config}\n`);
    return { command: 'supervisord', args: ['-c', file] };
  },
};
