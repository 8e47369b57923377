// The recent output of one job, kept across restarts for `pilotfish logs`: a ring bounded in
// bytes, as Pebble keeps 100 KiB per service, so that chatty jobs with long lines cost no more
// than quiet ones; and listeners for `--follow`.

export interface OutputLine {
  time: string;
  job: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export type OutputListener = (line: OutputLine) => void;

/** Output kept per job. */
export const OUTPUT_LOG_BYTES = 100 * 1024;
/** What a kept line costs beyond its text: the record, its timestamp, the array slot. */
const LINE_OVERHEAD_BYTES = 96;

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
    for (const listener of this.listeners) listener(line);
  }

  /** The last `count` lines (all kept, by default), oldest first. */
  recent(count = this.lines.length): OutputLine[] {
    return count <= 0 ? [] : this.lines.slice(-count);
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
