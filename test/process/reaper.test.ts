// The orphan reaper, run for real in child processes (it makes its process a subreaper and reaps
// that process's children, so never in the test runner itself): as a subreaper, and as the PID 1
// of a fresh PID namespace (unshare; the tests run as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeWaitStatus, parseStat } from '../../src/process/reaper.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/reaper-fixture.js', import.meta.url));

interface Exit {
  command: string;
  code: number | null;
  signal: string | null;
}

interface Run {
  code: number | null;
  lines: Array<Record<string, unknown>>;
  output: string;
}

function run(argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 20_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines, output: `${stdout}\n${stderr}` });
    });
  });
}

/** Every child of ours exited as its command ends: `exit N` with N, `kill -SIG $$` with SIG. */
function assertExits(exits: Exit[], output: string): void {
  for (const exit of exits) {
    const signal = /kill -(\w+) \$\$$/.exec(exit.command)?.[1];
    const code = /exit (\d+)$/.exec(exit.command)?.[1];
    if (signal) assert.deepEqual([exit.code, exit.signal], [null, `SIG${signal}`], output);
    else assert.deepEqual([exit.code, exit.signal], [Number(code), null], output);
  }
}

test('decodes wait statuses as exit codes, and signals as 128+signal', () => {
  assert.equal(decodeWaitStatus(0x0000), 0);
  assert.equal(decodeWaitStatus(0x0300), 3);
  assert.equal(decodeWaitStatus(0xff00), 255);
  assert.equal(decodeWaitStatus(9), 137); // SIGKILL
  assert.equal(decodeWaitStatus(15), 143); // SIGTERM
  assert.equal(decodeWaitStatus(0x80 | 11), 139); // SIGSEGV with a core dump
});

test('reads name, state, parent and process group from /proc/<pid>/stat whatever the program is called', () => {
  assert.deepEqual(parseStat('4242 (sleep) Z 17 4242 4242 0 -1 4194564\n'), { name: 'sleep', state: 'Z', ppid: 17, pgid: 4242 });
  // A name made to look like fields: only the text after the last ')' counts.
  assert.deepEqual(parseStat('4242 (a) Z 1 (b) S 17 4200 4242 0 -1 4194560\n'), { name: 'a) Z 1 (b', state: 'S', ppid: 17, pgid: 4200 });
  assert.deepEqual(parseStat('4242 (x )) R 1 () S 17 0\n'), { name: 'x )) R 1 (', state: 'S', ppid: 17, pgid: 0 });
});

test('a sweep reaps only orphans, never a zombie child of our own', async () => {
  const { code, lines, output } = await run([process.execPath, FIXTURE, 'guard']);
  assert.equal(code, 0, output);
  const result = lines.at(-1) as Record<string, unknown> & { exits: Exit[]; ms: object };
  assert.equal(result.mode, 'subreaper', output);
  assert.equal(result.ready, true, output);
  // 200 orphans and 7 of ours were zombies together; both ways of finding them agree.
  assert.equal(result.listed, 207, output);
  assert.equal(result.listersAgree, true, output);
  assert.equal(result.reapedNow, 200, output);
  assert.equal(result.orphansLeft, 0, output);
  assert.equal(result.ownedStillZombies, result.ownedCount, output);
  // The orphans' real statuses: 199 × exit 3 and one SIGTERM.
  const reapedCodes = result.reapedCodes as number[];
  assert.equal(reapedCodes.filter((c) => c === 3).length, 199, output);
  assert.deepEqual(reapedCodes.filter((c) => c !== 3), [143], output);
  assertExits(result.exits, output);
  console.log(`sweep cost with 200 zombies (ms): ${JSON.stringify(result.ms)}`);
});

test('a sweep that finds no zombie child reads nothing from /proc', async () => {
  // The sweep runs every second: with 100 jobs, reading each one's /proc/<pid>/stat cost ~0.3 % of a core.
  const { code, lines, output } = await run([process.execPath, FIXTURE, 'quiet']);
  assert.equal(code, 0, output);
  assert.deepEqual(lines.at(-1), { mode: 'subreaper', reapedNow: 0, sweepReads: 0 }, output);
});

test('as a subreaper, SIGCHLD alone reaps an orphan storm without stealing any exit code', async () => {
  const { code, lines, output } = await run([process.execPath, FIXTURE, 'storm']);
  assert.equal(code, 0, output);
  const result = lines.at(-1) as Record<string, unknown> & { exits: Exit[] };
  assert.equal(result.mode, 'subreaper', output);
  assert.equal(result.zombiesLeft, 0, output);
  assert.deepEqual(result.reapedCodes, Array(50).fill(0), output);
  assert.ok((result.maxZombieAgeMs as number) < 1000, output);
  console.log(`longest-lived zombie: ${result.maxZombieAgeMs} ms`);
  assert.equal(result.exits.length, 21, output);
  assertExits(result.exits, output);
});

test('as PID 1 it reaps 200 orphans, keeps every exit code of its own, and exits on SIGTERM', async () => {
  // --kill-child: should the test give up on unshare, its PID 1 (and so the namespace) goes too.
  const { code, lines, output } = await run([
    'unshare', '--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, FIXTURE, 'pid1',
  ]);
  assert.equal(code, 0, output);
  assert.equal(lines.length, 2, output);
  const [result, last] = lines as [Record<string, unknown> & { exits: Exit[] }, Record<string, unknown>];
  assert.equal(result.pid, 1, output);
  assert.equal(result.mode, 'pid1', output);
  assert.equal(result.zombiesLeft, 0, output);
  assert.deepEqual(result.reapedCodes, Array(200).fill(0), output);
  assert.ok((result.maxZombieAgeMs as number) < 1000, output);
  console.log(`longest-lived zombie: ${result.maxZombieAgeMs} ms`);
  assertExits(result.exits, output);
  assert.deepEqual(last, { terminatedBy: 'SIGTERM' });
});

test('orphans that became zombies before the reaper started are reaped as it starts', async () => {
  const { code, lines, output } = await run([
    'unshare', '--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, FIXTURE, 'late',
  ]);
  assert.equal(code, 0, output);
  assert.deepEqual(lines.at(-1), { pid: 1, mode: 'pid1', zombiesBefore: 20, reapedAtStart: 20, zombiesAfter: 0 }, output);
});

test('with no descriptor left (EMFILE), orphans are still reaped, through waitid instead of /proc', async () => {
  const { code, lines, output } = await run([process.execPath, FIXTURE, 'emfile']);
  assert.equal(code, 0, output);
  const result = lines.at(-1) as { mode: string; canOpen: boolean; reapedBeforeLimit: number; reaped: number; codes: number[]; degraded: Array<string | null> };
  assert.equal(result.mode, 'subreaper', output);
  assert.equal(result.canOpen, false, output);
  assert.equal(result.reapedBeforeLimit, 0, output);
  assert.equal(result.reaped, 20, output);
  assert.deepEqual(result.codes, [0], output);
  // waitid needs no descriptor and comes first: /proc is read only when a zombie of ours is in
  // the way, so the fallback's notice appears only then, and names EMFILE.
  assert.ok(result.degraded.every((reason) => reason === null || /EMFILE/.test(reason)), output);
});
