// Scenario 9: an orphan storm (issue 10). One job forks N short-lived grandchildren and leaves
// them at once, as a shell script's `cmd &` or a daemonising library does; the kernel reparents
// them to PID 1, which in a container is the supervisor: whether it reaps what it never started
// decides whether zombies pile up until the PID limit. Each supervisor runs as PID 1 of its own
// PID namespace, and is watched from outside through /proc.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { withLaunch } from '../instance.js';
import { processTree } from '../proc.js';
import { sleep } from '../sleep.js';
import { JOB_COMM } from '../workload.js';
import type { Scenario } from './types.js';

const ORPHAN_LIFE_S = 0.2;
/** How long zombies may stay after the last orphan exited before they count as left behind. */
const SETTLE_MS = 3000;

/** The namespace's processes now: how many are zombies, and how many are alive but not in `baseline`. */
function census(root: number, baseline: ReadonlySet<number>): { zombies: number; orphans: number } {
  const tree = processTree(root);
  const zombies = tree.filter((process_) => process_.state === 'Z').length;
  return { zombies, orphans: tree.filter((process_) => process_.state !== 'Z' && !baseline.has(process_.pid)).length };
}

/** The job: announce, wait for the harness to note who is there, orphan `count` sleepers, announce again. */
/**
 * Opens the gate for writing once the job has opened it for reading: the job announces itself
 * just before it does, and until then a non-blocking open fails with ENXIO.
 */
async function openWhenRead(gate: string): Promise<number> {
  for (const deadline = performance.now() + 10_000; ; await sleep(10)) {
    try {
      return openSync(gate, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || performance.now() > deadline) throw error;
    }
  }
}

function stormScript(announce: (name: string) => string, gate: string, count: number): string {
  const orphan = `(${JOB_COMM} ${ORPHAN_LIFE_S} &)`;
  return `${announce('storm')}; read go < ${gate}; i=0; while [ $i -lt ${count} ]; do ${orphan}; i=$((i + 1)); done; ${announce('stormed')}; exec ${JOB_COMM} 1000000`;
}

export const orphanStorm: Scenario = {
  id: '9',
  title: 'Orphan storm: zombies left by grandchildren orphaned to PID 1',
  method:
    `Each supervisor is PID 1 of a new PID namespace (unshare --pid --fork --mount-proc) and runs one job that forks 1000 (quick: 200) subshells, each leaving a \`${JOB_COMM} ${ORPHAN_LIFE_S}\` behind as an orphan, then execs a long sleep. ` +
    'The namespace is read from /proc outside it, one scan after another (a scan takes a few ms on a loaded machine, so times are that coarse): the most zombies seen at once, ' +
    `the zombies still there ${SETTLE_MS / 1000} s after the last orphan exited, and the time from the last scan that saw an orphan alive to the first that saw no zombie (an upper bound of the last reap's delay, one scan for a supervisor that reaps at once; none when some are never reaped)`,
  capabilities: ['jobs'],
  metrics: [
    { key: 'zombiesLeft', label: `zombies left after ${SETTLE_MS / 1000} s`, unit: 'count' },
    { key: 'reapMs', label: 'last orphan seen alive → all reaped', unit: 'ms' },
    { key: 'peakZombies', label: 'zombies at once, peak', unit: 'count' },
  ],
  runs: { full: 3, quick: 1 },
  measure(supervisor, context) {
    const count = context.quick ? 200 : 1000;
    let gate = '';
    return withLaunch(
      supervisor.name,
      (starts, dir) => {
        gate = join(dir, 'gate.fifo');
        execFileSync('mkfifo', [gate]);
        const launch = supervisor.prepare({ jobs: [{ name: 'storm', script: stormScript((name) => starts.announceCommand(name), gate, count), restart: false }] }, dir);
        return {
          command: 'unshare',
          args: ['--pid', '--fork', '--mount-proc', launch.command, ...launch.args],
          env: { ...launch.env, PILOTFISH_SOCKET: join(dir, 'control.socket') },
        };
      },
      async (instance) => {
        await instance.starts.nth(0, 30_000);
        // Everything alive before the storm (unshare, the supervisor, its helpers, the job) is not an orphan.
        const baseline = new Set(processTree(instance.pid).map((process_) => process_.pid));
        const writer = await openWhenRead(gate);
        writeSync(writer, 'go\n');
        closeSync(writer);
        let peakZombies = 0;
        let lastAliveAt = performance.now();
        let now = census(instance.pid, baseline);
        const scan = (): void => {
          peakZombies = Math.max(peakZombies, now.zombies);
          now = census(instance.pid, baseline);
        };
        // The storm is over when the job said so and no orphan is alive any more.
        while (instance.starts.starts.length < 2 || now.orphans > 0) {
          if (instance.exitedAt !== undefined) throw new Error('the supervisor exited during the storm');
          lastAliveAt = performance.now();
          await sleep(1);
          scan();
        }
        while (now.zombies > 0 && performance.now() - lastAliveAt < SETTLE_MS) {
          await sleep(1);
          scan();
        }
        const reaped: Record<string, number> = now.zombies === 0 ? { reapMs: performance.now() - lastAliveAt } : {};
        return { zombiesLeft: now.zombies, peakZombies: Math.max(peakZombies, now.zombies), ...reaped };
      },
    );
  },
};
