// Issue 10, critical 1: a reader of pilotfish's stdout that stops reading (`pilotfish run … | sleep
// 30`, a stuck log collector) must not freeze supervision. Lines beyond a bounded queue are
// dropped and counted in /metrics, and one line says how many once the reader is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { httpCall } from '../helpers/control.js';
import { CLI, REPO_ROOT } from '../helpers/pilotfish.js';
import { freePorts } from '../helpers/peers.js';
import { waitFor } from '../helpers/wait.js';

// Long lines: the 4 MiB queue fills after a few thousand of them, however few a loaded machine lets
// pilotfish handle in a second (with 90-byte lines it took tens of thousands, and over 20 s so).
const FLOOD_LINE = 'a chatty job writing one long line of output after another';
const CHATTY = `while :; do echo "${FLOOD_LINE}, as fast as it can: ${'x'.repeat(900)}"; done`;

interface Stalled {
  child: ChildProcess;
  dir: string;
  socket: string;
  port: number;
  /** The read end of pilotfish's stdout, unread until this is called. */
  reader(): Readable;
  /** pilotfish's pid as seen from here (inside unshare's namespace it is 1). */
  pid(): number;
  ticks(): number;
}

/**
 * Runs pilotfish with its stdout a pipe (a FIFO whose read end the test holds and does not read)
 * or the given socket.
 */
async function startStalled(config: (dir: string, port: number) => object, stdout: 'pipe' | Socket, asPid1: boolean, uid?: number): Promise<Stalled> {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-stall-'));
  // Another user's pilotfish must read its config and make its socket and files here (sticky, as
  // /tmp is: pilotfish refuses a socket directory that others could swap its socket in).
  if (uid !== undefined) chmodSync(dir, 0o1777);
  const [port] = (await freePorts(1)) as [number];
  const file = join(dir, 'pilotfish.json5');
  writeFileSync(file, JSON.stringify(config(dir, port)));
  const socket = join(dir, 'control.socket');
  const args = [CLI, 'run', '--config', file];
  // --kill-child: a test that gives up SIGKILLs unshare, and its pilotfish (PID 1 inside) must go too.
  const [command, argv] = asPid1 ? ['unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, ...args]] : [process.execPath, args];
  let reader = (): Readable => {
    throw new Error('the test holds the reading end itself');
  };
  let target: number | Socket;
  if (stdout === 'pipe') {
    const fifo = join(dir, 'stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    target = openSync(fifo, constants.O_WRONLY);
    reader = () => new Socket({ fd: readFd, readable: true, writable: false });
  } else {
    target = stdout;
  }
  const child = spawn(command as string, argv as string[], { cwd: REPO_ROOT, env: { ...process.env, PILOTFISH_SOCKET: socket }, stdio: ['ignore', target, 'pipe'], ...(uid === undefined ? {} : { uid, gid: uid }) });
  if (typeof target === 'number') closeSync(target);
  const pid = () => (asPid1 ? Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]) : (child.pid as number));
  const ticks = () => {
    try {
      return readFileSync(join(dir, 'ticks'), 'utf8').length;
    } catch {
      return 0;
    }
  };
  return { child, dir, socket, port, reader, pid, ticks };
}

const chattyWithTicks = (dir: string, port: number) => ({
  telemetry: { port, interfaces: ['static:127.0.0.1'] },
  jobs: [
    { name: 'chatty', exec: ['sh', '-c', CHATTY] },
    // One byte per run: proof that periodic jobs keep being started.
    { name: 'tick', exec: ['sh', '-c', `printf x >> ${join(dir, 'ticks')}`], when: { interval: '200ms' } },
  ],
});

async function droppedLines(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = /^pilotfish_log_lines_dropped_total (\d+)/m.exec(text);
  if (!match) throw new Error(`no pilotfish_log_lines_dropped_total in /metrics:\n${text.slice(0, 2000)}`);
  return Number(match[1]);
}

/**
 * What pilotfish printed besides the flood's own lines. Not a tail of everything: the flood
 * scrolls a line out of a megabyte's tail within milliseconds, before a poll could see it.
 */
