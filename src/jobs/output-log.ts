// The recent output of one job, kept across restarts for `pilotfish logs` (Pebble keeps
// 100 KiB per service the same way): a bounded ring, and listeners for `--follow`.

export interface OutputLine {
  time: string;
  job: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export type OutputListener = (line: OutputLine) => void;

export class OutputLog {
  private readonly lines: OutputLine[] = [];
  private readonly listeners = new Set<OutputListener>();

  constructor(private readonly capacity = 1000) {}

  append(line: OutputLine): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
    for (const listener of this.listeners) listener(line);
  }

  /** The last `count` lines, oldest first. */
  recent(count = this.capacity): OutputLine[] {
    return this.lines.slice(-count);
  }

  /** Calls `listener` for every new line until the returned function is called. */
  follow(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
