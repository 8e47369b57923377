// Daemons that left their job's process group (setsid) are not stopped with the job. Before
// pilotfish exits they get SIGTERM, then SIGKILL after the top-level stopTimeout, as s6 does at its
// stage 3: as PID 1 nothing would warn them before the kernel's SIGKILL, and as a subreaper they
// would outlive pilotfish under the real init. The real `pilotfish run`, real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStat } from '../../src/process/reaper.js';
import { describeStragglers } from '../../src/process/stragglers.js';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

/** A job that starts two daemons in sessions of their own: one that leaves on SIGTERM, saying so, and one that ignores it. */
function daemonsConfig(dir: string, stopTimeout: string): string {
  const polite = join(dir, 'polite.sh');
  writeFileSync(polite, `#!/bin/sh\necho $$ > ${dir}/polite.pid\ntrap 'echo TERM > ${dir}/polite.got; exit 0' TERM\nwhile :; do sleep 0.1; done\n`, { mode: 0o755 });
  const stubborn = join(dir, 'stubborn.sh');
  writeFileSync(stubborn, `#!/bin/sh\ntrap '' TERM\necho $$ > ${dir}/stubborn.pid\nexec sleep 1000\n`, { mode: 0o755 });
  return `{
    stopTimeout: "${stopTimeout}",
    jobs: [{ name: "app", exec: ["sh", "-c", "setsid ${polite} & setsid ${stubborn} & echo started; exec sleep 1000"] }],
  }`;
}

const pidIn = (file: string): number => Number(readFileSync(file, 'utf8'));

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function daemonsUp(dir: string): Promise<void> {
  await waitFor(() => {
    try {
      return pidIn(join(dir, 'polite.pid')) > 0 && pidIn(join(dir, 'stubborn.pid')) > 0;
    } catch {
      return false;
    }
  }, 'both daemons started');
}

/** pilotfish running the daemons' job, both daemons up. */
async function withDaemons(stopTimeout: string, options: { asPid1?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-stragglers-'));
  const run = runConfig(daemonsConfig(dir, stopTimeout), options);
  await run.waitForLine(/\[app\] started/);
  await daemonsUp(dir);
  return { dir, run };
}

test('as PID 1, daemons that left their job get SIGTERM once every job has stopped, and SIGKILL after stopTimeout', async () => {
  const { dir, run } = await withDaemons('500ms', { asPid1: true });
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.match(run.output(), /WARN .*process\(es\) outlived their jobs: .*\(polite\.sh\).*; SIGTERM, then SIGKILL after 500 ms/);
  assert.equal(readFileSync(join(dir, 'polite.got'), 'utf8'), 'TERM\n', 'the daemon had its SIGTERM before the end');
  assert.match(run.output(), /WARN .*SIGKILL to 1 process\(es\) still there: \d+ \(sleep\)/);
  assert.ok(run.output().indexOf('SIGKILL to') < run.output().indexOf('stopped; exiting with code 143'), 'before pilotfish exits');
});

test('as a subreaper, nothing a job started outlives pilotfish, and processes outside its tree are left alone', async (t) => {
  const bystander = spawn('sleep', ['1000'], { stdio: 'ignore' });
  t.after(() => bystander.kill('SIGKILL'));
  const { dir, run } = await withDaemons('500ms');
  const daemons = [pidIn(join(dir, 'polite.pid')), pidIn(join(dir, 'stubborn.pid'))];
  t.after(() => daemons.filter(alive).forEach((pid) => process.kill(pid, 'SIGKILL')));
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.equal(readFileSync(join(dir, 'polite.got'), 'utf8'), 'TERM\n');
  // Killed by pilotfish, they are reaped by the real init now: gone, or at most zombies for a moment.
  await waitFor(() => daemons.every((pid) => !alive(pid)), 'both daemons gone');
  assert.equal(alive(bystander.pid!), true, 'a process pilotfish did not start is untouched');
});

test("a second stop signal cuts the stragglers' grace short", async () => {
  const { run } = await withDaemons('10m', { asPid1: true });
  run.signal('SIGTERM');
  await run.waitForLine(/outlived their jobs/);
  // A second signal counts as "now" at least 1 s after the first.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.match(run.output(), /SIGKILL to 1 process\(es\) still there/);
});

test('a stopped daemon is continued, so that it sees its SIGTERM', async (t) => {
  const { dir, run } = await withDaemons('5s');
  const daemons = [pidIn(join(dir, 'polite.pid')), pidIn(join(dir, 'stubborn.pid'))];
  t.after(() => daemons.filter(alive).forEach((pid) => process.kill(pid, 'SIGKILL')));
  process.kill(daemons[0]!, 'SIGSTOP');
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.equal(readFileSync(join(dir, 'polite.got'), 'utf8'), 'TERM\n', run.output());
});

test('a daemon forking as fast as it can leaves no process of its group behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-stragglers-'));
  // Ignores SIGTERM (and so do the sleeps it forks, which inherit that), forking all the while.
  const forker = join(dir, 'forker.sh');
  writeFileSync(forker, `#!/bin/sh\ntrap '' TERM\necho $$ > ${dir}/forker.pid\nwhile :; do sleep 1000 & done\n`, { mode: 0o755 });
  const run = runConfig(`{ stopTimeout: "300ms", jobs: [{ name: "app", exec: ["sh", "-c", "setsid ${forker} & echo started; exec sleep 1000"] }] }`);
  await run.waitForLine(/\[app\] started/);
  await waitFor(() => existsSync(join(dir, 'forker.pid')), 'the forker started');
  const group = pidIn(join(dir, 'forker.pid'));
  t.after(() => killGroup(group));
  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 143, run.output());
  assert.match(run.output(), /SIGKILL to \d+ process\(es\) still there/);
  await waitFor(() => membersOf(group).length === 0, `no member of process group ${group} left`);
});

test('a program name with control characters cannot forge log lines', () => {
  assert.equal(describeStragglers([{ pid: 7, pgid: 7, name: 'z\nERROR forged' }]), '7 (z\\nERROR forged)');
  const many = Array.from({ length: 12 }, (_, i) => ({ pid: i + 2, pgid: 1, name: 'sleep' }));
  assert.equal(describeStragglers(many), `${many.slice(0, 10).map(({ pid }) => `${pid} (sleep)`).join(', ')} and 2 more`);
});

/** Live members of a process group (zombies excluded), from /proc. */
function membersOf(pgid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      return stat.pgid === pgid && stat.state !== 'Z' ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // None left.
  }
}
