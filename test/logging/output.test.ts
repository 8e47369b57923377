// The log output under a full disk and /dev/full: lines are queued up to the limit, then dropped
// and counted, and a notice says how many once the output takes lines again (issue 10, critical 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as afterLinesAreWritten } from 'node:timers/promises';
import { LogSink, createLogger } from '../../src/logging/logger.js';
import { LogOutput, droppedLogLines } from '../../src/logging/output.js';
import { waitFor } from '../helpers/wait.js';

const notice = (count: number) => `NOTICE ${count} dropped\n`;

test('a log file on a full disk: lines are queued, then dropped and counted; when space is back they are written, then the notice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  try {
    const filler = join(dir, 'filler');
    // Fill the file system: writeFileSync fails with ENOSPC once it is full.
    assert.throws(() => writeFileSync(filler, Buffer.alloc(1024 * 1024)), /ENOSPC/);
    const output = LogOutput.forFile(join(dir, 'pilotfish.log'), notice, 4096);
    const droppedBefore = droppedLogLines();
    for (let i = 0; i < 200; i += 1) output.write(`line ${String(i).padStart(4, '0')} ${'x'.repeat(80)}\n`);
    assert.ok(output.pendingBytes <= 4096, `${output.pendingBytes} bytes queued`);
    const dropped = droppedLogLines() - droppedBefore;
    assert.ok(dropped > 100, `${dropped} lines dropped`);
    rmSync(filler);
    // The queue is retried on a timer, without a new line.
    await waitFor(() => output.pendingBytes === 0, 'the queue to be written', 20_000);
    output.write('after\n');
    await afterLinesAreWritten();
    const text = readFileSync(join(dir, 'pilotfish.log'), 'utf8');
    assert.match(text, /^line 0000 /);
    assert.ok(text.endsWith(`NOTICE ${dropped} dropped\nafter\n`), text.slice(-300));
    output.close();
  } finally {
    execFileSync('umount', [dir]);
  }
});

test('logging to /dev/full never throws and counts every line it loses', () => {
  const sink = new LogSink({ level: 'info', format: 'default', output: '/dev/full' });
  const log = createLogger(sink);
  const before = droppedLogLines();
  for (let i = 0; i < 200_000; i += 1) log.info(`line ${i}`);
  const dropped = droppedLogLines() - before;
  // The queue holds what fits in 4 MiB; the rest is counted.
  assert.ok(dropped > 0 && dropped < 200_000, `${dropped} dropped`);
});

test('a reader that is gone for good (EPIPE): lines are dropped and counted, nothing is kept', async () => {
  const fifo = join(mkdtempSync(join(tmpdir(), 'pilotfish-epipe-')), 'out.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const output = LogOutput.forFile(fifo, notice);
  closeSync(reader);
  const before = droppedLogLines();
  for (let i = 0; i < 10; i += 1) output.write(`line ${i}\n`);
  await afterLinesAreWritten();
  assert.equal(output.pendingBytes, 0);
  assert.equal(droppedLogLines() - before, 10);
  output.close();
});

test('a FIFO with no reader as the log file is refused at once (ENXIO), never a blocked open', () => {
  const fifo = join(mkdtempSync(join(tmpdir(), 'pilotfish-log-fifo-')), 'log.fifo');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => LogOutput.forFile(fifo, notice), /ENXIO/);
});

test('the exit flush is bounded on the monotonic clock: a system clock stepped back an hour does not hold the exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-log-exit-'));
  const fifo = join(dir, 'log.fifo');
  execFileSync('mkfifo', [fifo]);
  // A reader that never reads: the pipe fills, the rest stays queued for the exit flush.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const script = `
    const { LogOutput } = await import(${JSON.stringify(new URL('../../src/logging/output.js', import.meta.url).href)});
    const output = LogOutput.forFile(${JSON.stringify(fifo)}, (count) => count + ' dropped\\n');
    for (let i = 0; i < 2000; i++) output.write('x'.repeat(1000) + '\\n');
    // The wall clock is stepped back an hour (NTP, say) right after its first reading at exit.
    const wallClock = Date.now;
    let readings = 0;
    Date.now = () => wallClock() - (readings++ === 0 ? 0 : 3_600_000);
    process.exit(0);
  `;
  try {
    // The flush gives a stalled reader 2 s; the detector is for the old code, which waited an hour.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
    assert.equal(child.signal, null, `still flushing after 30 s: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
  } finally {
    closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
  }
});
