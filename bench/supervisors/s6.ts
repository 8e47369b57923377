// s6-svscan on a scan directory with one service directory (a `run` script) per job.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianPackage } from './installed.js';
import type { Supervisor } from './types.js';

export const s6: Supervisor = {
  name: 's6',
  capabilities: new Set(['jobs', 'restart']),
  note: 's6-svscan plus one s6-supervise per job (both counted as the supervisor); at least 1 s between spawns, no backoff',
  locate: () => debianPackage('s6-svscan', 's6'),
  prepare(workload, dir) {
    const scandir = join(dir, 'services');
    for (const job of workload.jobs) {
      const service = join(scandir, job.name);
      mkdirSync(service, { recursive: true });
      writeFileSync(join(service, 'run'), `#!/bin/sh\n${job.script}\n`, { mode: 0o755 });
      // Exit code 125 from `finish` tells s6-supervise not to restart the service.
      if (!job.restart) writeFileSync(join(service, 'finish'), '#!/bin/sh\nexit 125\n', { mode: 0o755 });
    }
    return { command: 's6-svscan', args: [scandir] };
  },
};
