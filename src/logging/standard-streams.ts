// Node makes process.stdout and process.stderr on first use, and making one on a pipe or socket
// sets O_NONBLOCK on its open file description: the very description that raw-output jobs inherit
// as their stdout and stderr, whose writes then fail with EAGAIN whenever the reader is slow
// (`yes` exits 1, Python raises BlockingIOError). Node makes process.stderr of its own accord
// (destroying any socket, such as a job's output pipe, compares it with process.stderr), so `run`
// replaces both before its first job with streams that write as pilotfish's log does: through a
// description of their own, without blocking, within a bounded queue (output.ts).
import { Writable } from 'node:stream';
import { LogOutput } from './output.js';

export function replaceStandardStreams(): void {
  for (const [name, fd] of [['stdout', 1], ['stderr', 2]] as const) {
    // Opened on the first write: Node's own writes (warnings) are rare, most runs make none.
    let output: LogOutput | undefined;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output ??= LogOutput.forStandardStream(fd, (count) => `pilotfish: ${count} line${count === 1 ? '' : 's'} of Node's own ${name} dropped\n`);
        output.write(chunk.toString(), true);
        callback();
      },
    });
    Object.defineProperty(process, name, { configurable: true, enumerable: true, writable: true, value: Object.assign(stream, { fd }) });
  }
}
