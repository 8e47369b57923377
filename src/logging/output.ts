// Where pilotfish's own log lines go, written so that logging can never stop supervision: PID 1
// writes only what the output takes at once, keeps a bounded queue of what it did not take, drops
// (and counts) lines beyond it, and says how many were dropped once the output takes lines again.
// Lines are written once the JavaScript that logged them has run (a microtask), as one batch: a
// burst (a turn's worth of a job's output) costs one string to encode and a write() call per 4 KiB,
// where a Buffer and a system call per line were most of what a line cost.
//
// How a write is kept from blocking depends on what the descriptor is:
// - a pipe, FIFO, terminal or character device (/dev/null, /dev/full): reopened through
//   /proc/self/fd/N, which on Linux yields a new open file description of the same pipe or device.
//   O_NONBLOCK is set on that one only. fd 1 itself is usually shared with jobs (raw-output jobs
//   inherit it), and O_NONBLOCK on the shared description would make their writes fail with EAGAIN.
// - a regular file: writes never wait for a reader; a full disk (ENOSPC) is retried like a full pipe.
// - a socket (systemd's journal stream; Node's own child processes get socketpairs): it cannot be
//   reopened, but send() takes MSG_DONTWAIT per call, through koffi (which `run` loads anyway).
// - a pipe that cannot be reopened (/proc missing, or a FIFO of another user, as a non-root
//   container's stdout can be): there is no per-call non-blocking write for pipes, so a worker
//   thread makes the blocking writes, at most WORKER_WINDOW_BYTES at a time; the queue stays on
//   this thread. A worker costs about 9 MiB of RSS, hence the last resort.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { systemErrorName } from '../util/errors.js';

/** What a stalled output may hold in memory before lines are dropped. */
export const QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;
/**
 * Room beyond the limit for pilotfish's own lines (exits, restarts, the final exit line): a flood
 * of a job's output may cost that output's lines, not the lines that say what happened.
 */
const OWN_LINES_RESERVE_BYTES = 256 * 1024;
/**
 * At most this much is handed to one write() call, in whole lines: PIPE_BUF, what a pipe takes
 * whole or not at all, so that a raw job writing to the same pipe lands between pilotfish's lines,
 * never inside one. Only a longer line is handed over alone, and may go out in pieces.
 */
const WRITE_CHUNK_BYTES = 4096;
const NEWLINE = 0x0a;
/** What the worker may be blocked on at once; the rest waits in the queue, where it is counted. */
const WORKER_WINDOW_BYTES = 64 * 1024;
/** Retries of a stalled output back off from the first delay to the last. */
const RETRY_FIRST_MS = 10;
const RETRY_LAST_MS = 250;
/** How long an exiting pilotfish waits for a slow output to take its last lines. */
const EXIT_FLUSH_MS = 2000;

/** Lines dropped by every output since start, for /metrics. */
let droppedTotal = 0;
export function droppedLogLines(): number {
  return droppedTotal;
}

/** Errors after which the same write may succeed later: a full pipe, a full disk. */
const TRANSIENT = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR', 'ENOSPC', 'EDQUOT']);

/** A descriptor's write, as far as it goes without blocking: bytes written, or throws. */
interface Transport {
  write(data: Buffer): number;
  /** Waits (blocking, up to `ms`) for the transport to take more; for the exit flush only. */
  pause(ms: number): void;
  /** True when everything taken has reached the descriptor. */
  settled(): boolean;
  close(): void;
}

/** How many lines some text holds, and how many dropped lines a notice among them reports. */
interface LineCount {
  lines: number;
  reports: number;
}

/** Lines encoded, waiting for the output. */
interface Queued extends LineCount {
  data: Buffer;
}

/** Lines written since the last flush, encoded together when it comes. */
interface Batch extends LineCount {
  text: string;
}

export class LogOutput {
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private droppedSinceNotice = 0;
  private retry: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_FIRST_MS;
  /** Counted in queuedBytes, as the queue is. */
  private batch = emptyBatch();
  private flushQueued = false;

  /**
   * `notice` formats the line that reports dropped lines (in the log's own format).
   * `limit` bounds the queue in bytes.
   */
  private constructor(
    private readonly transport: Transport,
    private readonly notice: (count: number) => string,
    private readonly limit: number,
  ) {
    openOutputs.add(this);
  }

  /** fd 1 or 2, made safe to write without blocking (see the top of this file). */
  static forStandardStream(fd: 1 | 2, notice: (count: number) => string, limit = QUEUE_LIMIT_BYTES): LogOutput {
    return new LogOutput(standardStreamTransport(fd), notice, limit);
  }

