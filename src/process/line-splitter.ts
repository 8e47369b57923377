// A job's output, line by line, as readline would split it (\n, \r\n or a lone \r), but with a
// cap: readline keeps an unterminated line whole, so a job printing megabytes without a newline
// (a binary dump, a minified bundle) would grow the supervisor's memory without bound.
//
// And with a budget per turn of the event loop: libuv reads up to 32 × 64 KiB from a readable pipe
// at once, a million one-character lines, and a job writing short lines as fast as it can (`yes`)
// kept the loop from timers, signals and sockets for seconds. Once a turn's lines or characters
// are spent, splitting goes on in a later turn (setImmediate: after the loop has polled for I/O and
// run its timers), and the stream is not read meanwhile, so the job meets a full pipe.
import type { Readable } from 'node:stream';

/** Longest line kept, in UTF-16 code units; the rest of a longer line is dropped and counted. */
export const MAX_LINE_LENGTH = 64 * 1024;
/** Lines one stream may deliver in one turn of the event loop. */
const LINES_PER_TURN = 1024;
/** Characters one stream may split in one turn, for long lines (a turn may finish its last line). */
const CHARACTERS_PER_TURN = 64 * 1024;

/** Resolves once the stream has ended and its last line was delivered. */
export function splitLines(input: Readable, onLine: (line: string) => void, maxLength = MAX_LINE_LENGTH): Promise<void> {
  // The chunk being split, and where its unsplit part starts.
  let chunk = '';
  let offset = 0;
  // Where the next \r is at or after `offset` (-1: none left in the chunk): looked for once per
  // chunk and each time one is passed, not once per line, as most output has none.
  let nextCarriageReturn = -1;
  let partial = '';
  let dropped = 0;
  // A \r that ended a chunk: a \n starting the next one belongs to it.
  let afterCarriageReturn = false;
  let continuing = false;
  let ended = false;
  let delivered = (): void => undefined;

  const append = (text: string) => {
    let room = maxLength - partial.length;
    if (text.length <= room) {
      partial += text;
      return;
    }
    // Never keep half of a surrogate pair.
    if (room > 0 && /[\uD800-\uDBFF]/.test(text.charAt(room - 1))) room -= 1;
    partial += text.slice(0, Math.max(room, 0));
    dropped += text.length - Math.max(room, 0);
  };
  const emit = () => {
    onLine(dropped > 0 ? `${partial} … [line truncated: ${dropped} more characters]` : partial);
    partial = '';
    dropped = 0;
  };

  const startChunk = (data: string) => {
    chunk = data;
    offset = afterCarriageReturn && data.startsWith('\n') ? 1 : 0;
    afterCarriageReturn = false;
    nextCarriageReturn = data.indexOf('\r', offset);
  };

  /** Splits the chunk up to its end or to the end of the budget; returns the lines delivered. */
  const splitChunk = (lineBudget: number, characterBudgetEnd: number): number => {
    let lines = 0;
    while (offset < chunk.length && lines < lineBudget && offset < characterBudgetEnd) {
      if (nextCarriageReturn !== -1 && nextCarriageReturn < offset) nextCarriageReturn = chunk.indexOf('\r', offset);
      const newline = chunk.indexOf('\n', offset);
      const lineEnd = nextCarriageReturn !== -1 && (newline === -1 || nextCarriageReturn < newline) ? nextCarriageReturn : newline;
      if (lineEnd === -1) {
        append(chunk.slice(offset));
        offset = chunk.length;
        break;
      }
      const line = chunk.slice(offset, lineEnd);
      // The common case, a whole line within one chunk and under the cap, goes straight out.
      if (partial.length === 0 && line.length <= maxLength) onLine(line);
      else {
        append(line);
        emit();
      }
      lines += 1;
      offset = lineEnd + (chunk.startsWith('\r\n', lineEnd) ? 2 : 1);
      if (offset === chunk.length) afterCarriageReturn = chunk.endsWith('\r');
    }
    return lines;
  };

  /** Splits what the stream holds, one turn's budget of it; the rest in a later turn. */
  const splitAvailable = () => {
    continuing = false;
    let lineBudget = LINES_PER_TURN;
    let characterBudget = CHARACTERS_PER_TURN;
    while (lineBudget > 0 && characterBudget > 0) {
      if (offset === chunk.length) {
        // read(), not 'data' events: a paused stream is resumed by child_process when the job
        // exits, and 'readable' mode is the one that resume() leaves alone.
        const data = input.read() as string | null;
        // Nothing buffered: 'readable' comes with more, or 'end' (which comes with the read of the
        // last chunk, before it is split).
        if (data === null) {
          if (ended) finish();
          return;
        }
        startChunk(data);
      }
      const start = offset;
      lineBudget -= splitChunk(lineBudget, offset + characterBudget);
      characterBudget -= offset - start;
    }
    continuing = true;
    setImmediate(splitAvailable);
  };

  const finish = () => {
    if (partial.length > 0 || dropped > 0) emit();
    delivered();
  };

  input.setEncoding('utf8');
  input.on('readable', () => {
    if (!continuing) splitAvailable();
  });
  input.on('end', () => {
    ended = true;
    if (!continuing) finish();
  });
  return new Promise((resolve) => (delivered = resolve));
}
