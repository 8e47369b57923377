// Scenario 8: what floods of output cost PID 1 when nobody reads them (issue 10, critical 1 and 4):
// its stdout stalled under a chatty job, and a `logs --follow` client that stops reading.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../test/helpers/peers.js';
import { sleep } from '../sleep.js';
import type { Launch, Supervisor } from '../supervisors/types.js';
import type { Scenario } from './types.js';

const CHATTY = 'while :; do echo "a chatty job writing one line of output after another, as fast as it can"; done';
const FLOOD_BYTES = 300_000_000;

function rssMib(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Runs `launch` with stdout on `stdout` (a descriptor), always killing it afterwards. */
async function withRun<T>(launch: Launch, stdout: number, env: NodeJS.ProcessEnv, body: (child: ChildProcess) => Promise<T>): Promise<T> {
  const child = spawn(launch.command, launch.args, { env: { ...process.env, ...launch.env, ...env }, stdio: ['ignore', stdout, 'ignore'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    return await body(child);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function stalledStdout(supervisor: Supervisor, dir: string, seconds: number): Promise<Record<string, number>> {
  const [port] = (await freePorts(1)) as [number];
  const ticks = join(dir, 'ticks');
  const launch = supervisor.prepareConfig!(
    {
      telemetry: { port, interfaces: ['static:127.0.0.1'] },
      jobs: [
        { name: 'chatty', exec: ['sh', '-c', CHATTY] },
        { name: 'tick', exec: ['sh', '-c', `printf x >> ${ticks}`], when: { interval: '1s' } },
      ],
    },
    dir,
  );
  const fifo = join(dir, 'stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  // The read end is held open and never read: the pipe fills, then stays full.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  try {
    return await withRun(launch, writer, { PILOTFISH_SOCKET: join(dir, 'control.socket') }, async (child) => {
      closeSync(writer);
      const pid = child.pid as number;
      await until(async () => (await metric(port, 'pilotfish_log_lines_dropped_total')) > 0, 'the first dropped line', 30_000);
      const droppedBefore = await metric(port, 'pilotfish_log_lines_dropped_total');
      const ticksBefore = readFileSync(ticks, 'utf8').length;
      let rss = rssMib(pid);
      const from = Date.now();
      while (Date.now() - from < seconds * 1000) {
        await sleep(200);
        rss = Math.max(rss, rssMib(pid));
      }
      const elapsed = (Date.now() - from) / 1000;
      const dropped = (await metric(port, 'pilotfish_log_lines_dropped_total')) - droppedBefore;
      const ticksRun = readFileSync(ticks, 'utf8').length - ticksBefore;
      const stopAt = Date.now();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      return { stallRss: rss, stallDrops: dropped / elapsed, stallTicks: ticksRun / elapsed, stallExit: Date.now() - stopAt };
    });
  } finally {
    closeSync(reader);
  }
}

async function stalledFollower(supervisor: Supervisor, dir: string): Promise<Record<string, number>> {
  const socket = join(dir, 'follower.socket');
  const launch = supervisor.prepareConfig!(
    {
      logging: { level: 'warn' },
      jobs: [{ name: 'flood', exec: ['sh', '-c', `head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' x | fold -w 1000`], when: { source: 'SIGHUP' } }],
    },
    dir,
  );
  const devNull = openSync('/dev/null', 'w');
  try {
    return await withRun(launch, devNull, { PILOTFISH_SOCKET: socket }, async (child) => {
      const pid = child.pid as number;
      const status = async () => {
        const response = await fetchUnix(socket, '/v1/status');
        return (JSON.parse(response) as { jobs: { name: string; state: string }[] }).jobs.find((job) => job.name === 'flood')?.state;
      };
      await until(async () => (await status()) !== undefined, 'the control socket', 10_000);
      const client = connect(socket);
      let received = '';
      client.setEncoding('utf8').on('data', (chunk: string) => (received = (received + chunk).slice(-100_000)));
      client.write('GET /v1/logs?job=flood&lines=0&follow=true HTTP/1.1\r\nHost: pilotfish\r\n\r\n');
      await until(async () => received.includes('200 OK'), 'the follow response', 10_000);
      client.pause();
      const before = rssMib(pid);
      let peak = before;
      child.kill('SIGHUP');
      let started = false;
      await until(
        async () => {
          peak = Math.max(peak, rssMib(pid));
          const state = await status();
          started ||= state === 'running';
          return started && state !== 'running';
        },
        'the flood to end',
        300_000,
      );
      client.resume();
      let skipped = Number.NaN;
      await until(async () => {
        skipped = Number(/"skipped":(\d+)/.exec(received)?.[1] ?? Number.NaN);
        return !Number.isNaN(skipped);
      }, 'the skip marker', 30_000);
      client.destroy();
      return { followerRssGrowth: peak - before, followerSkipped: skipped };
    });
  } finally {
    closeSync(devNull);
  }
}

function fetchUnix(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = connect(socketPath);
    let text = '';
    client.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    client.on('error', reject);
    client.on('end', () => resolve(text.slice(text.indexOf('\r\n\r\n') + 4)));
    client.write(`GET ${path} HTTP/1.1\r\nHost: pilotfish\r\nConnection: close\r\n\r\n`);
  });
}

export const logFloods: Scenario = {
  id: '8',
  title: 'Output floods nobody reads: a stalled stdout under a chatty job, a log follower that stops reading',
  method:
    "Stalled stdout: pilotfish's stdout is a FIFO held open and never read; one job prints ~100-byte lines as fast as it can, a periodic job runs every 1 s. " +
    'After the first dropped line, 20 s (quick: 5 s) of sampling VmRSS every 200 ms (peak), lines dropped per second (pilotfish_log_lines_dropped_total), periodic runs per second, then the time from SIGTERM to exit. ' +
    `Stalled follower: a client asks /v1/logs?follow=true on the control socket and then reads nothing while a job prints ${FLOOD_BYTES / 1e6} MB in 1000-byte lines; the peak VmRSS growth from before the flood to its end (with no follower, the same flood grows RSS by about 60 MiB of garbage), and the lines skipped that the client is told about when it reads again`,
  capabilities: ['log-backpressure'],
  metrics: [
    { key: 'stallRss', label: 'RSS peak, stdout stalled', unit: 'MiB' },
    { key: 'stallDrops', label: 'lines dropped', unit: 'per s' },
    { key: 'stallTicks', label: 'periodic runs', unit: 'per s' },
    { key: 'stallExit', label: 'SIGTERM to exit, stdout stalled', unit: 'ms' },
    { key: 'followerRssGrowth', label: 'RSS growth, follower stalled', unit: 'MiB' },
    { key: 'followerSkipped', label: 'lines skipped for the follower', unit: 'count' },
  ],
  runs: { full: 1, quick: 1 },
  async measure(supervisor, context) {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-bench-floods-'));
    try {
      return { ...(await stalledStdout(supervisor, dir, context.quick ? 5 : 20)), ...(await stalledFollower(supervisor, dir)) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