  /** A file opened for appending (ours to close). Throws if it cannot be opened. */
  static forFile(path: string, notice: (count: number) => string, limit = QUEUE_LIMIT_BYTES): LogOutput {
    // O_NONBLOCK: a FIFO with no reader yet would block the open itself (ENXIO instead); a regular
    // file ignores the flag, and a full pipe is then retried like any other.
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o666);
    return new LogOutput(fdTransport(fd, true), notice, limit);
  }

  /** Bytes waiting for the output to take them. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** `own`: a line of pilotfish's own rather than a job's output, which may use the reserve. */
  write(text: string, own = false): void {
    const bytes = Buffer.byteLength(text);
    const limit = own ? this.limit + OWN_LINES_RESERVE_BYTES : this.limit;
    if (this.droppedSinceNotice > 0) {
      const notice = this.notice(this.droppedSinceNotice);
      const noticeBytes = Buffer.byteLength(notice);
      if (!this.fits(noticeBytes + bytes, limit)) return this.drop();
      this.batch.text += notice;
      this.batch.reports += this.droppedSinceNotice;
      this.queuedBytes += noticeBytes;
      this.droppedSinceNotice = 0;
    } else if (!this.fits(bytes, limit)) {
      return this.drop();
    }
    this.batch.text += text;
    this.batch.lines += 1;
    this.queuedBytes += bytes;
    // A stalled output is retried on its timer; otherwise the queue is written with what else
    // this task logs.
    if (this.retry === undefined && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        if (this.retry === undefined) this.flush();
      });
    }
  }

  /** Lets go of the output, once it has taken what it takes at once; the rest is dropped. */
  close(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    // The lines logged just before (a rotated file's last ones) have not been offered to it yet.
    this.enqueueBatch();
    this.flushOnce();
    this.queue.length = 0;
    this.queuedBytes = 0;
    openOutputs.delete(this);
    this.transport.close();
  }

  /**
   * Blocks up to `deadline` (`performance.now()` ms) for the queue to be written: at exit, when
   * nothing else is left to do. The monotonic clock: a system clock stepped back while a stalled
   * reader holds the queue would otherwise hold PID 1's exit for as long as the step.
   */
  flushBeforeExit(deadline: number): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.enqueueBatch();
    while (!(this.flushOnce() && this.transport.settled()) && performance.now() < deadline) this.transport.pause(RETRY_FIRST_MS);
  }

  private fits(length: number, limit: number): boolean {
    // One line always fits an empty queue, however long: the limit bounds a backlog, not a line.
    return this.queuedBytes === 0 || this.queuedBytes + length <= limit;
  }

  private enqueueBatch(): void {
    const { text, lines, reports } = this.batch;
    // An empty write has nothing to send (and a zero-length write() would never be taken).
    if (text.length > 0) this.queue.push({ data: Buffer.from(text), lines, reports });
    this.batch = emptyBatch();
  }

  private drop(): void {
    this.droppedSinceNotice += 1;
    droppedTotal += 1;
  }

  private flush(): void {
    this.retry = undefined;
    this.enqueueBatch();
    if (this.flushOnce()) {
      this.retryDelay = RETRY_FIRST_MS;
      return;
    }
    this.retry = setTimeout(() => this.flush(), this.retryDelay);
    // A stalled output must not keep an otherwise finished pilotfish alive.
    this.retry.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_LAST_MS);
  }

  /** Writes what the output takes now; true when the queue is empty. */
  private flushOnce(): boolean {
    while (this.queue.length > 0) {
      const chunk = this.nextChunk();
      let written: number;
      try {
        written = this.transport.write(chunk);
      } catch (error) {
        if (TRANSIENT.has((error as NodeJS.ErrnoException).code ?? '')) return false;
        // The output is gone for good (EPIPE: nobody will ever read it): the lines are lost, and
        // counted (all of a batch the reader took the start of); a lost notice leaves its count to
        // the next one.
        const lost = this.consumeEntry();
        this.droppedSinceNotice += lost.reports + lost.lines;
        droppedTotal += lost.lines;
        continue;
      }
      this.consume(written);
      if (written < chunk.length) return false;
    }
    return true;
  }

  /** The head of the queue, up to a write's worth of whole lines, joined when they are short. */
  private nextChunk(): Buffer {
    const first = (this.queue[0] as Queued).data;
    if (first.length > WRITE_CHUNK_BYTES) {
      // Whole lines up to the limit; a line longer than that alone, all of it.
      const end = first.lastIndexOf(NEWLINE, WRITE_CHUNK_BYTES - 1) + 1 || first.indexOf(NEWLINE) + 1 || first.length;
      return first.subarray(0, end);
    }
    if (this.queue.length === 1) return first;
    let count = 1;
    let size = first.length;
    while (count < this.queue.length && size + (this.queue[count] as Queued).data.length <= WRITE_CHUNK_BYTES) {
      size += (this.queue[count] as Queued).data.length;
      count += 1;
    }
    return count === 1 ? first : Buffer.concat(this.queue.slice(0, count).map((entry) => entry.data), size);
  }

  private consume(bytes: number): void {
    let left = bytes;
    let done = 0;
    while (left > 0) {
      const entry = this.queue[done] as Queued;
      if (entry.data.length <= left) {
        left -= entry.data.length;
        done += 1;
      } else {
        entry.data = entry.data.subarray(left);
        left = 0;
      }
    }
    // One splice per write: shifting line by line is quadratic in a 4 MiB queue of short lines.
    this.queue.splice(0, done);
    this.queuedBytes -= bytes;
  }

  private consumeEntry(): Queued {
    const head = this.queue.shift() as Queued;
    this.queuedBytes -= head.data.length;
    return head;
  }
}

