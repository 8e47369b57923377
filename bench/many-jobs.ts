// Where a large supervisor's time and memory go: `pilotfish run` with N `sleep` jobs (2000 by
// default), as issue 10 found it (310 MB RSS, 7 s to shut down). Prints the RSS once every job
// runs, the time from SIGTERM to exit, and the peak RSS. Not part of `npm test` (it judges no
// number): `node dist/bench/many-jobs.js [N]` after a build.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree } from './proc.js';
import { sleep } from './sleep.js';

const CLI = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));

function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-many-'));
  const jobs = Array.from({ length: count }, (_, index) => ({ name: `sleeper-${index}`, exec: ['sleep', '1000'] }));
  const file = join(dir, 'pilotfish.json');
  writeFileSync(file, JSON.stringify({ logging: { level: 'WARN' }, jobs }));
  const child = spawn(process.execPath, [CLI, 'run', '--config', file], {
    env: { ...process.env, PILOTFISH_SOCKET: join(dir, 'control.socket') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const launched = Date.now();
  // Every job runs when the tree holds the supervisor and `count` sleeps.
  while (processTree(pid).filter((stat) => stat.comm === 'sleep').length < count) await sleep(100);
  const startMs = Date.now() - launched;
  await sleep(1000);
  const runningRss = memoryKiB(pid, 'VmRSS');
  const stopAt = Date.now();
  child.kill('SIGTERM');
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, memoryKiB(pid, 'VmHWM'));
    } catch {
      // gone
    }
  }, 50);
  await exited;
  clearInterval(sampler);
  const stopMs = Date.now() - stopAt;
  console.log(JSON.stringify({ jobs: count, startMs, runningRssMiB: +(runningRss / 1024).toFixed(1), shutdownMs: stopMs, peakRssMiB: +(peak / 1024).toFixed(1) }));
}

await main();
