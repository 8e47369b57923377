// The last lines of a command's output, bounded like Pebble's check logs (5 lines, 512 bytes):
// enough to say why a check failed without carrying a chatty probe's whole output around.

const MAX_LINES = 5;
const MAX_BYTES = 512;

export class OutputTail {
  private readonly lines: string[] = [];

  push(line: string): void {
    // Trim each line on arrival too, so one enormous line cannot hold memory until the end.
    this.lines.push(lastBytes(line, MAX_BYTES));
    if (this.lines.length > MAX_LINES) this.lines.shift();
  }

  toString(): string {
    return lastBytes(this.lines.join('\n'), MAX_BYTES);
  }
}

function lastBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let start = bytes.length - max;
  // Never start inside a multi-byte character: skip UTF-8 continuation bytes (10xxxxxx).
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}
