// The recent story of one job, kept across restarts for `pilotfish logs`: its output lines and
// pilotfish's own lines about it (started, exited with code 3, restarting, unhealthy…), in the
// order they happened. A ring bounded in bytes, as Pebble keeps 100 KiB per service, so that
// chatty jobs with long lines cost no more than quiet ones; and listeners for `--follow`.

export interface OutputLine {
  time: string;
  job: string;
  /** `pilotfish`: a lifecycle line pilotfish wrote about the job, not the job's output. */
  stream: 'stdout' | 'stderr' | 'pilotfish';
  line: string;
  /** The process a lifecycle line is about, when there is one. */
  pid?: number;
}

export type OutputListener = (line: OutputLine) => void;

/** Output kept per job. */
export const OUTPUT_LOG_BYTES = 100 * 1024;
/** What a kept line costs beyond its text: the record, its timestamp, the array slot. */
const LINE_OVERHEAD_BYTES = 96;

export function isLifecycleLine(line: OutputLine): boolean {
  return line.stream === 'pilotfish';
}

export class OutputLog {
  private readonly lines: OutputLine[] = [];
  private bytes = 0;
  private readonly listeners = new Set<OutputListener>();

  constructor(private readonly capacityBytes = OUTPUT_LOG_BYTES) {}

  append(line: OutputLine): void {
    this.lines.push(line);
    this.bytes += cost(line);
    // The newest line stays even when it alone is over the budget (a 64 Ki line and a small budget).
    while (this.bytes > this.capacityBytes && this.lines.length > 1) this.bytes -= cost(this.lines.shift() as OutputLine);
    for (const listener of this.listeners) {
      try {
        listener(line);
      } catch {
        // Appends happen inside the job's state changes (an exit, a restart): a reader that fails
        // stops reading, and the job goes on.
        this.listeners.delete(listener);
      }
    }
  }

  /** Keeps a line of pilotfish's own about `job`, among its output. */
  appendLifecycle(job: string, text: string, pid?: number): void {
    this.append({ time: new Date().toISOString(), job, stream: 'pilotfish', line: text, ...(pid === undefined ? {} : { pid }) });
  }

  /** The last `count` lines (all kept, by default) that `wanted` accepts (all, by default), oldest first. */
  recent(count = this.lines.length, wanted: (line: OutputLine) => boolean = () => true): OutputLine[] {
    const found: OutputLine[] = [];
    for (let index = this.lines.length - 1; index >= 0 && found.length < count; index -= 1) {
      const line = this.lines[index] as OutputLine;
      if (wanted(line)) found.push(line);
    }
    return found.reverse();
  }

  /** Calls `listener` for every new line until the returned function is called. */
  follow(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** UTF-16 code units stand for bytes: what the strings hold in memory, without encoding them. */
function cost(line: OutputLine): number {
  return line.line.length + LINE_OVERHEAD_BYTES;
}
