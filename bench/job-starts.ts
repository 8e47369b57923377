// Every benchmark job announces its start by writing "<pid> <name>" to a FIFO the harness reads,
// so "a job is running" is timed by the job itself, the same way under every supervisor (a
// shell builtin echo costs no extra exec; /proc polling would add its own latency).
import { openSync, constants } from 'node:fs';
import { Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface JobStart {
  pid: number;
  name: string;
  /** performance.now() when the harness read the line. */
  at: number;
}

export class JobStartLog {
  readonly starts: JobStart[] = [];
  private readonly socket: Socket;
  private waiters: Array<() => void> = [];

  constructor(readonly fifo: string) {
    execFileSync('mkfifo', [fifo]);
    // Read-write, so the FIFO never reports end-of-file between jobs; non-blocking, so libuv can
    // poll it like a pipe.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    this.socket = new Socket({ fd, readable: true, writable: false });
    let partial = '';
    this.socket.setEncoding('utf8').on('data', (chunk: string) => {
      const at = performance.now();
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [pid, name] = line.trim().split(' ');
        this.starts.push({ pid: Number(pid), name: name ?? '', at });
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The shell line a job runs first to announce itself. */
  announceCommand(name: string): string {
    return `echo "$$ ${name}" > ${this.fifo}`;
  }

  /** Resolves with the first start at index ≥ `from` (in arrival order). */
  async nth(from: number, timeoutMs: number): Promise<JobStart> {
    const deadline = performance.now() + timeoutMs;
    while (this.starts.length <= from) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no job start #${from + 1} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.starts[from]!;
  }

  close(): void {
    this.socket.destroy();
  }
}
