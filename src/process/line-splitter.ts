// A job's output, line by line, as readline would split it (\n, \r\n or a lone \r), but with a
// cap: readline keeps an unterminated line whole, so a job printing megabytes without a newline
// (a binary dump, a minified bundle) would grow the supervisor's memory without bound.
import type { Readable } from 'node:stream';

/** Longest line kept, in UTF-16 code units; the rest of a longer line is dropped and counted. */
export const MAX_LINE_LENGTH = 64 * 1024;

export function splitLines(input: Readable, onLine: (line: string) => void, maxLength = MAX_LINE_LENGTH): void {
  let partial = '';
  let dropped = 0;
  // A \r that ended a chunk: a \n starting the next one belongs to it.
  let afterCarriageReturn = false;

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

  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    let start = afterCarriageReturn && chunk.startsWith('\n') ? 1 : 0;
    afterCarriageReturn = false;
    const breaks = /\r\n|\n|\r/g;
    breaks.lastIndex = start;
    for (let match = breaks.exec(chunk); match; match = breaks.exec(chunk)) {
      append(chunk.slice(start, match.index));
      emit();
      start = match.index + match[0].length;
      if (match[0] === '\r' && start === chunk.length) afterCarriageReturn = true;
    }
    append(chunk.slice(start));
  });
  input.on('end', () => {
    if (partial.length > 0 || dropped > 0) emit();
  });
}