function emptyBatch(): Batch {
  return { text: '', lines: 0, reports: 0 };
}

// At exit (process.exit after the last job stopped, or a fatal error), the queued lines are the
// most telling ones: give a slow reader a moment to take them, a stalled one no more than that.
const openOutputs = new Set<LogOutput>();
process.once('exit', () => {
  const deadline = performance.now() + EXIT_FLUSH_MS;
  for (const output of openOutputs) output.flushBeforeExit(deadline);
});

function standardStreamTransport(fd: 1 | 2): Transport {
  let stats;
  try {
    stats = fstatSync(fd);
  } catch {
    // Closed: writes fail with EBADF and are counted as dropped.
    return fdTransport(fd, false);
  }
  if (stats.isFile()) return fdTransport(fd, false);
  if (stats.isSocket()) return socketTransport(fd) ?? workerTransport(fd);
  try {
    const reopened = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    return fdTransport(reopened, true);
  } catch (error) {
    // ENXIO: a pipe whose reader is gone; writes to it fail at once (EPIPE) and cannot block.
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') return fdTransport(fd, false);
    return workerTransport(fd);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number): void => void Atomics.wait(sleeper, 0, 0, ms);

function fdTransport(fd: number, owned: boolean): Transport {
  return {
    write: (data) => writeSync(fd, data),
    pause: sleep,
    settled: () => true,
    close: () => {
      if (owned) closeSync(fd);
    },
  };
}

const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;

/** send() with MSG_DONTWAIT; undefined when koffi cannot be loaded. */
function socketTransport(fd: number): Transport | undefined {
  let send: (fd: number, data: Buffer, length: number, flags: number) => number | bigint;
  let errno: () => number;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi').default;
    // null: the symbols already linked into node, libc among them.
    send = koffi.load(null).func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
    errno = () => koffi.errno();
  } catch {
    return undefined;
  }
  return {
    write: (data) => {
      const sent = Number(send(fd, data, data.length, MSG_DONTWAIT | MSG_NOSIGNAL));
      if (sent >= 0) return sent;
      const code = systemErrorName(-errno());
      throw Object.assign(new Error(`send: ${code}`), { code });
    },
    pause: sleep,
    settled: () => true,
    close: () => undefined,
  };
}

// The worker's whole program: blocking writes of what it is sent; `inFlight` counts the bytes it
// has not written yet, so that this thread hands it no more than the window.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const inFlight = new Int32Array(workerData.inFlight);
const pause = new Int32Array(new SharedArrayBuffer(4));
parentPort.on('message', (data) => {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(workerData.fd, data, offset);
    } catch (error) {
      // A descriptor made non-blocking by whoever shares it: wait here, as a blocking write would.
      if (error.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 10);
      // EPIPE and the like: the reader is gone and these bytes with it.
      else break;
    }
  }
  Atomics.sub(inFlight, 0, data.length);
  Atomics.notify(inFlight, 0);
});
`;

function workerTransport(fd: number): Transport {
  const inFlight = new Int32Array(new SharedArrayBuffer(4));
  // Loaded here, the last resort, rather than at start: node:worker_threads costs ~1.5 MiB and a few ms.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, inFlight: inFlight.buffer } });
  worker.unref();
  return {
    write: (data) => {
      const room = WORKER_WINDOW_BYTES - Atomics.load(inFlight, 0);
      if (room <= 0) throw Object.assign(new Error('worker busy'), { code: 'EAGAIN' });
      const taken = data.length <= room ? data : data.subarray(0, room);
      Atomics.add(inFlight, 0, taken.length);
      // A copy of its own, transferred: posting a Buffer would clone the whole pool it may share.
      const copy = new Uint8Array(taken);
      worker.postMessage(copy, [copy.buffer]);
      return taken.length;
    },
    pause: (ms) => {
      const current = Atomics.load(inFlight, 0);
      if (current > 0) Atomics.wait(inFlight, 0, current, ms);
    },
    settled: () => Atomics.load(inFlight, 0) === 0,
    close: () => void worker.terminate(),
  };
}