function collect(stream: Readable): { text: () => string } {
  const kept: string[] = [];
  let partial = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (!line.includes(FLOOD_LINE)) kept.push(line);
  });
  stream.resume();
  return { text: () => kept.join('\n') };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function assertSupervisesWhileStalled(run: Stalled): Promise<void> {
  // Dropped lines prove that the output is stalled and the queue is full; on a pilotfish that blocks
  // on its stdout, /metrics never answers.
  await waitFor(() => droppedLines(run.port).then((count) => count > 0, () => false), 'lines to be dropped', 60_000, 100);
  const ticks = run.ticks();
  await waitFor(() => run.ticks() >= ticks + 3, 'the periodic job to keep running', 15_000);
  const ping = await httpCall({ socketPath: run.socket }, 'GET', '/v1/ping');
  assert.equal(ping.status, 200);
  // Still dropping: the reader has not come back.
  const before = await droppedLines(run.port);
  await waitFor(() => droppedLines(run.port).then((count) => count > before), 'more lines to be dropped', 15_000, 100);
}

for (const asPid1 of [false, true]) {
  test(`a stalled stdout pipe does not stop supervision${asPid1 ? ' (as PID 1)' : ''}; a resumed reader is told how many lines were dropped`, async () => {
    const run = await startStalled(chattyWithTicks, 'pipe', asPid1);
    try {
      await assertSupervisesWhileStalled(run);
      const output = collect(run.reader());
      await waitFor(() => /WARN  \d+ log lines dropped: the log output was not taking them dropped=\d+/.test(output.text()), 'the dropped-lines notice', 30_000);
      // The flood stopped and its backlog read, the last line cannot miss the exit's bounded flush
      // however slowly a loaded machine reads.
      assert.equal((await httpCall({ socketPath: run.socket }, 'POST', '/v1/jobs/chatty/stop')).status, 200);
      await waitFor(() => /\[chatty\] stopped/.test(output.text()), 'the flood to stop and its backlog to be read', 60_000);
      process.kill(run.pid(), 'SIGTERM');
      assert.equal(await exitCode(run.child), 143);
      assert.match(output.text(), /stopped; exiting with code 143/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
}

test('SIGTERM is obeyed while stdout stays stalled, within the bounded exit flush', async () => {
  const run = await startStalled(chattyWithTicks, 'pipe', true);
  try {
    await waitFor(() => droppedLines(run.port).then((count) => count > 0, () => false), 'lines to be dropped', 60_000, 100);
    process.kill(run.pid(), 'SIGTERM');
    assert.equal(await exitCode(run.child), 143);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('a stalled stdout socket (a journal stream) does not stop supervision either', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-stall-socket-'));
  const path = join(dir, 'journal.socket');
  let reader: Socket | undefined;
  const server = createServer((connection) => {
    connection.pause();
    reader = connection;
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const writer = connect(path);
  await new Promise<void>((resolve) => writer.once('connect', resolve));
  const run = await startStalled(chattyWithTicks, writer, false);
  writer.destroy();
  try {
    await assertSupervisesWhileStalled(run);
    const output = collect(reader as Socket);
    await waitFor(() => /\d+ log lines dropped/.test(output.text()), 'the dropped-lines notice', 30_000);
    process.kill(run.pid(), 'SIGTERM');
    assert.equal(await exitCode(run.child), 143);
  } finally {
    run.child.kill('SIGKILL');
    reader?.destroy();
    server.close();
  }
});

test("a stdout pipe it cannot reopen (root's FIFO, pilotfish running as nobody): a worker thread writes, supervision goes on", async () => {
  const run = await startStalled(chattyWithTicks, 'pipe', false, 65534);
  try {
    await assertSupervisesWhileStalled(run);
    // The FIFO is open once: the reopen was refused, so the worker path is the one under test.
    const fifo = join(run.dir, 'stdout.fifo');
    const links = readdirSync(`/proc/${run.pid()}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${run.pid()}/fd/${fd}`) === fifo;
      } catch {
        return false;
      }
    });
    assert.equal(links.length, 1);
    const output = collect(run.reader());
    // The notice queues behind up to 4 MiB that the worker hands over 64 KiB at a time: on a
    // loaded machine that takes a while (a hang detector, not a speed test).
    await waitFor(() => /\d+ log lines dropped/.test(output.text()), 'the dropped-lines notice', 45_000);
    process.kill(run.pid(), 'SIGTERM');
    assert.equal(await exitCode(run.child), 143);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('a raw-output job writing to the same stdout pipe still gets blocking writes (no EAGAIN)', async () => {
  const lines = 50_000;
  const run = await startStalled(
    () => ({
      jobs: [
        { name: 'chatty', exec: ['sh', '-c', CHATTY] },
        // `yes` reports a failed write (EAGAIN on a non-blocking pipe) and exits 1.
        { name: 'raw', exec: ['sh', '-c', `yes raw-output-line | head -n ${lines}`], logging: { raw: true } },
      ],
    }),
    'pipe',
    false,
  );
  try {
    // Let the pipe fill and the raw job block on it for a while before reading.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    let raw = 0;
    let partial = '';
    let text = '';
    const stdout = run.reader();
    stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line === 'raw-output-line') raw += 1;
        else if (line.includes('[raw] ')) text += `${line}\n`;
      }
    });

    await waitFor(() => /\[raw\] exited with code (\d+)/.exec(text), 'the raw job to exit', 30_000);
    assert.match(text, /\[raw\] exited with code 0/);
    assert.equal(raw, lines);
    process.kill(run.pid(), 'SIGTERM');
    assert.equal(await exitCode(run.child), 143);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test("a raw-output job's stderr stays blocking too, though Node makes a process.stderr of its own on pilotfish's", async () => {
  const lines = 50_000;
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-stall-stderr-'));
  const ready = join(dir, 'ready');
  const file = join(dir, 'pilotfish.json5');
  writeFileSync(
    file,
    JSON.stringify({
      jobs: [
        // Its exit closes its output pipes, which makes Node create process.stderr (before the fix,
        // on fd 2's own description: O_NONBLOCK for every raw job's stderr).
        { name: 'quick', exec: 'true' },
        { name: 'raw', exec: ['sh', '-c', `while [ ! -e ${ready} ]; do sleep 0.1; done; yes raw-error-line | head -n ${lines} >&2`], logging: { raw: true } },
      ],
    }),
  );
  // stdout and stderr apart, as Docker gives them; the test reads stderr only once the job blocks on it.
  const [stdout, stderr] = ['stdout', 'stderr'].map((name) => {
    const fifo = join(dir, `${name}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const reader = new Socket({ fd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    return { reader: reader.pause(), writeFd: openSync(fifo, constants.O_WRONLY) };
  }) as [{ reader: Socket; writeFd: number }, { reader: Socket; writeFd: number }];
  const child = spawn(process.execPath, [CLI, 'run', '--config', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, PILOTFISH_SOCKET: join(dir, 'control.socket') },
    stdio: ['ignore', stdout.writeFd, stderr.writeFd],
  });
  closeSync(stdout.writeFd);
  closeSync(stderr.writeFd);
  try {
    const output = collect(stdout.reader);
    await waitFor(() => /\[quick\] exited with code 0/.test(output.text()), 'the quick job to exit', 30_000);
    const O_NONBLOCK = 0o4000;
    const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/fdinfo/2`, 'utf8'))![1]!, 8);
    assert.equal(flags & O_NONBLOCK, 0, 'the stderr that jobs inherit is blocking');
    writeFileSync(ready, '');
    // Let the pipe fill and the raw job block on it for a while before reading.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    let raw = 0;
    let partial = '';
    stderr.reader.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      raw += parts.filter((line) => line === 'raw-error-line').length;
    });
    stderr.reader.resume();
    const exited = await waitFor(() => /\[raw\] exited with code (\d+)/.exec(output.text()), 'the raw job to exit', 30_000);
    assert.equal(exited[1], '0', output.text().slice(-2000));
    await waitFor(() => raw === lines, `${lines} lines on stderr (${raw} so far)`, 15_000);
    // Every job has ended.
    assert.equal(await exitCode(child), 0);
  } finally {
    child.kill('SIGKILL');
    // A raw job outlives a killed pilotfish: let it end, and hold none of its pipes open.
    writeFileSync(ready, '');
    stdout.reader.destroy();
    stderr.reader.destroy();
  }
});
